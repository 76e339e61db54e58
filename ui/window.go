package ui

import (
	"context"
	"sync/atomic"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/lang"

	"hoist/uploader"
)

// refreshEvery is how often the window takes a snapshot of the uploads.
const refreshEvery = 250 * time.Millisecond

// failureNoticeGap is the least time between two "uploads failed"
// notifications; the end-of-batch notification still counts every failure.
const failureNoticeGap = time.Minute

// MainWindow is Hoist's window: sign-in, then the uploads screen. Create it
// with NewMainWindow and show it with ShowAndRun (or Show). Its methods must
// be called on the Fyne UI goroutine.
type MainWindow struct {
	d        Deps
	win      fyne.Window
	settings Settings

	ctx  context.Context // ends when the window closes
	stop context.CancelFunc

	// spawn runs a call that may block for long (sign-in); command runs
	// engine commands in order; addJob runs Uploads.Add calls in order (a
	// big folder must not hold up a Pause). Tests make them synchronous.
	spawn   func(func())
	command func(func())
	addJob  func(func())
	now     func() time.Time
	// later runs a widget change on the UI goroutine after a while, unless
	// the window closed meanwhile; tests make it do nothing.
	later  func(time.Duration, func())
	kick   chan struct{} // asks the ticker for a poll now
	adding int           // paths being added

	signIn  *signInScreen
	uploads *uploadsScreen
	connect *ConnectScreen // connecting to another organisation, while shown
	opened  []string       // files handed over before the sign-in

	identity   Identity
	signedIn   bool
	reauth     *signInDialog
	view       queueView // last snapshot applied (UI goroutine)
	applied    bool
	lastFailAt time.Time

	pollRows  []rowView // rows of the last poll (poller goroutine only)
	pollMarks *marks    // bars' high-water marks (poller goroutine only)
	filter    atomic.Int32
	ticking   bool
	details   *detailsDialog // the Details dialog while open

	trayOn   bool // Hoist is in the system tray
	inTray   bool // the window is hidden to the tray
	toldTray bool // the "keeps uploading" notification was sent

	settingsForm *settingsForm // of the Settings dialog last opened, for tests
}

// NewMainWindow builds the window (not shown yet). It must be called on the
// UI goroutine, or before the app runs. When Deps.NeedsSignIn is set it
// starts a silent sign-in (Account.Restore) at once.
func NewMainWindow(d Deps) *MainWindow {
	return newMainWindow(d, nil)
}

// newMainWindow builds the window; run, if not nil, replaces every
// executor (tests pass one that runs calls at once).
func newMainWindow(d Deps, run func(func())) *MainWindow {
	if d.Organisation == "" {
		d.Organisation = "Hoist"
	}
	loadTexts()
	w := &MainWindow{d: d, now: time.Now, kick: make(chan struct{}, 1), pollMarks: newMarks()}
	w.ctx, w.stop = context.WithCancel(context.Background())
	w.later = func(d time.Duration, f func()) {
		afterOnUI(d, func() {
			if w.ctx.Err() == nil {
				f()
			}
		})
	}
	if run != nil {
		w.spawn, w.command, w.addJob = run, run, run
		w.later = func(time.Duration, func()) {}
	} else {
		cmds, adds := new(serial), new(serial)
		w.spawn = func(f func()) { go f() }
		w.command = func(f func()) { cmds.do(func() { f(); w.refreshSoon() }) }
		w.addJob = func(f func()) { adds.do(func() { f(); w.refreshSoon() }) }
	}
	w.settings = d.Policy.Apply(LoadSettings(d.App.Preferences(), d.Defaults))
	if d.Window != nil {
		w.win = d.Window
		w.win.SetTitle(w.title())
	} else {
		w.win = d.App.NewWindow(w.title())
	}
	if icon := d.App.Icon(); icon != nil {
		w.win.SetIcon(icon)
	}
	w.win.Resize(fyne.NewSize(1060, 700))
	w.signIn = newSignInScreen(w)
	w.uploads = newUploadsScreen(w)
	w.win.SetOnDropped(func(_ fyne.Position, uris []fyne.URI) { w.dropped(uris) })
	w.win.SetCloseIntercept(w.requestClose)
	w.start()
	return w
}

