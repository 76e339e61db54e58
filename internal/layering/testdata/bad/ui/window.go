// Package ui breaks the window rule.
package ui

import (
	_ "bad/uploader/journal"
	_ "net/http"
	_ "net/url"
)
