package ui

import (
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync/atomic"
	"testing"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/storage"
	"fyne.io/fyne/v2/test"

	"hoist/uploader"
)

func job(id uint64, st uploader.State, size, done int64) uploader.JobSnapshot {
	return uploader.JobSnapshot{JobRecord: uploader.JobRecord{ID: id, Rel: "folder/file-" + string(rune('a'+id%26)) + ".bin",
		Source: "/home/ada/folder/file.bin", Key: "uploads/folder/file.bin", Size: size, State: st}, Done: done, ETA: -1}
}

func snapshotOf(jobs ...uploader.JobSnapshot) uploader.Snapshot {
	s := uploader.Snapshot{Jobs: jobs}
	for _, j := range jobs {
		s.Totals.Files++
		s.Totals.Bytes += j.Size
		s.Totals.BytesDone += j.Done
		switch j.State {
		case uploader.StateDone:
			s.Totals.FilesDone++
		case uploader.StateFailed:
			s.Totals.FilesFailed++
		case uploader.StateRunning:
			s.Totals.FilesActive++
		}
	}
	return s
}

func TestDropPassesFilesAndFoldersAndExplainsLinks(t *testing.T) {
	fake := newFakeUploads()
	fake.added = uploader.Added{IDs: []uint64{1}, Problems: []uploader.Problem{
		{Path: "/home/ada/locked.bin", Reason: "Hoist isn't allowed to read this file"},
	}}
	w := testWindow(t, Deps{Uploads: fake})
	dir := t.TempDir()
	file := filepath.Join(dir, "a.txt")
	if err := os.WriteFile(file, []byte("x"), 0o600); err != nil {
		t.Fatal(err)
	}
	link, err := storage.ParseURI("https://example.com/report.pdf")
	if err != nil {
		t.Fatal(err)
	}
	w.dropped([]fyne.URI{storage.NewFileURI(file), storage.NewFileURI(dir), link})

	if len(fake.addPaths) != 1 || !slices.Equal(fake.addPaths[0], []string{file, dir}) {
		t.Fatalf("Add got %q, want one call with %q", fake.addPaths, []string{file, dir})
	}
	b := w.uploads.problems
	if !b.root.Visible() {
		t.Fatal("problems banner hidden")
	}
	text := strings.Join(labels(b.root), "\n")
	for _, want := range []string{"2 items were not added", "report.pdf", "web link", "locked.bin", "allowed to read"} {
		if !strings.Contains(text, want) {
			t.Errorf("banner %q lacks %q", text, want)
		}
	}
	test.Tap(button(t, w, "Dismiss"))
	if b.root.Visible() {
		t.Error("banner still shown after Dismiss")
	}
}

func TestDropOfOnlyLinksAddsNothing(t *testing.T) {
	fake := newFakeUploads()
	w := testWindow(t, Deps{Uploads: fake})
	u, _ := storage.ParseURI("https://example.com/x")
	w.dropped([]fyne.URI{u})
	if fake.called("Add") {
		t.Error("Add called for a web link")
	}
	if !w.uploads.problems.root.Visible() {
		t.Error("no message for a web link")
	}
}

func TestAddErrorIsShown(t *testing.T) {
	fake := newFakeUploads()
	fake.addErr = errors.New("record new jobs: disk full")
	w := testWindow(t, Deps{Uploads: fake})
	w.dropped([]fyne.URI{storage.NewFileURI(t.TempDir())})
	top := w.win.Canvas().Overlays().Top()
	if top == nil || !strings.Contains(strings.Join(labels(top), " "), "disk full") {
		t.Fatal("the error from Add is not shown")
	}
}

func TestDropWhileSignedOutAsksToSignIn(t *testing.T) {
	fake := newFakeUploads()
	w := testWindow(t, Deps{Uploads: fake, NeedsSignIn: true, Account: &fakeAccount{}})
	w.dropped([]fyne.URI{storage.NewFileURI(t.TempDir())})
	if fake.called("Add") {
		t.Error("Add called while signed out")
	}
	if w.win.Canvas().Overlays().Top() == nil {
		t.Error("no message asking to sign in")
	}
}

