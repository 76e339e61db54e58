package app

import (
	"log/slog"

	"hoist/internal/desktop"
	"hoist/ui"
)

// loggedPicker is the platform's file dialog that logs why it could not
// be shown (the window then offers Fyne's own dialog, and support would
// otherwise never learn why the customer saw it).
type loggedPicker struct {
	p   ui.Picker
	log *slog.Logger
}

var _ ui.Picker = loggedPicker{}

// Pick is desktop.Picker.Pick, logging failures other than "this desktop
// has none" at warning level.
func (l loggedPicker) Pick(title string, folders bool) ([]string, error) {
	paths, err := l.p.Pick(title, folders)
	switch {
	case err == nil:
		l.log.Debug("file dialog", "chosen", len(paths), "folders", folders)
	case err == desktop.ErrUnavailable: // exactly: a wrapped one carries a cause worth a warning
		l.log.Debug("no native file dialog here; Fyne's instead", "folders", folders)
	default:
		l.log.Warn("the native file dialog failed; Fyne's instead", "folders", folders, "error", err)
	}
	return paths, err
}
