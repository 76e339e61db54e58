//go:build linux

package app

// Window states for things that go wrong, on a real X server with the real
// binary: a damaged journal at start (and the way out), a sign-in whose
// technical cause is behind Details, and uploads that STS refuses.
// Screenshots go to the artifacts folder (see window_e2e_test.go).

import (
	"encoding/json"
	"fmt"
	"image"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"hoist/devstack"
	"hoist/internal/faultproxy"
)

// primaryBlock finds a solid block of the primary colour (a button of high
// importance) at least minW wide and 20 px high, narrower than most of the
// window; the lowest one when there are several.
func (s *xShot) primaryBlock(minW int) (image.Rectangle, bool) {
	win := s.win
	var found image.Rectangle
	var top, x0, x1, rows int
	ok := false
	for y := win.Min.Y; y <= win.Max.Y; y++ {
		var a, b int
		if y < win.Max.Y {
			a, b = s.run(win, y, 24, s.isPrimary)
		}
		wide := b-a >= minW && b-a < win.Dx()*8/10
		if wide && rows > 0 && absInt(a-x0) <= 6 && absInt(b-x1) <= 6 {
			rows++
			continue
		}
		if rows >= 20 {
			found, ok = image.Rect(x0, top, x1, top+rows), true
		}
		rows = 0
		if wide {
			top, x0, x1, rows = y, a, b, 1
		}
	}
	return found, ok
}

func TestWindowDamagedJournalStartFresh(t *testing.T) {
	tools := lookupXTools(t)
	x := startXvfb(t, tools)
	arts := newWindowArtifacts(t)
	dataDir := filepath.Join(t.TempDir(), "data")
	if err := os.MkdirAll(dataDir, 0o700); err != nil {
		t.Fatal(err)
	}
	damaged := []byte(strings.Repeat("not a journal ", 4000))
	path := filepath.Join(dataDir, "journal.db")
	if err := os.WriteFile(path, damaged, 0o600); err != nil {
		t.Fatal(err)
	}
	binPath, _ := fakeXDGOpen(t)
	startHoistWindow(t, x, hoistBinary(t), staticConfig(t), dataDir, binPath)
	x.hoist = x.waitWindow("^Hoist")

	var button image.Rectangle
	shot := x.waitFor("the start-up error with its way out", func(s *xShot) bool {
		var ok bool
		button, ok = s.primaryBlock(200)
		return ok
	})
	arts.save(t, "damaged-journal.png", shot.window())
	errWin := x.hoist
	x.click(button.Min.Add(button.Size().Div(2)))

	// The main window opens, then the error window closes.
	if !pollUntil(90*time.Second, func() bool {
		out, _ := x.run(x.tools.xdotool, "search", "--onlyvisible", "--name", "^Hoist")
		ids := strings.Fields(out)
		return len(ids) == 1 && ids[0] != errWin
	}) {
		t.Fatal("the main window never replaced the error window")
	}
	x.hoist = x.waitWindow("^Hoist")
	shot = x.waitFor("the uploads screen after starting fresh", func(s *xShot) bool {
		_, ok := s.dropZoneTop()
		return ok
	})
	arts.save(t, "damaged-journal-fresh.png", shot.window())
	kept, _ := filepath.Glob(path + ".damaged-*")
	if len(kept) != 1 {
		t.Fatalf("the damaged journal was not kept aside: %v", kept)
	}
	if got, _ := os.ReadFile(kept[0]); string(got) != string(damaged) {
		t.Fatal("the kept journal differs from the damaged one")
	}
	if _, err := os.Stat(path); err != nil {
		t.Fatalf("no new journal: %v", err)
	}
}

func TestWindowSignInFailureDetails(t *testing.T) {
	tools := lookupXTools(t)
	x := startXvfb(t, tools)
	arts := newWindowArtifacts(t)
	oidc := devstack.StartOIDCForTest(t, devstack.OIDCOptions{})
	// A typo an administrator makes: the issuer with a trailing "/".
	cfg := signInConfig(t, oidc.Issuer+"/", oidc.ClientID, "")
	dataDir := filepath.Join(t.TempDir(), "data")
	binPath, urls := fakeXDGOpen(t)
	startHoistWindow(t, x, hoistBinary(t), cfg, dataDir, binPath)
	x.hoist = x.waitWindow("^Hoist")

	var button image.Point
	x.waitFor("the Sign in button", func(s *xShot) bool {
		var ok bool
		button, ok = s.signInButton()
		return ok
	})
	var retry image.Rectangle
	for attempt := 1; ; attempt++ {
		x.click(button)
		if pollUntil(15*time.Second, func() bool {
			var ok bool
			retry, ok = x.screenshot().primaryBlock(60)
			return ok && retry.Dy() < 60 // Try again, not the big Sign in button
		}) {
			break
		}
		if attempt == 3 {
			t.Fatal("the sign-in never failed")
		}
	}
	x.movePointerAway()
	shot := x.screenshot()
	arts.save(t, "signin-failed.png", shot.window())
	if n := len(openedURLs(urls)); n != 0 {
		t.Errorf("the browser was opened %d times for a sign-in that cannot start", n)
	}
	log, _ := os.ReadFile(filepath.Join(dataDir, "hoist.log"))
	if !strings.Contains(string(log), "did not match the issuer") {
		t.Errorf("hoist.log lacks the cause:\n%s", log)
	}
	// Try again, Cancel, Details: Details is the third button of the row.
	details := detailsRight(shot, retry)
	x.click(details)
	x.movePointerAway()
	shot = x.waitFor("the Details dialog", func(s *xShot) bool {
		_, still := s.primaryBlock(60)
		b, ok := s.primaryBlock(40)
		return ok && (!still || b != retry) // the dialog's Close button
	})
	arts.save(t, "signin-failed-details.png", shot.window())
}

