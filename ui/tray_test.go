package ui

import (
	"strings"
	"testing"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"

	"hoist/uploader"
)

// trayApp is a test app with a system tray that behaves as Fyne's desktop
// driver does: a tray window would hide on close.
type trayApp struct {
	fyne.App
	menu   *fyne.Menu
	icon   fyne.Resource
	window fyne.Window
	told   []*fyne.Notification
}

func (a *trayApp) SendNotification(n *fyne.Notification) { a.told = append(a.told, n) }

// Icon is the app's icon (the test app has none).
func (a *trayApp) Icon() fyne.Resource { return trayTestIcon }

var trayTestIcon = fyne.NewStaticResource("icon.png", []byte("icon"))

func (a *trayApp) SetSystemTrayMenu(m *fyne.Menu)    { a.menu = m }
func (a *trayApp) SetSystemTrayIcon(r fyne.Resource) { a.icon = r }
func (a *trayApp) SetSystemTrayWindow(w fyne.Window) {
	a.window = w
	w.SetCloseIntercept(w.Hide)
}

// item is the tray menu's item labelled label.
func (a *trayApp) item(t *testing.T, label string) *fyne.MenuItem {
	t.Helper()
	if a.menu == nil {
		t.Fatal("no tray menu")
	}
	for _, it := range a.menu.Items {
		if it.Label == label {
			return it
		}
	}
	t.Fatalf("no %q in the tray menu", label)
	return nil
}

// closableWindow records what a user's close (the window manager's close
// button) would call, and whether the window is shown.
type closableWindow struct {
	fyne.Window
	intercept func()
	shown     bool
}

func (c *closableWindow) SetCloseIntercept(f func()) {
	c.intercept = f
	c.Window.SetCloseIntercept(f)
}
func (c *closableWindow) Show() { c.shown = true; c.Window.Show() }
func (c *closableWindow) Hide() { c.shown = false; c.Window.Hide() }

func trayWindow(t *testing.T, fake *fakeUploads, tray bool) (*MainWindow, *trayApp, *closableWindow) {
	t.Helper()
	base := test.NewTempApp(t)
	a := &trayApp{App: base}
	win := &closableWindow{Window: base.NewWindow("Hoist")}
	w := testWindow(t, Deps{App: a, Window: win, Uploads: fake, Tray: tray})
	if got := w.setUpTray(); got != tray {
		t.Fatalf("setUpTray = %v with a tray %v", got, tray)
	}
	// The test polls itself: a ticker would change widgets from its own
	// goroutine while the test drives the window from this one.
	w.ticking = true
	w.Show()
	w.poll()
	return w, a, win
}

// With a tray: closing while uploads run hides the window; the tray menu
// brings it back, and its Quit asks in the window, as closing did.
func TestCloseToTrayWhileUploading(t *testing.T) {
	fake := newFakeUploads()
	fake.setSnapshot(snapshotOf(job(1, uploader.StateRunning, 100, 10)))
	w, a, win := trayWindow(t, fake, true)
	// No tray window: Fyne would show it from the tray's goroutine.
	if a.window != nil || a.icon != trayTestIcon {
		t.Fatalf("tray window %v, icon %v", a.window, a.icon)
	}
	var items []string
	for _, it := range a.menu.Items {
		items = append(items, it.Label)
	}
	if got := strings.Join(items, "|"); got != "Show Hoist||Pause all|Resume all||Quit Hoist" {
		t.Errorf("tray menu %q", got)
	}
	if !a.item(t, "Quit Hoist").IsQuit {
		t.Error("Quit Hoist is not the menu's quit item (Fyne would add another)")
	}

	win.intercept()
	if win.shown || w.ctx.Err() != nil {
		t.Fatalf("close while uploading: shown %v, closed %v; want hidden, running", win.shown, w.ctx.Err() != nil)
	}
	if len(a.told) != 1 || !strings.Contains(a.told[0].Content, "1 upload continues") {
		t.Errorf("notifications %+v", a.told)
	}
	a.item(t, "Show Hoist").Action()
	if !win.shown {
		t.Fatal("Show Hoist did not show the window")
	}
	a.item(t, "Pause all").Action()
	a.item(t, "Resume all").Action()
	if !fake.called("PauseAll") || !fake.called("ResumeAll") {
		t.Errorf("Pause all / Resume all: calls %v", fake.calls)
	}

	win.intercept()
	a.item(t, "Quit Hoist").Action()
	if !win.shown || w.ctx.Err() != nil {
		t.Fatalf("Quit from the tray: shown %v, closed %v; want the window asking", win.shown, w.ctx.Err() != nil)
	}
	text := strings.Join(labels(w.win.Canvas().Overlays().Top()), " ")
	if !strings.Contains(text, "They'll continue next time you open Hoist") {
		t.Errorf("question %q", text)
	}
	test.Tap(button(t, w, "Quit"))
	if w.ctx.Err() == nil {
		t.Error("Quit did not close the window")
	}
}

// With a tray but nothing running, closing quits at once (it does not
// hide the window behind the tray icon).
func TestCloseWithTrayWhenIdleQuits(t *testing.T) {
	fake := newFakeUploads()
	fake.setSnapshot(snapshotOf(job(1, uploader.StateDone, 100, 100)))
	w, _, win := trayWindow(t, fake, true)
	win.intercept()
	if w.ctx.Err() == nil {
		t.Fatal("idle window with a tray did not close")
	}
}

// Without a tray the window is the only way in: closing while uploads run
// asks, and the window stays.
func TestCloseWithoutTrayAsks(t *testing.T) {
	fake := newFakeUploads()
	fake.setSnapshot(snapshotOf(job(1, uploader.StateRunning, 100, 10)))
	w, a, win := trayWindow(t, fake, false)
	if a.menu != nil || a.window != nil {
		t.Fatal("a tray was set up on a desktop without one")
	}
	win.intercept()
	if !win.shown || w.ctx.Err() != nil {
		t.Fatalf("close without a tray: shown %v, closed %v", win.shown, w.ctx.Err() != nil)
	}
	text := strings.Join(labels(w.win.Canvas().Overlays().Top()), " ")
	if !strings.Contains(text, "Quit anyway?") {
		t.Errorf("question %q", text)
	}
}