// Window returns the Fyne window.
func (w *MainWindow) Window() fyne.Window { return w.win }

// ShowAndRun shows the window, puts Hoist in the system tray (Deps.Tray),
// starts following the uploads and runs the Fyne app until the window
// closes. Call it from main, once, before the app runs.
func (w *MainWindow) ShowAndRun() {
	w.setUpTray()
	w.Show()
	w.d.App.Run()
}

// Show shows the window and starts following the uploads.
func (w *MainWindow) Show() {
	w.startTicker()
	w.win.Show()
}

// Close closes the window without asking, stopping its ticker and any
// sign-in in progress. Uploads are not touched. Closing twice does nothing.
func (w *MainWindow) Close() {
	if w.ctx.Err() != nil {
		return
	}
	w.stop()
	w.win.Close()
	if w.trayOn {
		w.d.App.Quit() // with a tray icon, Fyne keeps running without windows
	}
}

// WindowTitle is the title of every Hoist window. It never changes: on
// X11 the window's class (WM_CLASS) is taken from its first title, and the
// desktop entry's StartupWMClass must match it for the dock and the task
// switcher to put the window under Hoist's launcher. The version is in
// About.
const WindowTitle = "Hoist"

func (w *MainWindow) title() string { return WindowTitle }

// start picks the first screen: uploads when no sign-in is needed,
// otherwise a silent sign-in attempt, then welcome or uploads.
func (w *MainWindow) start() {
	if !w.d.NeedsSignIn {
		w.showUploads()
		return
	}
	w.win.SetContent(w.signIn.root)
	w.signIn.showRestoring()
	w.spawn(func() {
		id, ok := w.d.Account.Restore(w.ctx)
		fyne.Do(func() {
			if ok {
				w.signedInAs(id)
				return
			}
			w.signIn.showWelcome()
		})
	})
}

// signedInAs switches to the uploads screen for id and resumes what signing
// out had paused. The uploads are id's own by now (Account.SignIn opens
// them): someone else's stay paused in their list, waiting for them.
func (w *MainWindow) signedInAs(id Identity) {
	w.identity, w.signedIn = id, true
	w.showUploads()
	w.addOpened()
	w.command(func() {
		if ids := waitingIDs(w.d.Uploads.Snapshot()); len(ids) > 0 {
			w.d.Uploads.Resume(ids...)
		}
	})
	w.win.RequestFocus() // back from the browser: the window comes to the front
}

// waitingIDs lists the jobs paused until their owner signs in again.
func waitingIDs(s uploader.Snapshot) []uint64 {
	var ids []uint64
	for _, j := range s.Jobs {
		if j.WaitingSignIn && !j.State.Final() {
			ids = append(ids, j.ID)
		}
	}
	return ids
}

func (w *MainWindow) showUploads() {
	w.uploads.setIdentity(w.identity, w.d.NeedsSignIn)
	w.win.SetContent(w.uploads.root)
}

// signOut asks first when uploads are running: they pause until the next
// sign-in.
func (w *MainWindow) signOut() {
	active := activeIDs(w.d.Uploads.Snapshot())
	if len(active) == 0 {
		w.doSignOut(nil)
		return
	}
	confirm(w.win, lang.L("Sign out?"),
		lang.L("Sign out"), lang.L("Keep uploading"),
		wrapped(lang.L("Your uploads will pause, and continue when you sign in again.")),
		func(ok bool) {
			if ok {
				w.doSignOut(active)
			}
		}).Show()
}

func (w *MainWindow) doSignOut(pause []uint64) {
	w.command(func() {
		if len(pause) > 0 {
			w.d.Uploads.PauseForSignIn(pause...)
		}
		err := w.d.Account.SignOut(w.ctx)
		fyne.Do(func() { w.signedOut(pause, err) })
	})
}

