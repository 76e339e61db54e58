//go:build linux

package packaging

import (
	"bufio"
	"image"
	"image/png"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

// display is an Xvfb server for one test.
type display struct {
	t   *testing.T
	num string // ":N"
}

// startXvfb starts Xvfb on a free display number (it picks one and writes
// it to fd 3); it is stopped when the test ends.
func startXvfb(t *testing.T) *display {
	t.Helper()
	r, w, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	logPath := filepath.Join(t.TempDir(), "xvfb.log")
	logFile, err := os.Create(logPath)
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command("Xvfb", "-displayfd", "3", "-screen", "0", "1280x800x24", "-nolisten", "tcp")
	cmd.ExtraFiles = []*os.File{w}
	cmd.Stdout, cmd.Stderr = logFile, logFile
	if err := cmd.Start(); err != nil {
		t.Fatalf("start Xvfb: %v", err)
	}
	w.Close()
	exited := make(chan struct{})
	go func() { cmd.Wait(); logFile.Close(); close(exited) }()
	t.Cleanup(func() {
		cmd.Process.Signal(syscall.SIGTERM)
		select {
		case <-exited:
		case <-time.After(10 * time.Second):
			cmd.Process.Kill()
			<-exited
		}
	})
	got := make(chan string, 1)
	go func() {
		line, _ := bufio.NewReader(r).ReadString('\n')
		got <- strings.TrimSpace(line)
		r.Close()
	}()
	select {
	case n := <-got:
		if n == "" {
			b, _ := os.ReadFile(logPath)
			t.Fatalf("Xvfb did not start:\n%s", b)
		}
		return &display{t: t, num: ":" + n}
	case <-time.After(30 * time.Second):
		t.Fatal("Xvfb did not report its display within 30 s")
		return nil
	}
}

// env is the environment variable that points programs at the display.
func (d *display) env() string { return "DISPLAY=" + d.num }

// waitWindow waits until a visible window whose name matches the regular
// expression name exists and returns its id.
func (d *display) waitWindow(name string, timeout time.Duration) string {
	d.t.Helper()
	var id string
	if !pollUntil(timeout, func() bool {
		out, _ := tryCmd(10*time.Second, []string{d.env()}, "xdotool", "search", "--onlyvisible", "--name", name)
		id, _, _ = strings.Cut(strings.TrimSpace(out), "\n")
		return id != ""
	}) {
		d.t.Fatalf("no window named %q appeared within %v", name, timeout)
	}
	return id
}

// screenshot saves the whole screen as artifacts/packaging/name and
// returns it decoded.
func (d *display) screenshot(name string) image.Image {
	d.t.Helper()
	p := filepath.Join(artifactsDir(d.t), name)
	runCmd(d.t, 30*time.Second, []string{d.env()}, "import", "-window", "root", p)
	f, err := os.Open(p)
	if err != nil {
		d.t.Fatal(err)
	}
	defer f.Close()
	img, err := png.Decode(f)
	if err != nil {
		d.t.Fatalf("screenshot %s: %v", name, err)
	}
	return img
}

// colours counts the distinct colours in r of img (a blank or black
// window has one or two).
func colours(img image.Image, r image.Rectangle) int {
	seen := map[[3]uint32]bool{}
	r = r.Intersect(img.Bounds())
	for y := r.Min.Y; y < r.Max.Y; y += 2 {
		for x := r.Min.X; x < r.Max.X; x += 2 {
			cr, cg, cb, _ := img.At(x, y).RGBA()
			seen[[3]uint32{cr >> 8, cg >> 8, cb >> 8}] = true
		}
	}
	return len(seen)
}

// geometry is where window id is on the screen.
func (d *display) geometry(id string) image.Rectangle {
	d.t.Helper()
	out := runCmd(d.t, 10*time.Second, []string{d.env()}, "xdotool", "getwindowgeometry", "--shell", id)
	v := map[string]int{}
	for _, line := range strings.Fields(out) {
		if k, val, ok := strings.Cut(line, "="); ok {
			n := 0
			for _, c := range val {
				if c < '0' || c > '9' {
					break
				}
				n = n*10 + int(c-'0')
			}
			v[k] = n
		}
	}
	return image.Rect(v["X"], v["Y"], v["X"]+v["WIDTH"], v["Y"]+v["HEIGHT"])
}