// detailsRight is the middle of the second button right of retry: the
// buttons of the row are separated by gaps of the background colour.
func detailsRight(s *xShot, retry image.Rectangle) image.Point {
	y := retry.Min.Y + retry.Dy()/2
	bg := s.img.RGBAAt(retry.Max.X+3, retry.Min.Y-6)
	isButton := func(x int) bool { return !nearColour(s.img.RGBAAt(x, retry.Min.Y+2), bg, 4) }
	x, buttons := retry.Max.X, 0
	for x < s.win.Max.X && buttons < 2 {
		for x < s.win.Max.X && !isButton(x) {
			x++
		}
		start := x
		for x < s.win.Max.X && isButton(x) {
			x++
		}
		if x-start < 20 {
			continue // an anti-aliased edge, not a button
		}
		buttons++
		if buttons == 2 {
			return image.Pt((start+x)/2, y)
		}
	}
	return image.Pt(retry.Max.X+200, y)
}

// An upload Alice stopped resumes in the window after the organisation
// changed the role to one the store does not know: the row fails with the
// plain sentence, and no browser opens (the silent sign-in worked).
func TestWindowUploadsRefusedBySTS(t *testing.T) {
	tools := lookupXTools(t)
	x := startXvfb(t, tools)
	arts := newWindowArtifacts(t)
	w := newSignInWorld(t, devstack.OIDCOptions{})
	link, err := faultproxy.New(w.stack.MinIO.Addr())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { link.Close() })
	w.setConfig("endpoint = \""+w.stack.MinIO.Endpoint+"\"", "endpoint = \""+link.URL()+"\"")
	path, urls := fakeXDGOpen(t)
	p := &people{t: t, w: w, path: path, urls: urls}
	p.login(devstack.DemoUser, devstack.DemoPassword)
	src := writeFile(t, 30<<20)
	link.SetRate(2 << 20)
	r := startCLI(t, w, path, "send", src)
	key := "uploads/" + devstack.SubjectFor(devstack.DemoUser) + "/" + filepath.Base(src)
	if !pollUntil(time.Minute, func() bool { return uploadStarted(w.stack.MinIO.S3Client(), key) }) {
		t.Fatalf("the upload never started: %s", &r.err)
	}
	r.cmd.Process.Signal(os.Interrupt)
	if code := r.wait(time.Minute); code != 130 {
		t.Fatalf("interrupted send: %d", code)
	}
	link.SetRate(0)
	// The organisation renames its role; Hoist is not told.
	w.setConfig(fmt.Sprintf("role_arn = %q", w.stack.RoleARN), `role_arn = "arn:minio:iam:::role/renamed"`)
	opened := len(openedURLs(urls))

	cfg, err := os.ReadFile(w.config)
	if err != nil {
		t.Fatal(err)
	}
	cfg = append(cfg, "\n[organisation]\nname = \"Acme Research\"\n"...)
	if err := os.WriteFile(w.config, cfg, 0o600); err != nil {
		t.Fatal(err)
	}
	startHoistWindow(t, x, hoistBinary(t), w.config, w.dataDir, path)
	x.hoist = x.waitWindow("^Hoist")
	x.movePointerAway()
	const plain = "Your organisation's storage does not accept this sign-in"
	if !pollUntil(2*time.Minute, func() bool {
		log, _ := os.ReadFile(filepath.Join(w.dataDir, "hoist.log"))
		return strings.Contains(string(log), "AssumeRoleWithWebIdentity refused")
	}) {
		t.Fatal("the upload never failed")
	}
	time.Sleep(time.Second) // a tick or two of the window
	shot := x.screenshot()
	arts.save(t, "sts-refused.png", shot.window())
	// The row's Details button, right of the first row under the drop zone.
	if top, ok := shot.dropZoneTop(); ok {
		empty := image.Pt(shot.win.Min.X+shot.win.Dx()/2, shot.win.Min.Y+shot.win.Dy()*3/4)
		white := shot.img.RGBAAt(empty.X, empty.Y)
		for attempt := 0; attempt < 3; attempt++ { // a click that comes too early is lost
			x.click(image.Pt(shot.win.Max.X-60, top+119))
			x.movePointerAway()
			if pollUntil(5*time.Second, func() bool { // the dialog dims the window
				return !nearColour(x.screenshot().img.RGBAAt(empty.X, empty.Y), white, 8)
			}) {
				break
			}
		}
		arts.save(t, "sts-refused-details.png", x.screenshot().window())
	}
	if n := len(openedURLs(urls)); n != opened {
		t.Errorf("the window opened the browser %d times", n-opened)
	}
	hist := startCLI(t, w, path, "history", "--failed", "--json")
	if code := hist.wait(time.Minute); code != 0 {
		// The window holds the journal: read the failure from the log instead.
		log, _ := os.ReadFile(filepath.Join(w.dataDir, "hoist.log"))
		if !strings.Contains(string(log), plain) {
			t.Fatalf("the reason is neither in history nor in the log:\n%s", log)
		}
		return
	}
	var entries []historyJSON
	if err := json.Unmarshal(hist.out.Bytes(), &entries); err != nil || len(entries) != 1 || !strings.HasPrefix(entries[0].Reason, plain) {
		t.Fatalf("history: %v %s", err, &hist.out)
	}
}
