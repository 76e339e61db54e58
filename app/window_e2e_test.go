//go:build linux

package app

// The window as a person uses it: the real binary on a real X server
// (Xvfb), the Sign in button clicked with the mouse, the sign-in finished in
// a real browser, a file dragged in from another X11 application (a GTK
// window, testdata/dragsource.py) and the object arriving in MinIO.
// Screenshots of the signed-out, uploading and history states are saved as
// artifacts ($HOIST_ARTIFACTS, else artifacts/window-e2e/ in the repository).
//
// The test finds what to click in screenshots: Fyne draws its widgets with
// GL, so X11 knows nothing of them. The Sign in button and the drop zone's
// border are the theme's primary colour, and so is the line under the
// selected tab.

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"image"
	"image/color"
	"image/draw"
	"image/png"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"

	"fyne.io/fyne/v2/theme"

	"hoist/devstack"
	"hoist/internal/faultproxy"
	"hoist/ui"
)

const (
	// xScreen is the size of the virtual screen.
	xScreen = "1280x800x24"
	// windowFileSize is the file dragged in: 8 parts of the config's 5 MiB.
	windowFileSize = 40 << 20
	// slowLinkRate is the upload bandwidth between Hoist and MinIO, so the
	// upload lasts long enough (about 10 s) to be seen uploading, with a
	// speed.
	slowLinkRate = 4 << 20
)

