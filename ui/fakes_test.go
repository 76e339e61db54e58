package ui

import (
	"context"
	"slices"
	"sync"
	"testing"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/widget"

	"hoist/uploader"
)

// fakeUploads records what the window asks of the engine.
type fakeUploads struct {
	mu       sync.Mutex
	snap     uploader.Snapshot
	added    uploader.Added
	addErr   error
	history  []uploader.JobRecord
	calls    []string
	addPaths [][]string
	ids      map[string][]uint64
}

func newFakeUploads() *fakeUploads { return &fakeUploads{ids: map[string][]uint64{}} }

func (f *fakeUploads) record(name string, ids ...uint64) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.calls = append(f.calls, name)
	f.ids[name] = append(f.ids[name], ids...)
}

func (f *fakeUploads) called(name string) bool {
	f.mu.Lock()
	defer f.mu.Unlock()
	return slices.Contains(f.calls, name)
}

func (f *fakeUploads) idsOf(name string) []uint64 {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.ids[name]
}

func (f *fakeUploads) setSnapshot(s uploader.Snapshot) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.snap = s
}

func (f *fakeUploads) Add(_ context.Context, paths ...string) (uploader.Added, error) {
	f.record("Add")
	f.mu.Lock()
	defer f.mu.Unlock()
	f.addPaths = append(f.addPaths, paths)
	return f.added, f.addErr
}

func (f *fakeUploads) Snapshot() uploader.Snapshot {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.snap
}

func (f *fakeUploads) Pause(ids ...uint64)       { f.record("Pause", ids...) }
func (f *fakeUploads) Resume(ids ...uint64)      { f.record("Resume", ids...) }
func (f *fakeUploads) Cancel(ids ...uint64)      { f.record("Cancel", ids...) }
func (f *fakeUploads) Retry(ids ...uint64) error { f.record("Retry", ids...); return nil }
func (f *fakeUploads) TryNow(ids ...uint64)      { f.record("TryNow", ids...) }
func (f *fakeUploads) ClearFinished()            { f.record("ClearFinished") }

// PauseForSignIn marks the jobs as a real engine would, so the window sees
// them waiting for the sign-in.
func (f *fakeUploads) PauseForSignIn(ids ...uint64) {
	f.record("PauseForSignIn", ids...)
	f.mu.Lock()
	defer f.mu.Unlock()
	jobs := append([]uploader.JobSnapshot(nil), f.snap.Jobs...)
	for i := range jobs {
		if slices.Contains(ids, jobs[i].ID) {
			jobs[i].State, jobs[i].Paused, jobs[i].WaitingSignIn = uploader.StatePaused, true, true
		}
	}
	f.snap.Jobs = jobs
}
func (f *fakeUploads) PauseAll()  { f.record("PauseAll") }
func (f *fakeUploads) ResumeAll() { f.record("ResumeAll") }
func (f *fakeUploads) CancelAll() { f.record("CancelAll") }
func (f *fakeUploads) RetryFailed() ([]uint64, error) {
	f.record("RetryFailed")
	return []uint64{7}, nil
}

func (f *fakeUploads) History(failedOnly bool) ([]uploader.JobRecord, error) {
	f.record("History")
	f.mu.Lock()
	defer f.mu.Unlock()
	var out []uploader.JobRecord
	for _, r := range f.history {
		if !failedOnly || r.State == uploader.StateFailed {
			out = append(out, r)
		}
	}
	return out, nil
}

// fakeAccount is a sign-in whose outcome the test sets.
type fakeAccount struct {
	restored bool
	id       Identity
	url      string
	err      error
	signIns  int
	signOuts int
	// onSignIn, if set, runs after a successful sign-in (as app's Account
	// opens the uploads of who signed in).
	onSignIn func(Identity)
}

// plainError is an error worded for people, as Account errors are.
type plainError string

func (e plainError) Error() string { return string(e) }

var errFakeSignIn error = plainError("The sign-in page said the password was wrong.")

func (a *fakeAccount) SignIn(_ context.Context, onURL func(string)) (Identity, error) {
	a.signIns++
	if a.url != "" {
		onURL(a.url)
	}
	if a.err != nil {
		return Identity{}, a.err
	}
	if a.onSignIn != nil {
		a.onSignIn(a.id)
	}
	return a.id, nil
}

func (a *fakeAccount) SignOut(context.Context) error {
	a.signOuts++
	return nil
}

func (a *fakeAccount) Restore(context.Context) (Identity, bool) { return a.id, a.restored }

// testWindow builds a window on a test app whose background work runs at
// once, on the test goroutine.
func testWindow(t *testing.T, d Deps) *MainWindow {
	t.Helper()
	if d.App == nil {
		d.App = test.NewTempApp(t)
	}
	if d.Uploads == nil {
		d.Uploads = newFakeUploads()
	}
	if d.Version == "" {
		d.Version = "9.9.9"
	}
	d.Organisation = "Acme Research"
	w := newMainWindow(d, func(f func()) { f() })
	w.win.Resize(fyne.NewSize(1000, 700))
	t.Cleanup(w.Close)
	return w
}

// find returns the objects under o (widgets' renderers included) that
// match keep.
func find(o fyne.CanvasObject, keep func(fyne.CanvasObject) bool) []fyne.CanvasObject {
	var out []fyne.CanvasObject
	var walk func(fyne.CanvasObject)
	walk = func(o fyne.CanvasObject) {
		if o == nil || !o.Visible() {
			return
		}
		if keep(o) {
			out = append(out, o)
		}
		switch v := o.(type) {
		case *fyne.Container:
			for _, c := range v.Objects {
				walk(c)
			}
		case fyne.Widget:
			for _, c := range test.WidgetRenderer(v).Objects() {
				walk(c)
			}
		}
	}
	walk(o)
	return out
}

// button finds the visible button labelled text in the window or its top
// dialog.
func button(t *testing.T, w *MainWindow, text string) *widget.Button {
	t.Helper()
	roots := []fyne.CanvasObject{w.win.Content()}
	if top := w.win.Canvas().Overlays().Top(); top != nil {
		roots = []fyne.CanvasObject{top}
	}
	for _, r := range roots {
		for _, o := range find(r, func(o fyne.CanvasObject) bool {
			b, ok := asButton(o)
			return ok && b.Text == text
		}) {
			bb, _ := asButton(o)
			return bb
		}
	}
	t.Fatalf("no visible button %q", text)
	return nil
}

// labels returns the text of every visible label under o.
func labels(o fyne.CanvasObject) []string {
	var out []string
	for _, l := range find(o, func(o fyne.CanvasObject) bool { _, ok := o.(*widget.Label); return ok }) {
		out = append(out, l.(*widget.Label).Text)
	}
	return out
}

// asButton is o as a button: Fyne's own (in dialogs) or Hoist's keyButton.
func asButton(o fyne.CanvasObject) (*widget.Button, bool) {
	switch b := o.(type) {
	case *widget.Button:
		return b, true
	case *keyButton:
		return &b.Button, true
	}
	return nil, false
}
