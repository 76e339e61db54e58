//go:build linux

package app

// The first run as a newcomer meets it: the real binary under Xvfb with a
// fresh HOME and no configuration. The connect screen; the dev stack's
// address typed with xdotool; the confirmation; sign-in through headless
// Chromium; a file handed over by a second launch ("Open with Hoist")
// arriving in MinIO. And the invitation-link path: a second launch with
// hoist://join?org=… hands the link to the running window, which asks to
// confirm. Screenshots of each step go to the artifacts folder.

import (
	"bytes"
	"image"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"hoist/app/config"
	"hoist/app/org"
	"hoist/devstack"
)

// newcomer is a fresh user account on the X display.
type newcomer struct {
	t       *testing.T
	x       *xDisplay
	bin     string
	home    string
	path    string // PATH with the fake xdg-open
	dataDir string
	env     []string
}

func newNewcomer(t *testing.T, x *xDisplay, path string) *newcomer {
	home := t.TempDir()
	n := &newcomer{t: t, x: x, bin: hoistBinary(t), home: home, path: path,
		dataDir: filepath.Join(home, ".local", "share", "hoist")}
	n.env = x.env("PATH="+path, "HOIST_CONFIG=", "HOIST_DATA_DIR=", "HOIST_POLICY=none", "DBUS_SESSION_BUS_ADDRESS=",
		"HOME="+home, "XDG_CONFIG_HOME="+filepath.Join(home, ".config"), "XDG_DATA_HOME="+filepath.Join(home, ".local", "share"),
		"XDG_RUNTIME_DIR="+filepath.Join(home, "run"), "FYNE_THEME=light", "LANG=en_US.UTF-8")
	return n
}

func (n *newcomer) connection() string {
	return filepath.Join(n.home, ".config", "hoist", config.ConnectionFileName)
}

func (n *newcomer) log() string {
	b, _ := os.ReadFile(filepath.Join(n.dataDir, "hoist.log"))
	return string(b)
}

// start runs the window with no arguments; it is killed when the test ends.
func (n *newcomer) start() {
	t := n.t
	logPath := filepath.Join(t.TempDir(), "hoist-window.log")
	logFile, err := os.Create(logPath)
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(n.bin)
	cmd.Env = n.env
	cmd.Stdout, cmd.Stderr = logFile, logFile
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	exited := make(chan struct{})
	go func() { cmd.Wait(); logFile.Close(); close(exited) }()
	t.Cleanup(func() {
		cmd.Process.Kill()
		<-exited
		if t.Failed() {
			out, _ := os.ReadFile(logPath)
			t.Logf("hoist's output:\n%s\nhoist.log:\n%s", out, n.log())
		}
	})
	t.Cleanup(func() {
		if t.Failed() {
			newWindowArtifacts(t).save(t, "failure.png", n.x.screenshot().img)
		}
	})
}

// second runs a second Hoist with args and returns its exit code and
// output (it must hand over and exit by itself).
func (n *newcomer) second(args ...string) (int, string) {
	n.t.Helper()
	cmd := exec.Command(n.bin, args...)
	cmd.Env = n.env
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	done := make(chan error, 1)
	if err := cmd.Start(); err != nil {
		n.t.Fatal(err)
	}
	go func() { done <- cmd.Wait() }()
	select {
	case err := <-done:
		if exit, ok := err.(*exec.ExitError); ok {
			return exit.ExitCode(), out.String()
		} else if err != nil {
			n.t.Fatal(err)
		}
		return 0, out.String()
	case <-time.After(time.Minute):
		cmd.Process.Kill()
		n.t.Fatalf("the second Hoist did not exit: %s", out.String())
		return 0, ""
	}
}

// waitLog waits until hoist.log says text.
func (n *newcomer) waitLog(text string) {
	n.t.Helper()
	if !pollUntil(90*time.Second, func() bool { return strings.Contains(n.log(), text) }) {
		n.t.Fatalf("hoist.log never said %q", text)
	}
}

// primaryButton finds a solid block of the primary colour at least minW
// wide and 25 high (a HighImportance button) and returns its rectangle;
// below, when not zero, skips blocks that start above that row.
func (s *xShot) primaryButton(minW, below int) (image.Rectangle, bool) {
	win := s.win
	var top, x0, x1, rows int
	for y := max(win.Min.Y, below); y < win.Max.Y; y++ {
		a, b := s.run(win, y, 24, s.isPrimary)
		wide := b-a >= minW && b-a < win.Dx()*8/10
		if wide && rows > 0 && absInt(a-x0) <= 6 && absInt(b-x1) <= 6 {
			rows++
			continue
		}
		if rows >= 25 {
			return image.Rect(x0, top, x1, top+rows), true
		}
		rows = 0
		if wide {
			top, x0, x1, rows = y, a, b, 1
		}
	}
	return image.Rectangle{}, false
}

func center(r image.Rectangle) image.Point { return r.Min.Add(r.Size().Div(2)) }