func TestWindowSignInDragDropUpload(t *testing.T) {
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
	bin := hoistBinary(t)
	path, urls := fakeXDGOpen(t)
	arts := newWindowArtifacts(t)
	src := filepath.Join(t.TempDir(), "field-survey.bin")
	if err := os.Rename(writeFile(t, windowFileSize), src); err != nil {
		t.Fatal(err)
	}
	key := "uploads/" + devstack.SubjectFor(devstack.DemoUser) + "/" + filepath.Base(src)

	stopHoist := startHoistWindow(t, x, bin, cfg, w.dataDir, path)
	x.hoist = x.waitWindow("^Hoist")
	x.resize(1280, 800)
	t.Logf("Hoist's window: %v", x.geometry(x.hoist))

	// Signed out: the welcome screen with its Sign in button.
	var button image.Point
	shot := x.waitFor("the Sign in button", func(s *xShot) bool {
		var ok bool
		button, ok = s.signInButton()
		return ok
	})
	arts.save(t, "signed-out.png", shot.window())

	// A click that comes before the window is ready for it is lost: click
	// again while the button is still there.
	for attempt := 1; ; attempt++ {
		x.click(button)
		if pollUntil(20*time.Second, func() bool { data, _ := os.ReadFile(urls); return len(data) > 0 }) {
			break
		}
		if _, still := x.screenshot().signInButton(); !still || attempt == 3 {
			break // nextURL says what went wrong
		}
		t.Logf("click %d on Sign in: no browser opened; clicking again", attempt)
	}
	authURL := nextURL(t, urls, 1)
	page, err := w.browser.SignIn(authURL, devstack.DemoUser, devstack.DemoPassword)
	if err != nil {
		t.Fatalf("sign in in the browser: %v", err)
	}
	t.Logf("the browser says: %q", page)
	pollForFile(t, filepath.Join(w.dataDir, "signin.json"), time.Minute)
	var dropTop int
	shot = x.waitFor("the uploads screen after the sign-in", func(s *xShot) bool {
		var ok bool
		dropTop, ok = s.dropZoneTop()
		return ok
	})
	win := shot.win

	// Another X11 application, right of the window, drags the file in.
	source := startDragSource(t, x, tools, image.Pt(min(win.Max.X+40, 1280-260), win.Min.Y+60), src)
	from := source.rect.Min.Add(source.rect.Size().Div(2))
	// Over the drop zone's title, where no button reacts to the pointer.
	to := image.Pt((win.Min.X+win.Max.X)/2, dropTop+18)
	admin := w.stack.MinIO.S3Client()
	// A synthesized drag is sometimes lost between the two X11 clients,
	// even after the drop target asked for the data, so the proof that
	// Hoist took the file is the upload it starts in MinIO.
	for attempt := 1; ; attempt++ {
		served := source.served()
		x.drag(from, to, func() { arts.save(t, "drag-and-drop.png", x.screenshot().img) })
		if pollUntil(30*time.Second, func() bool { return uploadStarted(admin, key) }) {
			break
		}
		if attempt == 3 {
			t.Fatalf("three drags and Hoist never took the file (the drag source says: %s)", source.log())
		}
		t.Logf("drag %d: no upload started (the file's data was asked for %d times); dragging again",
			attempt, source.served()-served)
	}
	t.Logf("the drag source says: %s", source.log())
	source.close() // out of the way of the screenshots

	// Pause and resume with the keyboard, as a person who does not use a
	// mouse would: Tab goes through the window in reading order (Sign
	// out, Settings, About, Choose files…, Choose folder…, the four
	// filters, the list itself, then the row's Pause), and Enter presses
	// the focused button.
	x.movePointerAway()
	x.waitFor("some of the file sent", func(s *xShot) bool { return s.footerFill() > 0.05 })
	x.focusWindow()
	for range 11 {
		x.xdotool("key", "Tab")
		time.Sleep(80 * time.Millisecond)
	}
	x.xdotool("key", "Return")
	// A pause lets parts on their way finish for a few seconds, then the
	// rest stop: the parts in MinIO stop growing.
	id := uploadID(admin, key)
	if id == "" {
		t.Fatal("no multipart upload in progress to pause")
	}
	var paused int
	if !pollUntil(30*time.Second, func() bool {
		before := partCount(admin, key, id)
		time.Sleep(4 * time.Second)
		paused = partCount(admin, key, id)
		return paused == before && !objectExists(admin, key)
	}) {
		t.Fatal("the upload did not pause after Tab to the row's Pause and Enter")
	}
	t.Logf("paused with %d of 8 parts in MinIO", paused)
	x.movePointerAway()
	shot = x.screenshot()
	arts.save(t, "paused-1280x800.png", shot.window())
	pausedFill := shot.footerFill()
	x.resize(1024, 640)
	arts.save(t, "paused-1024x640.png", x.waitFor("the window at 1024×640", func(s *xShot) bool { return s.win.Dx() == 1024 }).window())
	x.resize(1280, 800)
	if got := partCount(admin, key, id); got != paused {
		t.Fatalf("parts went from %d to %d while paused", paused, got)
	}
	// Enter again: the focused button now says Resume. The bar goes on
	// from what the pause kept, never lower.
	x.focusWindow()
	x.xdotool("key", "Return")
	x.movePointerAway()
	lowest := 1.0
	shot = x.waitFor("the upload in progress after Resume", func(s *xShot) bool {
		_, uploads := s.dropZoneTop()
		fill := s.footerFill()
		lowest = min(lowest, fill)
		return uploads && fill > pausedFill+0.02 && fill < 0.97
	})
	if lowest < pausedFill-0.01 {
		t.Errorf("the overall bar ran backwards after Resume: %.2f paused, %.2f after", pausedFill, lowest)
	}
	if !pollUntil(60*time.Second, func() bool { return partCount(admin, key, id) > paused || objectExists(admin, key) }) {
		t.Fatal("the upload did not continue after Enter on Resume")
	}
	arts.save(t, "uploading.png", shot.window())
	if shot.win != win {
		t.Logf("Hoist's window changed from %v to %v", win, shot.win)
	}

	if !pollUntil(3*time.Minute, func() bool { return objectExists(admin, key) }) {
		t.Fatalf("%s never arrived in MinIO", key)
	}
	want, err := os.ReadFile(src)
	if err != nil {
		t.Fatal(err)
	}
	if got := adminGet(t, w.stack.MinIO, key); !bytes.Equal(got, want) {
		t.Fatalf("%s holds %d bytes that differ from the %d-byte file", key, len(got), len(want))
	}

	// History: click the tab right of the selected Uploads tab.
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
			_, drop := s.dropZoneTop()
			return ok && now.Min.X >= tab.Max.X-4 && !drop
		}) {
			break
		}
		if attempt == 3 {
			t.Fatal("clicking the History tab did not open it")
		}
	}
	// The history loads off the UI goroutine: wait for its done row, in
	// the theme's success colour.
	x.movePointerAway()
	shot = x.waitFor("the done upload in the history", func(s *xShot) bool {
		return s.count(s.win, isSuccess) > 20
	})
	arts.save(t, "history.png", shot.window())
	x.resize(1024, 640)
	arts.save(t, "history-1024x640.png", x.waitFor("the history at 1024×640", func(s *xShot) bool {
		return s.win.Dx() == 1024 && s.count(s.win, isSuccess) > 20
	}).window())

	// The same window in the dark theme: Hoist again (the sign-in is kept),
	// at both sizes.
	stopHoist()
	startHoistWindow(t, x, bin, cfg, w.dataDir, path, "FYNE_THEME=dark")
	x.dark = true
	x.hoist = x.waitWindow("^Hoist")
	for _, size := range []image.Point{{1280, 800}, {1024, 640}} {
		x.resize(size.X, size.Y)
		x.movePointerAway()
		shot = x.waitFor("the dark uploads screen", func(s *xShot) bool {
			_, ok := s.dropZoneTop()
			return ok && s.win.Dx() == size.X && s.win.Dy() == size.Y && isDark(s.img.RGBAAt(s.win.Min.X+4, s.win.Max.Y-4))
		})
		arts.save(t, fmt.Sprintf("dark-%dx%d.png", size.X, size.Y), shot.window())
	}
}