// queueRows returns the rows the list has drawn.
func queueRows(w *MainWindow) []*queueRow {
	var rows []*queueRow
	for _, o := range find(w.uploads.list, func(o fyne.CanvasObject) bool { _, ok := o.(*queueRow); return ok }) {
		rows = append(rows, o.(*queueRow))
	}
	return rows
}

func rowFor(t *testing.T, w *MainWindow, id uint64) *queueRow {
	t.Helper()
	for _, r := range queueRows(w) {
		if r.view.job.ID == id {
			return r
		}
	}
	t.Fatalf("no row shows job %d", id)
	return nil
}

func TestRowButtonsReachTheEngine(t *testing.T) {
	fake := newFakeUploads()
	fake.setSnapshot(snapshotOf(
		job(1, uploader.StateRunning, 100, 0),
		job(2, uploader.StatePaused, 100, 0),
		job(3, uploader.StateFailed, 100, 0),
		job(4, uploader.StateQueued, 100, 0),
	))
	a := test.NewTempApp(t)
	w := testWindow(t, Deps{App: a, Uploads: fake})
	w.poll()

	test.Tap(rowFor(t, w, 1).primary)
	test.Tap(rowFor(t, w, 2).primary)
	test.Tap(rowFor(t, w, 3).primary)
	test.Tap(rowFor(t, w, 4).cancel)
	for name, want := range map[string]uint64{"Pause": 1, "Resume": 2, "Retry": 3, "Cancel": 4} {
		if got := fake.idsOf(name); !slices.Equal(got, []uint64{want}) {
			t.Errorf("%s got IDs %v, want [%d]", name, got, want)
		}
	}

	test.Tap(rowFor(t, w, 3).details)
	if w.win.Canvas().Overlays().Top() == nil {
		t.Fatal("Details opened no dialog")
	}
	test.Tap(button(t, w, "Copy for support"))
	clip := a.Clipboard().Content()
	for _, want := range []string{"Upload ID: 3", "From: /home/ada/folder/file.bin", "To: uploads/folder/file.bin", "Hoist 9.9.9"} {
		if !strings.Contains(clip, want) {
			t.Errorf("support text %q lacks %q", clip, want)
		}
	}
}

func TestCancellingAStartedUploadAsksFirst(t *testing.T) {
	fake := newFakeUploads()
	fake.setSnapshot(snapshotOf(job(5, uploader.StateRunning, 100, 40)))
	w := testWindow(t, Deps{Uploads: fake})
	w.poll()
	test.Tap(rowFor(t, w, 5).cancel)
	if fake.called("Cancel") {
		t.Fatal("cancelled without asking")
	}
	test.Tap(button(t, w, "Cancel upload"))
	if !slices.Equal(fake.idsOf("Cancel"), []uint64{5}) {
		t.Errorf("Cancel got %v", fake.idsOf("Cancel"))
	}
}

func TestFooterButtons(t *testing.T) {
	fake := newFakeUploads()
	fake.setSnapshot(snapshotOf(
		job(1, uploader.StateRunning, 100, 50),
		job(2, uploader.StatePaused, 100, 0),
		job(3, uploader.StateFailed, 100, 0),
	))
	w := testWindow(t, Deps{Uploads: fake})
	w.poll()
	f := w.uploads.footer
	test.Tap(f.pause)
	test.Tap(f.resume)
	test.Tap(f.retry)
	test.Tap(f.cancel)
	if fake.called("CancelAll") {
		t.Fatal("Cancel all did not ask first")
	}
	test.Tap(button(t, w, "Cancel all"))
	for _, name := range []string{"PauseAll", "ResumeAll", "RetryFailed", "CancelAll"} {
		if !fake.called(name) {
			t.Errorf("%s not called", name)
		}
	}
	if got := f.files.Text; got != "0 of 3 files sent · 1 failed" {
		t.Errorf("footer says %q", got)
	}
}