// connectScreen waits for the connect screen's Continue button.
func (n *newcomer) connectScreen(name string) image.Rectangle {
	var cont image.Rectangle
	shot := n.x.waitFor("the connect screen", func(s *xShot) bool {
		var ok bool
		cont, ok = s.primaryButton(70, 0)
		return ok
	})
	newWindowArtifacts(n.t).save(n.t, name, shot.window())
	return cont
}

// confirm waits for the confirmation, saves its screenshot and clicks
// Connect.
func (n *newcomer) confirm(name string, below int) {
	n.waitLog("asking the customer to confirm")
	var connect image.Rectangle
	shot := n.x.waitFor("the confirmation's Connect button", func(s *xShot) bool {
		var ok bool
		connect, ok = s.primaryButton(70, below)
		return ok
	})
	newWindowArtifacts(n.t).save(n.t, name, shot.window())
	if _, err := os.Stat(n.connection()); err == nil {
		n.t.Fatal("the organisation was saved before the customer confirmed")
	}
	for attempt := 1; ; attempt++ {
		n.x.click(center(connect))
		if pollUntil(15*time.Second, func() bool { _, err := os.Stat(n.connection()); return err == nil }) {
			return
		}
		if attempt == 3 {
			n.t.Fatal("clicking Connect saved nothing")
		}
	}
}

func TestWindowFirstRunConnectSignInUpload(t *testing.T) {
	tools := lookupXTools(t)
	x := startXvfb(t, tools)
	w := newSignInWorld(t, devstack.OIDCOptions{})
	d := w.stack.Descriptor()
	d.PartSize, d.RetryMaxWait = "5MiB", "1s"
	if err := devstack.WriteDescriptor(w.stack.DescriptorFile, d); err != nil {
		t.Fatal(err)
	}
	path, urls := fakeXDGOpen(t)
	n := newNewcomer(t, x, path)
	n.start()
	x.hoist = x.waitWindow("^Hoist")

	// 1. Connect to your organisation: type the dev stack's address.
	cont := n.connectScreen("first-run-1-connect.png")
	x.click(image.Pt(cont.Min.X+150, cont.Min.Y-30)) // the address field, above the button
	x.xdotool("type", "--delay", "40", w.stack.OIDC.Issuer)
	time.Sleep(300 * time.Millisecond)
	newWindowArtifacts(t).save(t, "first-run-2-typed.png", x.screenshot().window())
	x.xdotool("key", "Return")

	// 2. "Send files to Acme Research (127.0.0.1:…)?"
	n.confirm("first-run-3-confirm.png", cont.Max.Y+10)
	saved, err := os.ReadFile(n.connection())
	if err != nil || !strings.Contains(string(saved), w.stack.DescriptorURL) {
		t.Fatalf("saved organisation: %v\n%s", err, saved)
	}

	// 3. Sign in, in the browser.
	var button image.Point
	shot := x.waitFor("the Sign in button", func(s *xShot) bool {
		var ok bool
		button, ok = s.signInButton()
		return ok
	})
	newWindowArtifacts(t).save(t, "first-run-4-sign-in.png", shot.window())
	for attempt := 1; ; attempt++ {
		x.click(button)
		if pollUntil(20*time.Second, func() bool { data, _ := os.ReadFile(urls); return len(data) > 0 }) {
			break
		}
		if _, still := x.screenshot().signInButton(); !still || attempt == 3 {
			break
		}
	}
	if _, err := w.browser.SignIn(nextURL(t, urls, 1), devstack.DemoUser, devstack.DemoPassword); err != nil {
		t.Fatalf("sign in in the browser: %v", err)
	}
	x.movePointerAway()
	shot = x.waitFor("the uploads screen", func(s *xShot) bool { _, ok := s.dropZoneTop(); return ok })
	newWindowArtifacts(t).save(t, "first-run-5-signed-in.png", shot.window())

	// 4. A file opened with Hoist: the second launch hands it over.
	src := filepath.Join(t.TempDir(), "site-survey.bin")
	if err := os.Rename(writeFile(t, 12<<20), src); err != nil {
		t.Fatal(err)
	}
	code, out := n.second(src)
	if code != 0 || !strings.Contains(out, "Hoist is sending 1 file or folder") {
		t.Fatalf("second launch with a file: %d %s", code, out)
	}
	key := "uploads/" + devstack.SubjectFor(devstack.DemoUser) + "/" + filepath.Base(src)
	admin := w.stack.MinIO.S3Client()
	if !pollUntil(3*time.Minute, func() bool { return objectExists(admin, key) }) {
		t.Fatalf("%s never arrived in MinIO", key)
	}
	want, _ := os.ReadFile(src)
	if got := adminGet(t, w.stack.MinIO, key); !bytes.Equal(got, want) {
		t.Fatal("the stored object differs from the file")
	}
	x.movePointerAway()
	shot = x.waitFor("the finished upload", func(s *xShot) bool { return s.count(s.win, isSuccess) > 20 })
	newWindowArtifacts(t).save(t, "first-run-6-uploaded.png", shot.window())
}