// isDark is the dark theme's background.
func isDark(c color.RGBA) bool { return int(c.R)+int(c.G)+int(c.B) < 3*0x40 }

// resize sets the size of Hoist's window.
func (x *xDisplay) resize(w, h int) {
	x.t.Helper()
	// A window that has only just appeared may ignore the first request.
	if !pollUntil(20*time.Second, func() bool {
		x.xdotool("windowsize", x.hoist, strconv.Itoa(w), strconv.Itoa(h))
		time.Sleep(500 * time.Millisecond)
		r, err := x.tryGeometry(x.hoist)
		return err == nil && r.Dx() == w && r.Dy() == h
	}) {
		x.t.Fatalf("Hoist's window did not take the size %d×%d", w, h)
	}
}

// focusWindow gives Hoist's window the keyboard (there is no window
// manager to do it).
func (x *xDisplay) focusWindow() {
	x.t.Helper()
	x.xdotool("windowfocus", "--sync", x.hoist)
	time.Sleep(200 * time.Millisecond)
}

// partCount is how many parts MinIO holds of the multipart upload id.
func partCount(c *s3.Client, key, id string) int {
	out, err := c.ListParts(context.Background(), &s3.ListPartsInput{
		Bucket: aws.String(devstack.DefaultBucket), Key: aws.String(key), UploadId: aws.String(id),
	})
	if err != nil {
		return -1
	}
	return len(out.Parts)
}

// xTools are the programs the test drives X with.
type xTools struct {
	xvfb, xdotool, imp, python string
}

func lookupXTools(t *testing.T) xTools {
	t.Helper()
	var tools xTools
	for _, p := range []struct {
		dst          *string
		name, debian string
	}{
		{&tools.xvfb, "Xvfb", "xvfb"},
		{&tools.xdotool, "xdotool", "xdotool"},
		{&tools.imp, "import", "imagemagick"},
	} {
		path, err := exec.LookPath(p.name)
		if err != nil {
			t.Fatalf("%s not found: install the Debian package %s (scripts/deps.sh)", p.name, p.debian)
		}
		*p.dst = path
	}
	// A pyenv or venv python3 first on PATH usually lacks the GTK bindings
	// that Debian's has.
	for _, py := range []string{"/usr/bin/python3", "python3"} {
		path, err := exec.LookPath(py)
		if err != nil {
			continue
		}
		check := exec.Command(path, "-c", `import gi; gi.require_version("Gtk", "3.0"); from gi.repository import Gtk`)
		if check.Run() == nil {
			tools.python = path
			return tools
		}
	}
	t.Fatal("no python3 with GTK 3 bindings: install the Debian packages python3-gi and gir1.2-gtk-3.0 (scripts/deps.sh)")
	return tools
}

// xDisplay is a private X server.
type xDisplay struct {
	t     *testing.T
	tools xTools
	name  string // ":N"
	tmp   string // for screenshots
	hoist string // Hoist's window ID, once known
	// dark is set while Hoist runs in the dark theme (FYNE_THEME=dark).
	dark bool
}