func (w *MainWindow) signedOut(paused []uint64, err error) {
	if err != nil {
		if len(paused) > 0 {
			w.command(func() { w.d.Uploads.Resume(paused...) })
		}
		showProblem(w.win, lang.L("Couldn't sign out"),
			lang.L("Hoist couldn't sign you out completely: {{.Error}}", map[string]any{"Error": err.Error()})+
				"\n\n"+lang.L("Try again. If it keeps happening, restart Hoist."))
		return
	}
	w.identity, w.signedIn = Identity{}, false
	w.win.SetContent(w.signIn.root)
	w.signIn.showWelcome()
}

// activeIDs lists the jobs that are queued, running or verifying.
func activeIDs(s uploader.Snapshot) []uint64 {
	var ids []uint64
	for _, j := range s.Jobs {
		if !j.State.Final() && j.State != uploader.StatePaused {
			ids = append(ids, j.ID)
		}
	}
	return ids
}

// requestClose runs when the user closes the window: while uploads run it
// hides the window to the system tray, or asks first where there is none.
func (w *MainWindow) requestClose() {
	if active := len(activeIDs(w.d.Uploads.Snapshot())); active > 0 && w.trayOn {
		w.toTray(active)
		return
	}
	w.requestQuit()
}

// requestQuit quits, asking first while uploads run or wait for a sign-in.
func (w *MainWindow) requestQuit() {
	snap := w.d.Uploads.Snapshot()
	active, waiting := len(activeIDs(snap)), len(waitingIDs(snap))
	if active == 0 && waiting == 0 {
		w.Close()
		return
	}
	msg := lang.L("Uploads are still running. They'll continue next time you open Hoist. Quit anyway?")
	if active == 0 {
		msg = lang.N("{{.Count}} uploads are waiting for you to sign in again. They'll continue when you open Hoist and sign in. Quit anyway?",
			waiting, map[string]any{"Count": waiting})
	}
	d := confirm(w.win, lang.L("Quit Hoist?"), lang.L("Quit"), lang.L("Keep open"),
		wrapped(msg),
		func(ok bool) {
			if ok {
				w.Close()
			}
		})
	d.Show()
}

// startTicker follows the uploads until the window closes.
func (w *MainWindow) startTicker() {
	if w.ticking {
		return
	}
	w.ticking = true
	go func() {
		t := time.NewTicker(refreshEvery)
		defer t.Stop()
		for {
			w.poll()
			select {
			case <-w.ctx.Done():
				return
			case <-t.C:
			case <-w.kick:
			}
		}
	}()
}

// poll takes a snapshot, builds the view models here (off the UI
// goroutine) and hands them to the window in one fyne.Do. Only one
// goroutine may call it at a time.
func (w *MainWindow) poll() {
	v := buildQueueView(w.d.Uploads.Snapshot(), w.pollRows, w.pollMarks, filter(w.filter.Load()), w.now())
	w.pollRows = v.rows
	v.awake = w.d.KeepingAwake != nil && w.d.KeepingAwake()
	fyne.Do(func() { w.apply(v) })
}

// apply shows a new queue view; it runs on the UI goroutine.
func (w *MainWindow) apply(v queueView) {
	prev, first := w.view, !w.applied
	if f := filter(w.filter.Load()); v.filter != f { // changed since the poll
		v.order, v.filter = filterOrder(v.rows, f), f
	}
	w.view, w.applied = v, true
	w.uploads.apply(v)
	w.signIn.setWaiting(v.waiting)
	w.refreshDetails()
	if !first {
		w.notify(prev, v)
		if prev.finished != v.finished && w.uploads.tabs.Selected() == w.uploads.histTab {
			w.uploads.history.load() // History follows what ends, by itself
		}
	}
}

// destination words an object key for people (see Deps.Destination).
func (w *MainWindow) destination(key string) string {
	if w.d.Destination == nil || key == "" {
		return key
	}
	return w.d.Destination(key)
}
