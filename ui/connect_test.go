package ui

import (
	"context"
	"errors"
	"slices"
	"strings"
	"testing"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/widget"

	"hoist/uploader"
)

// fakeConnector answers Look from a table and records Connect.
type fakeConnector struct {
	orgs      map[string]Organisation
	looked    []string
	connected []Organisation
	saveErr   error
}

type detailedError struct{ msg, details string }

func (e detailedError) Error() string   { return e.msg }
func (e detailedError) Details() string { return e.details }

func (c *fakeConnector) Look(_ context.Context, input string) (Organisation, error) {
	c.looked = append(c.looked, input)
	if o, ok := c.orgs[input]; ok {
		return o, nil
	}
	return Organisation{}, detailedError{msg: input + " has no Hoist set-up. Check the address, or ask Acme for an invitation link.", details: "GET …: 404 Not Found"}
}

func (c *fakeConnector) Connect(_ context.Context, o Organisation) error {
	if c.saveErr != nil {
		return c.saveErr
	}
	c.connected = append(c.connected, o)
	return nil
}

func newTestConnect(t *testing.T, c *fakeConnector, onCancel func()) (*ConnectScreen, fyne.Window, *[]Organisation) {
	t.Helper()
	a := test.NewTempApp(t)
	win := a.NewWindow("Hoist")
	var done []Organisation
	s := NewConnectScreen(ConnectDeps{App: a, Window: win, Connector: c, OnCancel: onCancel,
		OnConnected: func(o Organisation) { done = append(done, o) }, run: func(f func()) { f() }})
	win.SetContent(s.Content())
	win.Resize(fyne.NewSize(1000, 700))
	t.Cleanup(win.Close)
	return s, win, &done
}

func buttonIn(t *testing.T, o fyne.CanvasObject, text string) *widget.Button {
	t.Helper()
	for _, b := range find(o, func(o fyne.CanvasObject) bool { b, ok := asButton(o); return ok && b.Text == text }) {
		bb, _ := asButton(b)
		return bb
	}
	t.Fatalf("no visible button %q in %q", text, labels(o))
	return nil
}

func TestConnectScreenAsksThenConfirmsBeforeSaving(t *testing.T) {
	acme := Organisation{Name: "Acme Research", Domain: "acme.example"}
	c := &fakeConnector{orgs: map[string]Organisation{"jane@acme.example": acme}}
	s, win, done := newTestConnect(t, c, nil)
	if got := strings.Join(labels(win.Content()), "|"); !strings.Contains(got, "Connect to your organisation") || !strings.Contains(got, "work e-mail address") {
		t.Fatalf("first screen says %q", got)
	}
	if find(win.Content(), func(o fyne.CanvasObject) bool { b, ok := asButton(o); return ok && b.Text == "Cancel" }) != nil {
		t.Error("the first run offers Cancel")
	}
	test.Type(s.entry, "jane@acme.example")
	test.Tap(buttonIn(t, win.Content(), "Continue"))
	o, confirming := s.Confirming()
	if !confirming || o != acme {
		t.Fatalf("not confirming %v (%v)", o, confirming)
	}
	text := strings.Join(labels(win.Content()), "|")
	for _, want := range []string{"Send files to", "Acme Research", "(acme.example)?", "Only connect if you know this organisation"} {
		if !strings.Contains(text, want) {
			t.Errorf("confirmation %q lacks %q", text, want)
		}
	}
	if len(c.connected) != 0 {
		t.Fatal("saved before the customer confirmed")
	}
	// Back keeps nothing.
	test.Tap(buttonIn(t, win.Content(), "Back"))
	if _, confirming := s.Confirming(); confirming || len(c.connected) != 0 {
		t.Fatal("Back did not return to the address")
	}
	test.Tap(buttonIn(t, win.Content(), "Continue"))
	test.Tap(buttonIn(t, win.Content(), "Connect"))
	if !slices.Equal(c.connected, []Organisation{acme}) || len(*done) != 1 {
		t.Errorf("connected %v, done %v", c.connected, *done)
	}
}