func TestFooterButtonsFollowTheQueue(t *testing.T) {
	fake := newFakeUploads()
	fake.setSnapshot(snapshotOf(job(1, uploader.StateDone, 100, 100)))
	w := testWindow(t, Deps{Uploads: fake})
	w.poll()
	f := w.uploads.footer
	for name, b := range map[string]interface{ Disabled() bool }{"pause": f.pause, "resume": f.resume, "cancel": f.cancel, "retry": f.retry} {
		if !b.Disabled() {
			t.Errorf("%s enabled with nothing to act on", name)
		}
	}
}

func TestSignInSignOut(t *testing.T) {
	acct := &fakeAccount{id: Identity{Name: "Ada Lovelace", Email: "ada@example.org"}, url: "http://127.0.0.1:5000/auth?x=1"}
	a := test.NewTempApp(t)
	w := testWindow(t, Deps{App: a, NeedsSignIn: true, Account: acct})
	if w.win.Content() != w.signIn.root || w.signedIn {
		t.Fatal("not on the sign-in screen after a failed restore")
	}
	test.Tap(w.signIn.button)
	if acct.signIns != 1 || !w.signedIn || w.win.Content() != w.uploads.root {
		t.Fatalf("after Sign in: calls %d, signed in %v", acct.signIns, w.signedIn)
	}
	if got := w.uploads.who.Text; got != "Signed in as Ada Lovelace (ada@example.org)" {
		t.Errorf("header says %q", got)
	}
	test.Tap(w.uploads.signOut)
	if acct.signOuts != 1 || w.signedIn || w.win.Content() != w.signIn.root {
		t.Fatalf("after Sign out: calls %d, signed in %v", acct.signOuts, w.signedIn)
	}
}

func TestSignOutPausesRunningUploadsUntilSignIn(t *testing.T) {
	fake := newFakeUploads()
	fake.setSnapshot(snapshotOf(job(1, uploader.StateRunning, 100, 10), job(2, uploader.StatePaused, 100, 0)))
	acct := &fakeAccount{restored: true, id: Identity{Email: "ada@example.org"}}
	w := testWindow(t, Deps{Uploads: fake, NeedsSignIn: true, Account: acct})
	test.Tap(w.uploads.signOut)
	test.Tap(button(t, w, "Sign out"))
	if !slices.Equal(fake.idsOf("PauseForSignIn"), []uint64{1}) || acct.signOuts != 1 {
		t.Fatalf("paused %v, sign-outs %d", fake.idsOf("PauseForSignIn"), acct.signOuts)
	}
	// The signed-out screen keeps the promise in view.
	w.poll()
	if got := w.signIn.waiting.Text; !w.signIn.waiting.Visible() || got != "1 upload is waiting. Sign in to continue it." {
		t.Errorf("signed-out screen says %q", got)
	}
	// Quitting now asks, like quitting with running uploads.
	w.requestClose()
	text := strings.Join(labels(w.win.Canvas().Overlays().Top()), " ")
	if w.ctx.Err() != nil || !strings.Contains(text, "1 upload is waiting for you to sign in again") {
		t.Fatalf("quit with an upload waiting: closed %v, asked %q", w.ctx.Err() != nil, text)
	}
	test.Tap(button(t, w, "Keep open"))
	test.Tap(w.signIn.button)
	if !slices.Equal(fake.idsOf("Resume"), []uint64{1}) {
		t.Errorf("resumed %v after sign-in, want [1]", fake.idsOf("Resume"))
	}
}

func TestSignInFailureSaysWhatToDo(t *testing.T) {
	acct := &fakeAccount{err: errFakeSignIn, url: "http://127.0.0.1:5000/auth?x=1"}
	a := test.NewTempApp(t)
	w := testWindow(t, Deps{App: a, NeedsSignIn: true, Account: acct})
	test.Tap(w.signIn.button)
	f := w.signIn.flow
	if w.signIn.panel.Objects[0] != f.failed {
		t.Fatal("failure not shown")
	}
	text := strings.Join(labels(f.failed), " ")
	if !strings.Contains(text, errFakeSignIn.Error()) || strings.Contains(text, "internet connection") {
		t.Errorf("failure text %q", text)
	}
	// The link from the attempt can still be copied.
	test.Tap(f.copy)
	if got := a.Clipboard().Content(); got != acct.url {
		t.Errorf("clipboard %q, want the sign-in link", got)
	}
	acct.err = nil
	test.Tap(button(t, w, "Try again"))
	if !w.signedIn || acct.signIns != 2 {
		t.Error("Try again did not sign in")
	}
}