// startXvfb starts Xvfb on a display number it picks itself (-displayfd),
// and stops it when the test ends.
func startXvfb(t *testing.T, tools xTools) *xDisplay {
	t.Helper()
	r, wr, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	logPath := filepath.Join(t.TempDir(), "xvfb.log")
	logFile, err := os.Create(logPath)
	if err != nil {
		t.Fatal(err)
	}
	defer logFile.Close()
	cmd := exec.Command(tools.xvfb, "-displayfd", "3", "-screen", "0", xScreen, "-nolisten", "tcp")
	cmd.ExtraFiles = []*os.File{wr}
	cmd.Stdout, cmd.Stderr = logFile, logFile
	if err := cmd.Start(); err != nil {
		t.Fatalf("start Xvfb: %v", err)
	}
	wr.Close()
	exited := make(chan struct{})
	go func() { cmd.Wait(); close(exited) }()
	t.Cleanup(func() {
		// SIGTERM lets Xvfb remove its lock file and socket.
		cmd.Process.Signal(syscall.SIGTERM)
		select {
		case <-exited:
		case <-time.After(10 * time.Second):
			cmd.Process.Kill()
			<-exited
		}
	})
	number := make(chan string, 1)
	go func() {
		defer r.Close()
		line, _ := bufio.NewReader(r).ReadString('\n')
		number <- strings.TrimSpace(line)
	}()
	var n string
	select {
	case n = <-number:
	case <-time.After(time.Minute):
	}
	if _, err := strconv.Atoi(n); err != nil {
		log, _ := os.ReadFile(logPath)
		t.Fatalf("Xvfb did not start (display %q):\n%s", n, log)
	}
	socket := "/tmp/.X11-unix/X" + n
	if !pollUntil(time.Minute, func() bool { _, err := os.Stat(socket); return err == nil }) {
		t.Fatalf("Xvfb :%s never made %s", n, socket)
	}
	x := &xDisplay{t: t, tools: tools, name: ":" + n, tmp: t.TempDir()}
	// The socket can be a stale one; only a client that connects proves
	// the server answers (else the window test fails later, as a Hoist
	// that "failed to open display").
	var lastErr error
	if !pollUntil(time.Minute, func() bool { _, lastErr = x.run(tools.xdotool, "getdisplaygeometry"); return lastErr == nil }) {
		log, _ := os.ReadFile(logPath)
		t.Fatalf("Xvfb :%s does not answer clients: %v\n%s", n, lastErr, log)
	}
	t.Logf("Xvfb on :%s (%s)", n, xScreen)
	return x
}

// env is the environment for a program on this display.
func (x *xDisplay) env(extra ...string) []string {
	return append(append(os.Environ(), "DISPLAY="+x.name), extra...)
}

func (x *xDisplay) run(name string, args ...string) (string, error) {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, name, args...)
	cmd.Env = x.env()
	var out, errOut bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errOut
	if err := cmd.Run(); err != nil {
		return out.String(), fmt.Errorf("%s %s: %v: %s", filepath.Base(name), strings.Join(args, " "), err, errOut.String())
	}
	return out.String(), nil
}

func (x *xDisplay) xdotool(args ...string) string {
	x.t.Helper()
	out, err := x.run(x.tools.xdotool, args...)
	if err != nil {
		x.t.Fatal(err)
	}
	return out
}

// waitWindow waits for a visible window whose name matches the regular
// expression, and returns its ID.
func (x *xDisplay) waitWindow(name string) string {
	x.t.Helper()
	var id string
	if !pollUntil(90*time.Second, func() bool {
		out, _ := x.run(x.tools.xdotool, "search", "--onlyvisible", "--name", name)
		id, _, _ = strings.Cut(strings.TrimSpace(out), "\n")
		return id != ""
	}) {
		x.t.Fatalf("no window named %q appeared", name)
	}
	return id
}

// geometry is where window id is on the screen.
func (x *xDisplay) geometry(id string) image.Rectangle {
	x.t.Helper()
	r, err := x.tryGeometry(id)
	if err != nil {
		x.t.Fatal(err)
	}
	return r
}