func TestConnectScreenShowsProblemsPlainly(t *testing.T) {
	c := &fakeConnector{}
	s, win, done := newTestConnect(t, c, nil)
	s.entry.SetText("acme.exmaple")
	s.entry.OnSubmitted(s.entry.Text) // Enter
	text := strings.Join(labels(win.Content()), "|")
	if !strings.Contains(text, "acme.exmaple has no Hoist set-up. Check the address, or ask Acme for an invitation link.") {
		t.Errorf("problem not shown: %q", text)
	}
	test.Tap(buttonIn(t, win.Content(), "Details"))
	if top := win.Canvas().Overlays().Top(); top == nil || !strings.Contains(strings.Join(labels(top), "|"), "404 Not Found") {
		t.Error("Details does not show the technical cause")
	}
	if len(c.connected) != 0 || len(*done) != 0 {
		t.Error("something was saved")
	}
	// A failed save is a problem too, not a silent success.
	c.orgs = map[string]Organisation{"acme.example": {Name: "Acme", Domain: "acme.example"}}
	c.saveErr = errors.New("Hoist couldn't save your organisation's settings on this computer.")
	s.Look("acme.example")
	test.Tap(buttonIn(t, win.Content(), "Connect"))
	if len(*done) != 0 || !strings.Contains(strings.Join(labels(win.Content()), "|"), "couldn't save") {
		t.Error("a failed save was not shown")
	}
}

// A second launch's invitation link goes straight to the confirmation.
func TestConnectScreenLookFromInvitation(t *testing.T) {
	acme := Organisation{Name: "Acme Research", Domain: "acme.example"}
	link := "https://acme.example/.well-known/hoist.json"
	c := &fakeConnector{orgs: map[string]Organisation{link: acme}}
	s, _, _ := newTestConnect(t, c, nil)
	s.Look(link)
	if o, ok := s.Confirming(); !ok || o != acme || s.entry.Text != link {
		t.Errorf("confirming %v %v, entry %q", o, ok, s.entry.Text)
	}
}

func TestMainWindowConnectToAnotherOrganisation(t *testing.T) {
	other := Organisation{Name: "Other Ltd", Domain: "other.example"}
	c := &fakeConnector{orgs: map[string]Organisation{"other.example": other}}
	var changed []Organisation
	fake := newFakeUploads()
	w := testWindow(t, Deps{Uploads: fake, Connector: c, Domain: "acme.example",
		OnOrganisationChanged: func(o Organisation) { changed = append(changed, o) }})
	w.showAbout()
	top := w.win.Canvas().Overlays().Top()
	if got := strings.Join(labels(top), "|"); !strings.Contains(got, "Acme Research (acme.example)") {
		t.Errorf("About shows %q", got)
	}
	test.Tap(buttonIn(t, top, "Connect to a different organisation…"))
	cs := w.Connecting()
	if cs == nil {
		t.Fatal("no connect screen")
	}
	// Cancel goes back to the window as it was.
	test.Tap(buttonIn(t, w.win.Content(), "Cancel"))
	if w.Connecting() != nil {
		t.Fatal("Cancel kept the connect screen")
	}
	if _, ok := w.ConnectTo("other.example"); !ok {
		t.Fatal("ConnectTo refused")
	}
	if got := strings.Join(labels(w.win.Content()), "|"); !strings.Contains(got, "This replaces Acme Research") {
		t.Errorf("the confirmation does not say what it replaces: %q", got)
	}
	test.Tap(buttonIn(t, w.win.Content(), "Connect"))
	if !slices.Equal(changed, []Organisation{other}) {
		t.Errorf("changed %v", changed)
	}

	// Unfinished uploads to this organisation: not now.
	fake.setSnapshot(snapshotOf(job(1, uploader.StatePaused, 100, 10)))
	w2 := testWindow(t, Deps{Uploads: fake, Connector: c})
	if msg, ok := w2.ConnectTo("other.example"); ok || !strings.Contains(msg, "1 upload to Acme Research is not finished") {
		t.Errorf("with an unfinished upload: %q %v", msg, ok)
	}
}