func TestHeldUploadsAskForSignIn(t *testing.T) {
	fake := newFakeUploads()
	snap := snapshotOf(job(1, uploader.StateQueued, 100, 0))
	snap.Held = true
	fake.setSnapshot(snap)
	acct := &fakeAccount{restored: true, id: Identity{Name: "Ada"}}
	w := testWindow(t, Deps{Uploads: fake, NeedsSignIn: true, Account: acct})
	w.poll()
	if !w.uploads.held.Visible() {
		t.Fatal("held banner hidden")
	}
	test.Tap(button(t, w, "Sign in again"))
	if acct.signIns != 1 {
		t.Errorf("SignIn calls %d, want 1", acct.signIns)
	}
	snap.Held = false
	fake.setSnapshot(snap)
	w.poll()
	if w.uploads.held.Visible() {
		t.Error("held banner still shown")
	}
}

func TestCloseAsksWhileUploading(t *testing.T) {
	fake := newFakeUploads()
	fake.setSnapshot(snapshotOf(job(1, uploader.StateRunning, 100, 10)))
	w := testWindow(t, Deps{Uploads: fake})
	w.requestClose()
	if w.ctx.Err() != nil {
		t.Fatal("closed without asking")
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

func TestCloseWhenIdleDoesNotAsk(t *testing.T) {
	fake := newFakeUploads()
	fake.setSnapshot(snapshotOf(job(1, uploader.StateDone, 100, 100), job(2, uploader.StatePaused, 100, 0)))
	w := testWindow(t, Deps{Uploads: fake})
	w.requestClose()
	if w.ctx.Err() == nil {
		t.Error("idle window did not close")
	}
}

func TestSettingsPersistAndApply(t *testing.T) {
	a := test.NewTempApp(t)
	var got []Settings
	w := testWindow(t, Deps{App: a, OnSettings: func(s Settings) { got = append(got, s) },
		Defaults: Settings{ParallelFiles: 3, ParallelParts: 5, Notifications: true}})
	if w.settings != (Settings{ParallelFiles: 3, ParallelParts: 5, Notifications: true}) {
		t.Fatalf("initial settings %+v", w.settings)
	}
	w.showSettings()
	form := findSettingsForm(t, w)
	form.files.SetSelected("8")
	form.parts.SetSelected("16")
	form.notify.SetChecked(false)
	test.Tap(button(t, w, "Save"))
	want := Settings{ParallelFiles: 8, ParallelParts: 16, Notifications: false}
	if len(got) != 1 || got[0] != want {
		t.Fatalf("OnSettings got %+v, want %+v", got, want)
	}
	if s := LoadSettings(a.Preferences(), DefaultSettings()); s != want {
		t.Errorf("preferences hold %+v, want %+v", s, want)
	}
	p := a.Preferences()
	if p.Int(prefParallelFiles) != 8 || p.Int(prefParallelParts) != 16 || p.BoolWithFallback(prefNotifications, true) {
		t.Error("preference keys not written")
	}
}

// Parallelism is automatic unless the user picks a bound; the speed limit,
// its schedule and keeping awake are saved and handed on; a speed without
// a unit is refused in the dialog.
func TestSettingsAutomaticSpeedLimitKeepAwake(t *testing.T) {
	a := test.NewTempApp(t)
	var got []Settings
	w := testWindow(t, Deps{App: a, OnSettings: func(s Settings) { got = append(got, s) }, Defaults: DefaultSettings()})
	w.showSettings()
	form := findSettingsForm(t, w)
	if form.files.Selected != automatic || form.parts.Selected != automatic || !form.awake.Checked {
		t.Fatalf("defaults shown: files %q, parts %q, keep awake %v", form.files.Selected, form.parts.Selected, form.awake.Checked)
	}
	form.rate.SetText("20")
	if form.rate.Validate() == nil {
		t.Fatal("a speed without a unit passed")
	}
	form.rate.SetText("20Mbit")
	form.sched.SetText("Mon-Fri 09:00-17:00")
	form.awake.SetChecked(false)
	form.files.SetSelected("4")
	w.applySettings(form.value())
	want := Settings{ParallelFiles: 4, Notifications: true, MaxRate: "20Mbit", RateSchedule: "Mon-Fri 09:00-17:00"}
	if len(got) != 1 || got[0] != want {
		t.Fatalf("OnSettings got %+v, want %+v", got, want)
	}
	if r, s := got[0].SpeedLimit(); r != 2_500_000 || s.String() != "Mon-Fri 09:00-17:00" {
		t.Fatalf("speed limit %v %v", r, s)
	}
	if s := LoadSettings(a.Preferences(), Settings{ParallelFiles: 9, ParallelParts: 9, KeepAwake: true}); s.ParallelParts != 0 || s.ParallelFiles != 4 || s.KeepAwake {
		t.Errorf("saved settings read back as %+v: automatic must stay automatic over the configuration's bound", s)
	}
}

// findSettingsForm returns the form of the open Settings dialog.
func findSettingsForm(t *testing.T, w *MainWindow) *settingsForm {
	t.Helper()
	if w.settingsForm == nil {
		t.Fatal("no Settings dialog")
	}
	return w.settingsForm
}

func TestLoadSettingsClampsSavedValuesOnly(t *testing.T) {
	a := test.NewTempApp(t)
	p := a.Preferences()
	if s := LoadSettings(p, Settings{ParallelFiles: 32}); s.ParallelFiles != 32 || s.ParallelParts != 0 {
		t.Errorf("defaults not kept: %+v", s)
	}
	p.SetInt(prefParallelFiles, 99)
	if s := LoadSettings(p, Settings{}); s.ParallelFiles != MaxParallel {
		t.Errorf("saved 99 read as %d", s.ParallelFiles)
	}
}

func TestNotifications(t *testing.T) {
	a := test.NewTempApp(t)
	fake := newFakeUploads()
	w := testWindow(t, Deps{App: a, Uploads: fake, Defaults: Settings{Notifications: true}})
	fake.setSnapshot(snapshotOf(job(1, uploader.StateRunning, 1000, 10), job(2, uploader.StateQueued, 1000, 0)))
	w.poll()
	fake.setSnapshot(snapshotOf(job(1, uploader.StateDone, 1000, 1000), job(2, uploader.StateDone, 1000, 1000)))
	test.AssertNotificationSent(t, &fyne.Notification{Title: "Uploads finished", Content: "2 files sent (2.0 KB)."}, w.poll)

	fake.setSnapshot(snapshotOf(job(3, uploader.StateRunning, 1000, 10), job(4, uploader.StateRunning, 1000, 0)))
	w.poll()
	fake.setSnapshot(snapshotOf(job(3, uploader.StateFailed, 1000, 10), job(4, uploader.StateRunning, 1000, 0)))
	test.AssertNotificationSent(t, &fyne.Notification{Title: "1 upload failed",
		Content: "Open Hoist to see why, and press Retry when you're ready."}, w.poll)

	w.settings.Notifications = false
	fake.setSnapshot(snapshotOf(job(3, uploader.StateFailed, 1000, 10), job(4, uploader.StateDone, 1000, 1000)))
	test.AssertNotificationSent(t, nil, w.poll)
}

func TestHistoryRetryAndSummary(t *testing.T) {
	a := test.NewTempApp(t)
	fake := newFakeUploads()
	fake.history = []uploader.JobRecord{
		{ID: 7, Rel: "a.bin", Key: "uploads/a.bin", Source: "/x/a.bin", Size: 2000, State: uploader.StateFailed,
			Reason: "The storage refused access.", Detail: "AccessDenied"},
		{ID: 8, Rel: "b.bin", Key: "uploads/b.bin", Source: "/x/b.bin", Size: 3000, State: uploader.StateDone},
	}
	w := testWindow(t, Deps{App: a, Uploads: fake})
	w.uploads.tabs.Select(w.uploads.histTab)
	h := w.uploads.history
	if len(h.rows) != 2 {
		t.Fatalf("history shows %d rows", len(h.rows))
	}
	h.onlyFailed.SetChecked(true)
	if len(h.rows) != 1 || h.rows[0].rec.ID != 7 {
		t.Fatalf("only failed shows %+v", h.rows)
	}
	var item *histItem
	for _, o := range find(h.list, func(o fyne.CanvasObject) bool { _, ok := o.(*histItem); return ok }) {
		item = o.(*histItem)
	}
	if item == nil {
		t.Fatal("no history row drawn")
	}
	test.Tap(item.check)
	test.Tap(h.retrySel)
	if !slices.Equal(fake.idsOf("Retry"), []uint64{7}) {
		t.Errorf("Retry got %v", fake.idsOf("Retry"))
	}
	if w.uploads.tabs.Selected() != w.uploads.queueTab {
		t.Error("retry did not show the queue")
	}
	test.Tap(h.retryAll)
	if !fake.called("RetryFailed") {
		t.Error("Retry all failed not called")
	}
	test.Tap(h.copySum)
	sum := a.Clipboard().Content()
	for _, want := range []string{"Hoist 9.9.9 upload summary for Acme Research", "1 failed upload:", "FAILED  a.bin",
		"Upload ID 7", "Reason: The storage refused access.", "Detail: AccessDenied"} {
		if !strings.Contains(sum, want) {
			t.Errorf("summary lacks %q:\n%s", want, sum)
		}
	}
}

func TestNoSignInNeededGoesStraightToUploads(t *testing.T) {
	w := testWindow(t, Deps{})
	if w.win.Content() != w.uploads.root {
		t.Fatal("not on the uploads screen")
	}
	if w.uploads.signOut.Visible() {
		t.Error("Sign out shown without sign-in")
	}
	if w.win.Title() != "Hoist" { // stable: the X11 window class follows it
		t.Errorf("title %q", w.win.Title())
	}
}

func TestLinksTurnedIntoPathsAreRecognised(t *testing.T) {
	for _, c := range []struct{ path, link string }{
		{"/work/main/https:/example.com/shared/plan.xlsx", "https://example.com/shared/plan.xlsx"},
		{"/home/ada/ftp:/host/file", "ftp://host/file"},
		{"/home/ada/C:/notes.txt", ""}, // one letter: not a scheme
		{"/home/ada/report: final.pdf", ""},
		{"/home/ada/photos", ""},
	} {
		link, ok := linkFromPath(c.path)
		if ok != (c.link != "") || link != c.link {
			t.Errorf("linkFromPath(%q) = %q, %v; want %q", c.path, link, ok, c.link)
		}
	}
	paths, problems := splitURIs([]fyne.URI{storage.NewFileURI("https://example.com/a.pdf")})
	if len(paths) != 0 || len(problems) != 1 || !strings.Contains(problems[0].Reason, "web link") {
		t.Errorf("dropped link as path: paths %q, problems %+v", paths, problems)
	}
}

// While the composition root keeps the computer awake, the footer says so;
// once it stops, the hint goes.
func TestKeepingAwakeHint(t *testing.T) {
	var awake atomic.Bool
	w := testWindow(t, Deps{KeepingAwake: awake.Load})
	awake.Store(true)
	w.poll()
	if l := w.uploads.footer.awake; !l.Visible() || l.Text != "Keeping this computer awake while sending" {
		t.Fatalf("hint visible %v, text %q", l.Visible(), l.Text)
	}
	awake.Store(false)
	w.poll()
	if w.uploads.footer.awake.Visible() {
		t.Fatal("hint still shown with nothing uploading")
	}
}
