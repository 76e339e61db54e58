package ui

import (
	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/driver/desktop"
	"fyne.io/fyne/v2/lang"
)

// The system tray: while uploads run, closing the window keeps Hoist
// running there (Deps.Tray), with a menu to show the window, pause or
// resume, and quit (which asks, as closing the window did). Where the
// desktop has no tray the window stays the only way in, and closing it
// asks before quitting.

// setUpTray puts Hoist in the system tray, once (UI goroutine). It reports
// whether there is a tray to close to.
func (w *MainWindow) setUpTray() bool {
	if w.trayOn {
		return true
	}
	desk, ok := w.d.App.(desktop.App)
	if !w.d.Tray || !ok {
		return false
	}
	quit := fyne.NewMenuItem(lang.L("Quit Hoist"), func() {
		w.Raise()
		w.requestQuit()
	})
	quit.IsQuit = true
	menu := fyne.NewMenu("Hoist",
		fyne.NewMenuItem(lang.L("Show Hoist"), w.Raise),
		fyne.NewMenuItemSeparator(),
		fyne.NewMenuItem(lang.L("Pause all"), w.pauseAll),
		fyne.NewMenuItem(lang.L("Resume all"), w.resumeAll),
		fyne.NewMenuItemSeparator(),
		quit,
	)
	desk.SetSystemTrayMenu(menu)
	if icon := w.d.App.Icon(); icon != nil {
		desk.SetSystemTrayIcon(icon)
	}
	desk.SetSystemTrayWindow(w.win)
	w.trayOn = true
	return true
}

// toTray hides the window; uploads go on, and the tray brings it back.
func (w *MainWindow) toTray(active int) {
	w.win.Hide()
	w.inTray = true
	if !w.toldTray {
		w.toldTray = true
		w.d.App.SendNotification(fyne.NewNotification(lang.L("Hoist keeps uploading"),
			lang.N("{{.Count}} uploads continue in the background. Open Hoist from the system tray to see them, or to quit.",
				active, map[string]any{"Count": active})))
	}
}
