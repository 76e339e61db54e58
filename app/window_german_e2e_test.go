//go:build linux

package app

import (
	"image"
	"os"
	"path/filepath"
	"testing"
	"time"

	"hoist/devstack"
	"hoist/internal/faultproxy"
)

// germanEnv makes Hoist pick German, as a German desktop session does.
var germanEnv = []string{"LANGUAGE=de_DE.UTF-8", "LC_ALL=de_DE.UTF-8", "LC_MESSAGES=de_DE.UTF-8", "LANG=de_DE.UTF-8"}

// The window in German, as a German customer uses it: the real binary
// under Xvfb with a German locale, signed in through the real provider in
// a real browser, a file dragged in, paused and resumed with the keyboard,
// and the history once it arrived. Screenshots of each state at 1024×640
// are saved as artifacts (german-*.png) to be looked at: the words are
// checked by the ui package's German widget tests, the flow here.
func TestWindowInGerman(t *testing.T) {
	tools := lookupXTools(t)
	x := startXvfb(t, tools)
	w := newSignInWorld(t, devstack.OIDCOptions{})
	link, err := faultproxy.New(w.stack.MinIO.Addr())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { link.Close() })
	link.SetRate(slowLinkRate)
	cfg := windowConfig(t, w, link.URL())
	path, urls := fakeXDGOpen(t)
	arts := newWindowArtifacts(t)
	src := filepath.Join(t.TempDir(), "Vermessung-Standort-A.bin")
	if err := os.Rename(writeFile(t, windowFileSize), src); err != nil {
		t.Fatal(err)
	}
	key := "uploads/" + devstack.SubjectFor(devstack.DemoUser) + "/" + filepath.Base(src)

	startHoistWindow(t, x, hoistBinary(t), cfg, w.dataDir, path, germanEnv...)
	x.hoist = x.waitWindow("^Hoist")
	x.resize(1024, 640)

	var button image.Point
	shot := x.waitFor("the Sign in button", func(s *xShot) bool {
		var ok bool
		button, ok = s.signInButton()
		return ok && s.win.Dx() == 1024
	})
	arts.save(t, "german-signed-out-1024x640.png", shot.window())
	for attempt := 1; ; attempt++ {
		x.click(button)
		if pollUntil(20*time.Second, func() bool { data, _ := os.ReadFile(urls); return len(data) > 0 }) {
			break
		}
		if _, still := x.screenshot().signInButton(); !still || attempt == 3 {
			break
		}
	}
	arts.save(t, "german-signing-in-1024x640.png", x.screenshot().window())
	if _, err := w.browser.SignIn(nextURL(t, urls, 1), devstack.DemoUser, devstack.DemoPassword); err != nil {
		t.Fatalf("sign in in the browser: %v", err)
	}
	var dropTop int
	shot = x.waitFor("the uploads screen after the sign-in", func(s *xShot) bool {
		var ok bool
		dropTop, ok = s.dropZoneTop()
		return ok
	})
	win := shot.win

	source := startDragSource(t, x, tools, image.Pt(min(win.Max.X+40, 1280-260), win.Min.Y+60), src)
	from := source.rect.Min.Add(source.rect.Size().Div(2))
	to := image.Pt((win.Min.X+win.Max.X)/2, dropTop+18)
	admin := w.stack.MinIO.S3Client()
	for attempt := 1; !uploadStarted(admin, key); attempt++ {
		if attempt > 3 {
			t.Fatalf("three drags and Hoist never took the file (the drag source says: %s)", source.log())
		}
		x.drag(from, to, nil)
		pollUntil(30*time.Second, func() bool { return uploadStarted(admin, key) })
	}
	source.close()
	x.movePointerAway()
	x.waitFor("some of the file sent", func(s *xShot) bool { return s.footerFill() > 0.05 })
	arts.save(t, "german-uploading-1024x640.png", x.screenshot().window())

	// Tab to the row's Pause (the same reading order in German) and Enter.
	x.focusWindow()
	for range 11 {
		x.xdotool("key", "Tab")
		time.Sleep(80 * time.Millisecond)
	}
	x.xdotool("key", "Return")
	id := uploadID(admin, key)
	if id == "" {
		t.Fatal("no multipart upload in progress to pause")
	}
	if !pollUntil(30*time.Second, func() bool {
		before := partCount(admin, key, id)
		time.Sleep(4 * time.Second)
		return partCount(admin, key, id) == before && !objectExists(admin, key)
	}) {
		t.Fatal("the upload did not pause after Tab to the row's Pause and Enter")
	}
	x.movePointerAway()
	arts.save(t, "german-paused-1024x640.png", x.screenshot().window())

	x.focusWindow()
	x.xdotool("key", "Return") // the focused button now says Fortsetzen
	if !pollUntil(3*time.Minute, func() bool { return objectExists(admin, key) }) {
		t.Fatalf("%s never arrived in MinIO after Resume", key)
	}

	before := x.screenshot()
	tab, ok := before.selectedTab(dropTop)
	if !ok {
		t.Fatal("cannot find the selected tab's underline")
	}
	history := image.Pt(tab.Max.X+tab.Dx()/2, tab.Min.Y-12)
	for attempt := 1; ; attempt++ {
		x.click(history)
		if pollUntil(15*time.Second, func() bool {
			s := x.screenshot()
			now, ok := s.selectedTab(tab.Max.Y + 4)
			return ok && now.Min.X >= tab.Max.X-4
		}) {
			break
		}
		if attempt == 3 {
			t.Fatal("clicking the History tab did not open it")
		}
	}
	x.movePointerAway()
	arts.save(t, "german-history-1024x640.png", x.waitFor("the done upload in the history", func(s *xShot) bool {
		return s.count(s.win, isSuccess) > 20
	}).window())
}