func (x *xDisplay) tryGeometry(id string) (image.Rectangle, error) {
	out, err := x.run(x.tools.xdotool, "getwindowgeometry", "--shell", id)
	if err != nil {
		return image.Rectangle{}, err
	}
	v := map[string]int{}
	for _, line := range strings.Fields(out) {
		k, val, _ := strings.Cut(line, "=")
		v[k], _ = strconv.Atoi(val)
	}
	if v["WIDTH"] == 0 || v["HEIGHT"] == 0 {
		return image.Rectangle{}, fmt.Errorf("geometry of window %s: %q", id, out)
	}
	return image.Rect(v["X"], v["Y"], v["X"]+v["WIDTH"], v["Y"]+v["HEIGHT"]), nil
}

// click moves the pointer to p, lets the window see it there, and clicks.
func (x *xDisplay) click(p image.Point) {
	x.t.Helper()
	x.xdotool("mousemove", strconv.Itoa(p.X), strconv.Itoa(p.Y))
	time.Sleep(150 * time.Millisecond)
	x.xdotool("click", "1")
}

// drag presses the first button at from, moves the pointer in steps (past
// the drag threshold, then across to to), calls before while the drag hovers
// over to, and releases the button there.
func (x *xDisplay) drag(from, to image.Point, before func()) {
	x.t.Helper()
	move := func(p image.Point) {
		x.xdotool("mousemove", strconv.Itoa(p.X), strconv.Itoa(p.Y))
		time.Sleep(100 * time.Millisecond)
	}
	move(from)
	x.xdotool("mousedown", "1")
	time.Sleep(150 * time.Millisecond)
	for i := 1; i <= 4; i++ { // GTK starts a drag after 8 px
		move(from.Add(image.Pt(-5*i, 3*i)))
	}
	start := from.Add(image.Pt(-20, 12))
	const steps = 10
	for i := 1; i <= steps; i++ {
		move(start.Add(to.Sub(start).Mul(i).Div(steps)))
	}
	move(to.Add(image.Pt(3, 3))) // a last position event on the target
	move(to)
	time.Sleep(300 * time.Millisecond)
	if before != nil {
		before()
	}
	x.xdotool("mouseup", "1")
}

// movePointerAway puts the pointer in a corner of the screen, outside
// Hoist's window, so no widget shows a hover.
func (x *xDisplay) movePointerAway() {
	x.t.Helper()
	x.xdotool("mousemove", "1279", "799")
	time.Sleep(300 * time.Millisecond)
}

// xShot is one screenshot of the whole X screen, and where Hoist's
// window was just before it was taken.
type xShot struct {
	img *image.RGBA
	win image.Rectangle
	// dark is set when the window uses the dark theme.
	dark bool
}

// screenshot takes one with ImageMagick's import.
func (x *xDisplay) screenshot() *xShot {
	x.t.Helper()
	var win image.Rectangle
	if x.hoist != "" {
		win, _ = x.tryGeometry(x.hoist)
	}
	file := filepath.Join(x.tmp, "screen.png")
	if _, err := x.run(x.tools.imp, "-window", "root", file); err != nil {
		x.t.Fatal(err)
	}
	f, err := os.Open(file)
	if err != nil {
		x.t.Fatal(err)
	}
	defer os.Remove(file)
	defer f.Close()
	img, err := png.Decode(f)
	if err != nil {
		x.t.Fatalf("screenshot: %v", err)
	}
	rgba := image.NewRGBA(img.Bounds())
	draw.Draw(rgba, rgba.Bounds(), img, img.Bounds().Min, draw.Src)
	return &xShot{img: rgba, win: win.Intersect(rgba.Bounds()), dark: x.dark}
}

// waitFor takes screenshots until ok accepts one, which it returns. The
// last screenshot is saved as an artifact when it never does.
func (x *xDisplay) waitFor(what string, ok func(*xShot) bool) *xShot {
	x.t.Helper()
	var s *xShot
	if pollUntil(90*time.Second, func() bool { s = x.screenshot(); return ok(s) }) {
		return s
	}
	name := "timeout-" + strings.ReplaceAll(what, " ", "-") + ".png"
	newWindowArtifacts(x.t).save(x.t, name, s.window())
	x.t.Fatalf("the window never showed %s (last screenshot: %s)", what, name)
	return nil
}