func TestWindowInvitationLinkHandedOver(t *testing.T) {
	tools := lookupXTools(t)
	x := startXvfb(t, tools)
	w := newSignInWorld(t, devstack.OIDCOptions{})
	path, _ := fakeXDGOpen(t)
	n := newNewcomer(t, x, path)
	n.start()
	x.hoist = x.waitWindow("^Hoist")
	cont := n.connectScreen("invitation-1-connect.png")

	link := org.JoinLink(w.stack.DescriptorURL)
	code, out := n.second(link)
	if code != 0 || !strings.Contains(out, "Confirm the organisation in Hoist's window") {
		t.Fatalf("second launch with %s: exit %d, %s", link, code, out)
	}
	n.confirm("invitation-2-confirm.png", cont.Max.Y+10)
	x.waitFor("the Sign in button after connecting", func(s *xShot) bool { _, ok := s.signInButton(); return ok })

	// Only one Hoist: a second plain launch brings the window forward and
	// exits at once.
	if code, out := n.second(); code != 0 || !strings.Contains(out, "Hoist's window is open") {
		t.Errorf("a plain second launch: %d %s", code, out)
	}
	// The CLI keeps working while the window runs: send hands the files to
	// the window (they wait for the sign-in there); history says what to do
	// instead of "another Hoist is running".
	src := writeFile(t, 1<<10)
	if code, out := n.second("send", src); code != 0 || !strings.Contains(out, "Hoist's window is open: Hoist will send 1 file or folder once you have signed in.") {
		t.Errorf("hoist send while the window runs: %d %s", code, out)
	}
	if code, out := n.second("history"); code != 1 || !strings.Contains(out, "Use the window") || strings.Contains(out, "another Hoist is already running") {
		t.Errorf("hoist history while the window runs: %d %s", code, out)
	}
}

// Connecting to a different organisation from a running window: an
// invitation link to another organisation is handed over, the window asks,
// and after Connect Hoist restarts with the new organisation.
func TestWindowSwitchOrganisationRestarts(t *testing.T) {
	tools := lookupXTools(t)
	x := startXvfb(t, tools)
	w := newSignInWorld(t, devstack.OIDCOptions{})
	other := w.stack.Descriptor()
	other.Name = "Other Research"
	otherSrv := httptest.NewServer(http.HandlerFunc(func(rw http.ResponseWriter, r *http.Request) {
		rw.Write(other.JSON())
	}))
	t.Cleanup(otherSrv.Close)
	path, _ := fakeXDGOpen(t)
	n := newNewcomer(t, x, path)
	n.start()
	t.Cleanup(func() { killLoggedHoists(t, n.log()) })
	x.hoist = x.waitWindow("^Hoist")
	cont := n.connectScreen("switch-1-connect.png")
	if code, out := n.second(org.JoinLink(w.stack.DescriptorURL)); code != 0 {
		t.Fatalf("first link: %d %s", code, out)
	}
	n.confirm("switch-2-confirm-first.png", cont.Max.Y+10)
	x.waitFor("the Sign in button", func(s *xShot) bool { _, ok := s.signInButton(); return ok })

	// A link to another organisation while the window runs.
	code, out := n.second(org.JoinLink(otherSrv.URL + config.WellKnownPath))
	if code != 0 || !strings.Contains(out, "Confirm the organisation") {
		t.Fatalf("second link: %d %s", code, out)
	}
	n.waitLog("name=\"Other Research\"")
	var connect image.Rectangle
	shot := x.waitFor("the confirmation for the other organisation", func(s *xShot) bool {
		var ok bool
		connect, ok = s.primaryButton(70, 0)
		_, signIn := s.signInButton()
		return ok && !signIn
	})
	newWindowArtifacts(t).save(t, "switch-3-confirm-other.png", shot.window())
	x.click(center(connect))
	n.waitLog("restarting")
	if !pollUntil(time.Minute, func() bool { return strings.Count(n.log(), "level=INFO msg=starting") >= 2 }) {
		t.Fatal("Hoist did not start again")
	}
	saved, _ := os.ReadFile(n.connection())
	if !strings.Contains(string(saved), otherSrv.URL) {
		t.Fatalf("saved organisation is not the other one:\n%s", saved)
	}
	x.hoist = x.waitWindow("^Hoist")
	x.waitFor("the other organisation's Sign in", func(s *xShot) bool { _, ok := s.signInButton(); return ok })
	newWindowArtifacts(t).save(t, "switch-4-restarted.png", x.screenshot().window())
	if !strings.Contains(n.log(), "domain="+strings.TrimPrefix(otherSrv.URL, "http://")) {
		t.Errorf("the restarted Hoist does not use the other organisation:\n%s", n.log())
	}
}

// killLoggedHoists kills Hoist processes that hoist.log says were started
// (a restarted Hoist is not the test's child).
func killLoggedHoists(t *testing.T, log string) {
	for _, line := range strings.Split(log, "\n") {
		_, after, ok := strings.Cut(line, " pid=")
		if !ok || !strings.Contains(line, "msg=starting") {
			continue
		}
		pid, err := strconv.Atoi(strings.Fields(after)[0])
		if err != nil || pid == os.Getpid() {
			continue
		}
		if p, err := os.FindProcess(pid); err == nil {
			p.Kill()
		}
	}
}
