// Package uploader breaks the engine rule twice.
package uploader

import (
	_ "bad/ui"
	_ "fyne.io/fyne/v2"
	_ "fmt"
)