// window is the part of the screenshot that shows Hoist's window.
func (s *xShot) window() image.Image {
	return s.img.SubImage(s.win)
}

// isPrimary is the theme's primary colour in the variant the window was
// started with (the light variant's empty bar is close to the dark
// variant's primary).
func (s *xShot) isPrimary(c color.RGBA) bool {
	v := theme.VariantLight
	if s.dark {
		v = theme.VariantDark
	}
	p := color.RGBAModel.Convert(ui.Theme().Color(theme.ColorNamePrimary, v)).(color.RGBA)
	return nearColour(c, p, 40)
}

// isSuccess is the theme's success colour ("Done"): clearly green.
func isSuccess(c color.RGBA) bool {
	return int(c.G) > int(c.R)+60 && int(c.G) > int(c.B)+60
}

func nearColour(c, want color.RGBA, tol int) bool {
	d := func(a, b uint8) int { return max(int(a)-int(b), int(b)-int(a)) }
	return d(c.R, want.R) <= tol && d(c.G, want.G) <= tol && d(c.B, want.B) <= tol
}

// run is the longest stretch of pixels matching is in row y of r, gaps of
// up to gap pixels that do not match (the text on a button) included.
func (s *xShot) run(r image.Rectangle, y, gap int, is func(color.RGBA) bool) (x0, x1 int) {
	start, last := -1, -1
	for x := r.Min.X; x < r.Max.X; x++ {
		if !is(s.img.RGBAAt(x, y)) {
			continue
		}
		if start < 0 || x-last-1 > gap {
			start = x
		}
		last = x
		if last+1-start > x1-x0 {
			x0, x1 = start, last+1
		}
	}
	return x0, x1
}

// count is how many pixels of r match is.
func (s *xShot) count(r image.Rectangle, is func(color.RGBA) bool) int {
	n := 0
	r = r.Intersect(s.img.Bounds())
	for y := r.Min.Y; y < r.Max.Y; y++ {
		for x := r.Min.X; x < r.Max.X; x++ {
			if is(s.img.RGBAAt(x, y)) {
				n++
			}
		}
	}
	return n
}

// signInButton finds the welcome screen's Sign in button, a solid block of
// the primary colour at least 120 px wide and 25 px high but narrower than
// most of the window, and returns its centre.
func (s *xShot) signInButton() (image.Point, bool) {
	win := s.win
	var top, x0, x1, rows int
	for y := win.Min.Y; y < win.Max.Y; y++ {
		a, b := s.run(win, y, 24, s.isPrimary)
		wide := b-a >= 120 && b-a < win.Dx()*8/10
		if wide && rows > 0 && absInt(a-x0) <= 6 && absInt(b-x1) <= 6 {
			rows++
			continue
		}
		if rows >= 25 {
			return image.Pt((x0+x1)/2, top+rows/2), true
		}
		rows = 0
		if wide {
			top, x0, x1, rows = y, a, b, 1
		}
	}
	return image.Point{}, false
}

// dropZoneTop finds the uploads screen's drop zone by the top edge of its
// primary-coloured border, which runs across most of the window in its
// upper half.
func (s *xShot) dropZoneTop() (int, bool) {
	win := s.win
	for y := win.Min.Y; y < win.Min.Y+win.Dy()/2; y++ {
		if a, b := s.run(win, y, 0, s.isPrimary); b-a >= win.Dx()*8/10 {
			return y, true
		}
	}
	return 0, false
}

// footerFill is how much of the footer's progress bar, the widest bar of
// the primary colour in the bottom quarter of the window, is filled (0 to
// 1).
func (s *xShot) footerFill() float64 {
	win, best := s.win, 0
	for y := win.Max.Y - win.Dy()/4; y < win.Max.Y; y++ {
		a, b := s.run(win, y, 0, s.isPrimary)
		best = max(best, b-a)
	}
	return float64(best) / float64(max(win.Dx(), 1))
}

