// Package desktop reaches the parts of the customer's desktop that Fyne
// does not: the platform's own file dialog (several files at once, the
// places the customer knows, a path to type) and whether the desktop shows
// a system tray. Package app wires it into the window; the window falls
// back to Fyne's own dialog and to the window itself where these are not
// there.
package desktop

import "errors"

// ErrUnavailable means this desktop has no native file dialog Hoist can
// use: show Fyne's instead.
var ErrUnavailable = errors.New("no native file dialog on this desktop")

// Picker is the platform's file dialog.
type Picker struct{}

// Pick asks the customer for files (or, with folders, folders) to upload;
// several may be chosen. It blocks until they choose or cancel (then it
// returns no paths and no error). ErrUnavailable means there is no native
// dialog here.
func (Picker) Pick(title string, folders bool) ([]string, error) {
	return pick(title, folders)
}
