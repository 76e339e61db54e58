// Package uploader breaks the engine rule twice.
package uploader

import (
	_ "bad/ui"
	_ "fmt"
	_ "fyne.io/fyne/v2"
)