// selectedTab finds the primary-coloured line under the selected tab, the
// lowest one above row below, and returns it.
func (s *xShot) selectedTab(below int) (image.Rectangle, bool) {
	win := s.win
	for y := min(below, win.Max.Y) - 1; y >= win.Min.Y; y-- {
		if a, b := s.run(win, y, 0, s.isPrimary); b-a >= 24 && b-a < win.Dx()/2 {
			return image.Rect(a, y, b, y+1), true
		}
	}
	return image.Rectangle{}, false
}

func absInt(n int) int { return max(n, -n) }

// pollUntil polls ok until it holds or d has passed.
func pollUntil(d time.Duration, ok func() bool) bool {
	deadline := time.Now().Add(d)
	for {
		if ok() {
			return true
		}
		if time.Now().After(deadline) {
			return false
		}
		time.Sleep(250 * time.Millisecond)
	}
}

func pollForFile(t *testing.T, path string, d time.Duration) {
	t.Helper()
	if !pollUntil(d, func() bool { _, err := os.Stat(path); return err == nil }) {
		t.Fatalf("%s never appeared", path)
	}
}

// windowArtifacts is where the screenshots go.
type windowArtifacts struct{ dir string }

func newWindowArtifacts(t *testing.T) windowArtifacts {
	t.Helper()
	dir := os.Getenv("HOIST_ARTIFACTS")
	if dir == "" {
		root, err := devstack.RepoRoot()
		if err != nil {
			t.Fatal(err)
		}
		dir = filepath.Join(root, "artifacts", "window-e2e")
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	return windowArtifacts{dir: dir}
}

func (a windowArtifacts) save(t *testing.T, name string, img image.Image) {
	t.Helper()
	var buf bytes.Buffer
	if err := png.Encode(&buf, img); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(a.dir, name)
	if err := os.WriteFile(path, buf.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	t.Logf("screenshot: %s", path)
}

// windowConfig is w's config with S3 (not STS) behind link, and an
// organisation name.
func windowConfig(t *testing.T, w *signInWorld, link string) string {
	t.Helper()
	data, err := os.ReadFile(w.config)
	if err != nil {
		t.Fatal(err)
	}
	old := "\nendpoint = " + strconv.Quote(w.stack.MinIO.Endpoint) + "\n"
	cfg := strings.Replace(string(data), old, "\nendpoint = "+strconv.Quote(link)+"\n", 1)
	if cfg == string(data) {
		t.Fatalf("no %q in the config:\n%s", old, data)
	}
	cfg += "\n[organisation]\nname = \"Acme Research\"\n"
	path := filepath.Join(t.TempDir(), "hoist.toml")
	if err := os.WriteFile(path, []byte(cfg), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

// startHoistWindow runs `hoist --config cfg --data-dir dataDir` (the window)
// on x with the fake xdg-open on path, a home of its own and no session
// bus (the sign-in goes to a file in dataDir). It is killed when the test
// ends; its output is shown if the test failed.
func startHoistWindow(t *testing.T, x *xDisplay, bin, cfg, dataDir, path string, env ...string) (stop func()) {
	t.Helper()
	stop, _ = launchHoistWindow(t, x, bin, []string{"--config", cfg, "--data-dir", dataDir}, dataDir, path, env...)
	return stop
}

// launchHoistWindow is startHoistWindow with the command line's arguments
// given (files to send after the flags); exited is closed once Hoist has
// exited.
func launchHoistWindow(t *testing.T, x *xDisplay, bin string, args []string, dataDir, path string, env ...string) (stop func(), exited <-chan struct{}) {
	t.Helper()
	home := t.TempDir()
	logPath := filepath.Join(t.TempDir(), "hoist-window.log")
	logFile, err := os.Create(logPath)
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(bin, args...)
	cmd.Env = x.env("PATH="+path, "HOIST_CONFIG=", "HOIST_DATA_DIR=", "DBUS_SESSION_BUS_ADDRESS=",
		"HOME="+home, "XDG_CONFIG_HOME="+filepath.Join(home, ".config"),
		"XDG_RUNTIME_DIR="+filepath.Join(home, "run"), "FYNE_THEME=light", "LANG=en_US.UTF-8")
	cmd.Env = append(cmd.Env, env...) // later values win
	cmd.Stdout, cmd.Stderr = logFile, logFile
	if err := cmd.Start(); err != nil {
		logFile.Close()
		t.Fatal(err)
	}
	done := make(chan struct{})
	go func() { cmd.Wait(); logFile.Close(); close(done) }()
	t.Cleanup(func() {
		cmd.Process.Kill()
		<-done
		if t.Failed() {
			out, _ := os.ReadFile(logPath)
			t.Logf("hoist's output:\n%s", out)
			hlog, _ := os.ReadFile(filepath.Join(dataDir, "hoist.log"))
			t.Logf("hoist.log:\n%s", hlog)
		}
	})
	// Registered last, so it runs first: the screen as it was at the failure.
	t.Cleanup(func() {
		if t.Failed() {
			s := x.screenshot()
			newWindowArtifacts(t).save(t, "failure.png", s.img)
		}
	})
	// stop quits Hoist as the desktop does at log-out (SIGTERM: Fyne quits
	// cleanly) and waits for it.
	return func() {
		cmd.Process.Signal(syscall.SIGTERM)
		select {
		case <-done:
		case <-time.After(30 * time.Second):
			cmd.Process.Kill()
			<-done
		}
	}, done
}

// dragSource is the GTK drag source window.
type dragSource struct {
	rect image.Rectangle
	mu   sync.Mutex
	said []string
	// close ends the drag source's window (idempotent).
	close func()
}

// startDragSource opens testdata/dragsource.py at p, offering files.
func startDragSource(t *testing.T, x *xDisplay, tools xTools, p image.Point, files ...string) *dragSource {
	t.Helper()
	script, err := filepath.Abs(filepath.Join("testdata", "dragsource.py"))
	if err != nil {
		t.Fatal(err)
	}
	args := append([]string{script, strconv.Itoa(p.X), strconv.Itoa(p.Y)}, files...)
	cmd := exec.Command(tools.python, args...)
	cmd.Env = x.env("NO_AT_BRIDGE=1", "GDK_BACKEND=x11", "HOME="+t.TempDir())
	var errOut syncBuffer
	cmd.Stderr = &errOut
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	exited := make(chan struct{})
	d := &dragSource{}
	ready := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(out)
		for sc.Scan() {
			line := sc.Text()
			d.mu.Lock()
			d.said = append(d.said, line)
			d.mu.Unlock()
			if id, ok := strings.CutPrefix(line, "ready "); ok {
				ready <- id
			}
		}
		cmd.Wait()
		close(exited)
	}()
	var once sync.Once
	d.close = func() {
		once.Do(func() {
			cmd.Process.Kill()
			<-exited
		})
	}
	t.Cleanup(func() {
		d.close()
		if t.Failed() {
			t.Logf("drag source stderr:\n%s", errOut.String())
		}
	})
	select {
	case id := <-ready:
		d.rect = x.geometry(id)
	case <-exited:
		t.Fatalf("the drag source quit: %s", errOut.String())
	case <-time.After(time.Minute):
		t.Fatalf("the drag source never showed its window: %s", errOut.String())
	}
	return d
}

// served is how many times a drop target asked for the files.
func (d *dragSource) served() int {
	d.mu.Lock()
	defer d.mu.Unlock()
	n := 0
	for _, l := range d.said {
		if l == "data" {
			n++
		}
	}
	return n
}

func (d *dragSource) log() string {
	d.mu.Lock()
	defer d.mu.Unlock()
	return strings.Join(d.said, ", ")
}

type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// uploadStarted reports whether a multipart upload of key is in progress
// or the object is there.
func uploadStarted(c *s3.Client, key string) bool {
	return uploadID(c, key) != "" || objectExists(c, key)
}

func uploadID(c *s3.Client, key string) string {
	out, err := c.ListMultipartUploads(context.Background(), &s3.ListMultipartUploadsInput{
		Bucket: aws.String(devstack.DefaultBucket), Prefix: aws.String(key),
	})
	if err != nil {
		return ""
	}
	for _, u := range out.Uploads {
		if aws.ToString(u.Key) == key {
			return aws.ToString(u.UploadId)
		}
	}
	return ""
}

func objectExists(c *s3.Client, key string) bool {
	_, err := c.HeadObject(context.Background(), &s3.HeadObjectInput{
		Bucket: aws.String(devstack.DefaultBucket), Key: aws.String(key),
	})
	return err == nil
}
