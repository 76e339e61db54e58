package ui

import (
	"errors"
	"slices"
	"strings"
	"testing"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/widget"

	"hoist/uploader"
)

func TestSignInFailureOffersDetails(t *testing.T) {
	acct := &fakeAccount{err: detailedError{"Sign-in didn't work.", `oidc: expected audience "hoist" got ["other"]`}}
	a := test.NewTempApp(t)
	w := testWindow(t, Deps{App: a, NeedsSignIn: true, Account: acct})
	test.Tap(w.signIn.button)
	f := w.signIn.flow
	if !f.details.Visible() {
		t.Fatal("no Details button for an error with details")
	}
	test.Tap(f.details)
	test.Tap(button(t, w, "Copy for support"))
	if got := a.Clipboard().Content(); !strings.Contains(got, "expected audience") || !strings.Contains(got, "Sign-in didn't work.") {
		t.Errorf("clipboard %q", got)
	}
	test.Tap(button(t, w, "Close"))
	// A failure without details shows no Details button.
	acct.err = errFakeSignIn
	test.Tap(button(t, w, "Try again"))
	if f.details.Visible() {
		t.Error("Details shown for an error without details")
	}
}

// Uploads paused by one person's sign-out are not resumed when someone
// else signs in (the app then shows that person's own uploads); they
// continue when their owner signs in again.
func TestSignOutThenSomeoneElseLeavesUploadsPaused(t *testing.T) {
	fake := newFakeUploads()
	fake.setSnapshot(snapshotOf(job(1, uploader.StateRunning, 100, 10)))
	acct := &fakeAccount{restored: true, id: Identity{Email: "ada@example.org", ID: "ada"}}
	var adas uploader.Snapshot
	acct.onSignIn = func(id Identity) { // as app's Account does: the uploads become the new person's
		if id.ID == "bob" {
			adas = fake.Snapshot()
			fake.setSnapshot(uploader.Snapshot{})
		} else {
			fake.setSnapshot(adas)
		}
	}
	w := testWindow(t, Deps{Uploads: fake, NeedsSignIn: true, Account: acct})
	test.Tap(w.uploads.signOut)
	test.Tap(button(t, w, "Sign out"))
	if !slices.Equal(fake.idsOf("PauseForSignIn"), []uint64{1}) {
		t.Fatalf("paused for the sign-in: %v", fake.idsOf("PauseForSignIn"))
	}
	acct.id = Identity{Email: "bob@example.org", ID: "bob"}
	test.Tap(w.signIn.button)
	if got := fake.idsOf("Resume"); len(got) != 0 {
		t.Fatalf("resumed %v for someone else", got)
	}
	// Ada signs in again later: hers continue, as promised.
	test.Tap(w.uploads.signOut)
	acct.id = Identity{Email: "ada@example.org", ID: "ada"}
	test.Tap(w.signIn.button)
	if got := fake.idsOf("Resume"); !slices.Equal(got, []uint64{1}) {
		t.Fatalf("resumed %v when Ada signed in again, want [1]", got)
	}
}

func TestStartupErrorFix(t *testing.T) {
	a := test.NewTempApp(t)
	ran, then := 0, 0
	fix := &StartupFix{
		Button: "Move the damaged journal aside and start fresh", Explain: "The list of unfinished uploads is lost.",
		Run:  func() error { ran++; return nil },
		Then: func() { then++ },
	}
	now := func(f func()) { f() }
	win := newStartupErrorWindow(a, "1.0", errors.New("the journal is damaged"), fix, now)
	win.Show()
	text := strings.Join(labels(win.Content()), " ")
	if !strings.Contains(text, "the journal is damaged") || !strings.Contains(text, "unfinished uploads is lost") {
		t.Fatalf("window says %q", text)
	}
	b := findButton(win.Content(), fix.Button)
	if b == nil {
		t.Fatal("no fix button")
	}
	test.Tap(b)
	if !pollTrue(func() bool { return then == 1 }) || ran != 1 {
		t.Fatalf("ran %d, then %d", ran, then)
	}

	// A fix that fails says so and can be tried again.
	failing := &StartupFix{Button: "Fix", Run: func() error { return errors.New("disk full") }}
	win = newStartupErrorWindow(a, "1.0", errors.New("damaged"), failing, now)
	win.Show()
	test.Tap(findButton(win.Content(), "Fix"))
	if !pollTrue(func() bool {
		return slices.ContainsFunc(labels(win.Content()), func(s string) bool { return strings.Contains(s, "disk full") })
	}) {
		t.Fatal("the fix's failure is not shown")
	}
}

// findButton is the visible button labelled text under o, or nil.
func findButton(o fyne.CanvasObject, text string) *widget.Button {
	for _, b := range find(o, func(o fyne.CanvasObject) bool { b, ok := asButton(o); return ok && b.Text == text }) {
		bb, _ := asButton(b)
		return bb
	}
	return nil
}

// pollTrue waits up to two seconds for ok.
func pollTrue(ok func() bool) bool {
	for range 200 {
		if ok() {
			return true
		}
		time.Sleep(10 * time.Millisecond)
	}
	return false
}
