package app

// The window's uploads belong to whoever is signed in: the account and
// uploads the window is given (SignInAccount over personUploads), with the
// real provider, MinIO and Chromium playing the browser.

import (
	"context"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"hoist/devstack"
	"hoist/uploader"
)

// recordingOpener hands sign-in pages to Chromium as user and records the
// other pages (end-session) it is asked to open.
type recordingOpener struct {
	w    *signInWorld
	mu   sync.Mutex
	user string
	pass string
	seen []string
}

func (o *recordingOpener) as(user, pass string) {
	o.mu.Lock()
	defer o.mu.Unlock()
	o.user, o.pass = user, pass
}

func (o *recordingOpener) Open(u string) error {
	o.mu.Lock()
	o.seen = append(o.seen, u)
	user, pass := o.user, o.pass
	o.mu.Unlock()
	if strings.Contains(u, "/session/end") {
		go o.w.browser.EndSession(u)
		return nil
	}
	go o.w.browser.SignIn(u, user, pass)
	return nil
}

func (o *recordingOpener) pages() []string {
	o.mu.Lock()
	defer o.mu.Unlock()
	return append([]string(nil), o.seen...)
}

func TestWindowUploadsFollowWhoIsSignedIn(t *testing.T) {
	w := newSignInWorld(t, devstack.OIDCOptions{})
	opener := &recordingOpener{w: w}
	b, err := openBase(w.config, w.dataDir, opener)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(b.closeLog)
	ctx := context.Background()
	uploads := newPersonUploads(ctx, b, engineHooks{})
	t.Cleanup(func() { uploads.close() })
	acct := SignInAccount{Client: b.signin, Uploads: uploads, Browser: b.browser, DataDir: b.dataDir, Logger: b.log}

	if _, err := uploads.Add(ctx, writeFile(t, 10)); err == nil {
		t.Fatal("files were taken before anybody signed in")
	}
	signIn := func(user, pass string) {
		t.Helper()
		opener.as(user, pass)
		sctx, cancel := context.WithTimeout(ctx, 2*time.Minute)
		defer cancel()
		if _, err := acct.SignIn(sctx, nil); err != nil {
			t.Fatalf("sign in as %s: %v", user, err)
		}
	}
	wait := func() {
		t.Helper()
		wctx, cancel := context.WithTimeout(ctx, 2*time.Minute)
		defer cancel()
		if err := uploads.current().engine.Wait(wctx); err != nil {
			t.Fatal(err)
		}
	}
	history := func() []string {
		t.Helper()
		recs, err := uploads.History(false)
		if err != nil {
			t.Fatal(err)
		}
		var out []string
		for _, r := range recs {
			out = append(out, filepath.Base(r.Source))
		}
		return out
	}

	signIn(devstack.DemoUser, devstack.DemoPassword)
	alices := writeFile(t, 6<<20)
	if _, err := uploads.Add(ctx, alices); err != nil {
		t.Fatal(err)
	}
	wait()
	if got := history(); len(got) != 1 || got[0] != filepath.Base(alices) {
		t.Fatalf("Alice's history %v", got)
	}
	if err := acct.SignOut(ctx); err != nil {
		t.Fatal(err)
	}
	if p := opener.pages(); !strings.Contains(p[len(p)-1], "/session/end") {
		t.Fatalf("sign-out opened %v, want the end-session page last", p)
	}
	time.Sleep(2 * time.Second) // Chromium confirms the sign-out

	signIn(devstack.DemoUser2, devstack.DemoPassword2)
	if got := history(); len(got) != 0 {
		t.Fatalf("Bob sees %v", got)
	}
	if n := len(uploads.Snapshot().Jobs); n != 0 {
		t.Fatalf("Bob's window shows %d of someone else's uploads", n)
	}
	bobs := writeFile(t, 2<<10)
	if _, err := uploads.Add(ctx, bobs); err != nil {
		t.Fatal(err)
	}
	wait()
	if snap := uploads.Snapshot(); len(snap.Jobs) != 1 || snap.Jobs[0].State != uploader.StateDone ||
		!strings.HasPrefix(snap.Jobs[0].Key, "uploads/"+devstack.SubjectFor(devstack.DemoUser2)+"/") {
		t.Fatalf("Bob's upload: %+v", snap.Jobs)
	}
	if err := acct.SignOut(ctx); err != nil {
		t.Fatal(err)
	}
	time.Sleep(2 * time.Second)

	signIn(devstack.DemoUser, devstack.DemoPassword)
	if got := history(); len(got) != 1 || got[0] != filepath.Base(alices) {
		t.Fatalf("Alice, back, sees %v", got)
	}
}
