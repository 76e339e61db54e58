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
//
// Fyne starts its tray (on Linux: the StatusNotifierItem on the session
// bus) only when the app starts running: a tray set up later never
// appears, and a window hidden "to" it would be lost. So the tray is set
// up before the app runs (ShowAndRun), and a window shown in an app that
// already runs (after the first connect, or after a damaged journal was
// moved aside) has no tray: closing it asks, as without one.

// setUpTray puts Hoist in the system tray, once, before the app runs. It
// reports whether there is a tray to close to.
func (w *MainWindow) setUpTray() bool {
	if w.trayOn {
		return true
	}
	desk, ok := w.d.App.(desktop.App)
	if !w.d.Tray || !ok {
		return false
	}
	desk.SetSystemTrayMenu(w.trayMenu())
	if icon := w.d.App.Icon(); icon != nil {
		desk.SetSystemTrayIcon(icon)
	}
	// No SetSystemTrayWindow: Fyne 2.7.1 shows that window on a click on
	// the icon straight from the tray's own goroutine (on Linux the D-Bus
	// worker; with the fyneDo threading model nothing moves the call to
	// the UI goroutine), so GL ran off its thread and Hoist crashed now and
	// then. Without it the icon opens the menu, whose items Fyne runs on
	// the UI goroutine, and Show Hoist brings the window back. It would
	// also have replaced Hoist's close rule with a plain Hide.
	w.trayOn = true
	return true
}

// trayMenu is the tray icon's menu. Its Quit asks in the window, brought
// to the front, as closing the window does.
func (w *MainWindow) trayMenu() *fyne.Menu {
	quit := fyne.NewMenuItem(lang.L("Quit Hoist"), func() {
		w.Raise()
		w.requestQuit()
	})
	quit.IsQuit = true
	return fyne.NewMenu("Hoist",
		fyne.NewMenuItem(lang.L("Show Hoist"), w.Raise),
		fyne.NewMenuItemSeparator(),
		fyne.NewMenuItem(lang.L("Pause all"), w.pauseAll),
		fyne.NewMenuItem(lang.L("Resume all"), w.resumeAll),
		fyne.NewMenuItemSeparator(),
		quit,
	)
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