// Policy > the customer's choice > the configuration's defaults, and what
// is locked cannot be changed in the window.
func TestLockedSettingsAreShownAndKept(t *testing.T) {
	a := test.NewTempApp(t)
	Settings{ParallelFiles: 7, ParallelParts: 5, Notifications: true}.Save(a.Preferences()) // the customer's choice
	off := false
	w := testWindow(t, Deps{App: a, Defaults: Settings{ParallelFiles: 3, ParallelParts: 3},
		Policy: Policy{ParallelFiles: 2, Notifications: &off, Organisation: true}, Connector: &fakeConnector{}})
	if w.settings != (Settings{ParallelFiles: 2, ParallelParts: 5, Notifications: false}) {
		t.Fatalf("effective settings %+v", w.settings)
	}
	w.showSettings()
	f := w.settingsForm
	if !f.files.Disabled() || f.parts.Disabled() || !f.notify.Disabled() {
		t.Errorf("disabled: files %v parts %v notify %v", f.files.Disabled(), f.parts.Disabled(), f.notify.Disabled())
	}
	top := w.win.Canvas().Overlays().Top()
	text := strings.Join(labels(top), "|")
	if !strings.Contains(text, "Set by your organisation") { // the organisation
		t.Errorf("Settings says %q", text)
	}
	var hints []string
	for _, it := range f.items() {
		hints = append(hints, it.HintText)
	}
	if hints[0] != lockedHint || hints[1] == lockedHint || hints[2] != lockedHint {
		t.Errorf("hints %q", hints)
	}
	if find(top, func(o fyne.CanvasObject) bool {
		b, ok := asButton(o)
		return ok && strings.HasPrefix(b.Text, "Connect to")
	}) != nil {
		t.Error("a fixed organisation offers to connect to another")
	}
	f.parts.SetSelected("6")
	w.applySettings(f.value())
	if w.settings != (Settings{ParallelFiles: 2, ParallelParts: 6, Notifications: false}) {
		t.Errorf("after saving %+v", w.settings)
	}
	// The customer's own choice is kept for when the policy goes.
	if own := LoadSettings(a.Preferences(), Settings{}); own.ParallelFiles != 7 || !own.Notifications || own.ParallelParts != 6 {
		t.Errorf("saved %+v", own)
	}
	if msg, ok := w.ConnectTo("x"); ok || !strings.Contains(msg, "by your organisation") {
		t.Errorf("ConnectTo with a fixed organisation: %q %v", msg, ok)
	}
	// Without a policy the customer's choice wins over the defaults.
	w2 := testWindow(t, Deps{App: a, Defaults: Settings{ParallelFiles: 3, ParallelParts: 3}})
	if w2.settings.ParallelFiles != 7 {
		t.Errorf("without a policy %+v", w2.settings)
	}
}

func TestOpenWaitsForTheSignIn(t *testing.T) {
	fake := newFakeUploads()
	acc := &fakeAccount{}
	w := testWindow(t, Deps{Uploads: fake, Account: acc, NeedsSignIn: true})
	if msg := w.Open([]string{"/tmp/a.bin"}); !strings.Contains(msg, "once you have signed in") {
		t.Errorf("before the sign-in: %q", msg)
	}
	if fake.called("Add") {
		t.Fatal("added before the sign-in")
	}
	w.signedInAs(Identity{Name: "Ada"})
	if !fake.called("Add") {
		t.Error("not added after the sign-in")
	}
}

// The About box names the version and the commit the build stamped in.
func TestAboutShowsVersionAndCommit(t *testing.T) {
	w := testWindow(t, Deps{Uploads: newFakeUploads(), Version: "1.2.3", Commit: "0123456789ab"})
	w.showAbout()
	top := w.win.Canvas().Overlays().Top()
	if got := strings.Join(labels(top), "|"); !strings.Contains(got, "Version 1.2.3 (commit 0123456789ab)") {
		t.Errorf("About shows %q", got)
	}
}
