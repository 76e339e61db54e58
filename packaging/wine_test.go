//go:build linux

package packaging

import (
	"bytes"
	"context"
	"crypto/sha256"
	"fmt"
	"io"
	"net/url"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"

	"hoist/devstack"
	"hoist/internal/faultproxy"
)

// winePrefix is one wine installation (a Windows user profile) shared by
// the Windows checks: wine takes long to start a fresh prefix.
type winePrefix struct {
	t      *testing.T
	dir    string
	env    []string
	x      *display
	user   string // the Windows user name (the Unix one)
	drive  string // drive_c
	appDir string // %LocalAppData% on the Unix side
}

// newWinePrefix creates a wine prefix under Xvfb and puts the test-only
// bcryptprimitives.dll stand-in into its system32 (see
// testdata/winestub/bcryptprimitives.c: wine 8 lacks the DLL Go's runtime
// needs; it is never part of a package).
func newWinePrefix(t *testing.T) *winePrefix {
	t.Helper()
	u, err := user.Current()
	if err != nil {
		t.Fatal(err)
	}
	w := &winePrefix{t: t, dir: filepath.Join(t.TempDir(), "wine"), x: startXvfb(t), user: u.Username}
	w.drive = filepath.Join(w.dir, "drive_c")
	w.appDir = filepath.Join(w.drive, "users", w.user, "AppData", "Local")
	w.env = []string{"WINEPREFIX=" + w.dir, "WINEDEBUG=-all", "WINEDLLOVERRIDES=mscoree,mshtml=", w.x.env(),
		"HOIST_CONFIG=", "HOIST_DATA_DIR=", "HOIST_POLICY="}
	start := time.Now()
	// One wineserver for the whole test (it would otherwise exit when idle
	// and start again with each program).
	if err := os.MkdirAll(w.dir, 0o700); err != nil {
		t.Fatal(err)
	}
	runCmd(t, time.Minute, w.env, "wineserver", "-p")
	t.Cleanup(func() { tryCmd(time.Minute, w.env, "wineserver", "-k") })
	runCmd(t, 3*time.Minute, w.env, "wine", "wineboot", "--init")
	stub := filepath.Join(w.drive, "windows", "system32", "bcryptprimitives.dll")
	src := filepath.Join(repoRoot, "packaging", "testdata", "winestub")
	runCmd(t, time.Minute, nil, "x86_64-w64-mingw32-gcc", "-shared", "-O2", "-o", stub,
		filepath.Join(src, "bcryptprimitives.c"), filepath.Join(src, "bcryptprimitives.def"), "-ladvapi32")
	t.Logf("wine prefix ready in %.1f s", time.Since(start).Seconds())
	return w
}

// winPath is a Unix path as the Windows program sees it (wine maps / to Z:).
func winPath(p string) string { return "Z:" + strings.ReplaceAll(p, "/", `\`) }

// command is `wine exe args...` in the prefix, run from dir.
func (w *winePrefix) command(dir, exe string, args ...string) *exec.Cmd {
	cmd := exec.Command("wine", append([]string{exe}, args...)...)
	cmd.Env = append(os.Environ(), w.env...)
	cmd.Dir = dir
	return cmd
}

// run runs a Windows program to its end and returns its exit code and
// output.
func (w *winePrefix) run(timeout time.Duration, exe string, args ...string) (int, string) {
	w.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, "wine", append([]string{exe}, args...)...)
	cmd.Env = append(os.Environ(), w.env...)
	cmd.Dir = w.t.TempDir()
	out, err := outputToFile(cmd)
	if ctx.Err() != nil {
		w.t.Fatalf("wine %s %s: timed out after %v\n%s", exe, strings.Join(args, " "), timeout, out)
	}
	if exit, ok := err.(*exec.ExitError); ok {
		return exit.ExitCode(), out
	} else if err != nil {
		w.t.Fatal(err)
	}
	return 0, out
}

// reg returns `reg query KEY [/v NAME]` output, or "" when the key or value
// does not exist.
func (w *winePrefix) reg(key string, value ...string) string {
	args := []string{"reg", "query", key}
	switch {
	case len(value) > 0 && value[0] == "":
		args = append(args, "/ve") // the key's default value
	case len(value) > 0:
		args = append(args, "/v", value[0])
	}
	code, out := w.run(time.Minute, args[0], args[1:]...)
	if code != 0 {
		return ""
	}
	return out
}

// goTest cross-compiles the tests of pkg for Windows and runs those
// matching run under wine. wine 8 does not implement the file
// disposition call Go's os.RemoveAll makes (it answers "Invalid
// function"), so a test whose only failure is t.TempDir's cleanup counts as
// passed; any other failure fails.
func (w *winePrefix) goTest(pkg, run string) {
	t := w.t
	t.Helper()
	bin := filepath.Join(t.TempDir(), strings.ReplaceAll(filepath.Base(pkg), ".", "_")+".test.exe")
	build := exec.Command("go", "test", "-c", "-o", bin, pkg)
	build.Dir = repoRoot
	build.Env = append(os.Environ(), "GOOS=windows", "GOARCH=amd64", "CGO_ENABLED=0")
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("go test -c %s for windows: %v\n%s", pkg, err, out)
	}
	_, out := w.run(5*time.Minute, bin, "-test.v", "-test.count=1", "-test.run", run)
	passed := regexp.MustCompile(`(?m)^--- PASS: `).FindAllString(out, -1)
	var real []string
	for _, block := range regexp.MustCompile(`(?ms)^=== RUN.*?^--- FAIL: [^\n]*`).FindAllString(out, -1) {
		for _, line := range strings.Split(block, "\n") {
			l := strings.TrimSpace(line)
			// wine's own notes ("wine: Read access denied for device
			// Z:", which its file dialog causes) are not test output.
			if l == "" || strings.HasPrefix(l, "=== ") || strings.HasPrefix(l, "--- ") || strings.HasPrefix(l, "wine: ") || strings.Contains(l, "TempDir RemoveAll cleanup") {
				continue
			}
			real = append(real, l)
		}
	}
	fails := regexp.MustCompile(`(?m)^--- FAIL: (\S+)`).FindAllStringSubmatch(out, -1)
	if len(real) > 0 || len(passed)+len(fails) == 0 || strings.Contains(out, "panic:") {
		t.Fatalf("%s under wine:\n%s", pkg, out)
	}
	t.Logf("%s under wine: %d passed, %d passed but for wine's RemoveAll", pkg, len(passed), len(fails))
}

// Hoist for Windows under wine: hoist.exe --version; Windows code paths
// (named pipe, Credential Manager, paths, files held open, the system's
// Open dialog) by their own
// tests cross-compiled and run under wine; a real multipart upload to
// MinIO, killed and resumed, byte-identical; the installer and
// uninstaller; the window.
func TestWindows(t *testing.T) {
	exe := artefact(t, "hoist-"+version+"-windows-amd64.exe")
	setup := artefact(t, "hoist-"+version+"-windows-amd64-setup.exe")
	w := newWinePrefix(t)

	t.Run("Version", func(t *testing.T) {
		w := *w
		w.t = t
		code, out := w.run(2*time.Minute, exe, "--version")
		if code != 0 || !regexpMatch(`^hoist `+quoteMeta(version)+` \(commit [0-9a-f]{7,}(-dirty)?\)\r?\n$`, out) {
			t.Fatalf("hoist.exe --version: exit %d, %q", code, out)
		}
		// The version resource the installer and Explorer show.
		info := runCmd(t, time.Minute, nil, "x86_64-w64-mingw32-objdump", "-p", exe)
		for _, want := range []string{"Subsystem\t\t00000002\t(Windows GUI)"} {
			if !strings.Contains(info, want) {
				t.Errorf("hoist.exe headers lack %q", want)
			}
		}
		raw, _ := os.ReadFile(exe)
		for _, want := range []string{"asInvoker", "longPathAware", "PerMonitorV2"} {
			if !bytes.Contains(raw, []byte(want)) {
				t.Errorf("hoist.exe's manifest lacks %s", want)
			}
		}
		if !bytes.Contains(raw, utf16("ProductVersion")) || !bytes.Contains(raw, utf16(version)) {
			t.Error("hoist.exe has no version resource with its version")
		}
	})

	t.Run("WindowsCodePaths", func(t *testing.T) {
		w := *w
		w.t = t
		w.goTest("./internal/instance", ".")
		w.goTest("./uploader", "Windows")
		w.goTest("./app/signin", "Windows")
		w.goTest("./internal/desktop", "Windows") // the Open dialog, driven
	})

	t.Run("SendKillResume", func(t *testing.T) {
		w := *w
		w.t = t
		sendKillResume(&w, exe)
	})

	t.Run("Installer", func(t *testing.T) {
		w := *w
		w.t = t
		installAndUninstall(&w, setup, func(installed string) {
			t.Run("WindowAndInvitationLink", func(t *testing.T) {
				w := w
				w.t = t
				windowUnderWine(&w, installed)
			})
		})
	})
}

// outFile collects a long-running program's output in a file (see
// outputToFile).
type outFile struct{ f *os.File }

func newOutFile(t *testing.T) *outFile {
	f, err := os.Create(filepath.Join(t.TempDir(), "output.txt"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { f.Close() })
	return &outFile{f}
}

func (o *outFile) String() string {
	b, _ := os.ReadFile(o.f.Name())
	return string(b)
}

func utf16(s string) []byte {
	var b []byte
	for _, r := range s {
		b = append(b, byte(r), 0)
	}
	return b
}

// sendKillResume sends a 12-part file through a slowed proxy, kills
// hoist.exe once some parts are stored, resumes, and compares the object.
func sendKillResume(w *winePrefix, exe string) {
	t := w.t
	ctx := context.Background()
	m := devstack.StartMinIOForTest(t)
	const bucket = "hoist"
	if err := m.CreateBucket(ctx, bucket); err != nil {
		t.Fatal(err)
	}
	proxy, err := faultproxy.New(m.Addr())
	if err != nil {
		t.Fatal(err)
	}
	defer proxy.Close()
	proxy.SetRate(8 << 20)

	dir := t.TempDir()
	const part, parts = 5 << 20, 12
	src := filepath.Join(dir, "big file.bin")
	data := make([]byte, parts*part+1234)
	for i := range data {
		data[i] = byte(i*7 + i>>13)
	}
	if err := os.WriteFile(src, data, 0o644); err != nil {
		t.Fatal(err)
	}
	cfg := filepath.Join(dir, "hoist.toml")
	if err := os.WriteFile(cfg, fmt.Appendf(nil, `[s3]
endpoint = %q
region = "us-east-1"
bucket = %q
path_style = true
access_key_id = %q
secret_access_key = %q

[upload]
key_prefix = "wine/"
part_size = "5MiB"
parallel_parts = 2
retry_max_wait = "500ms"
`, proxy.URL(), bucket, m.AccessKey, m.SecretKey), 0o644); err != nil {
		t.Fatal(err)
	}

	// Drive-letter paths, as Explorer would hand them over.
	cmd := w.command(dir, exe, "send", "--config", winPath(cfg), winPath(src))
	out := newOutFile(t)
	cmd.Stdout, cmd.Stderr = out.f, out.f
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()
	s3c := m.S3Client()
	key := "wine/big file.bin"
	var uploadID string
	storedParts := func() int {
		if uploadID == "" {
			l, err := s3c.ListMultipartUploads(ctx, &s3.ListMultipartUploadsInput{Bucket: aws.String(bucket), Prefix: aws.String(key)})
			if err != nil || len(l.Uploads) == 0 {
				return 0
			}
			uploadID = aws.ToString(l.Uploads[0].UploadId)
		}
		p, err := s3c.ListParts(ctx, &s3.ListPartsInput{Bucket: aws.String(bucket), Key: aws.String(key), UploadId: aws.String(uploadID)})
		if err != nil {
			return 0
		}
		return len(p.Parts)
	}
	if !pollUntil(3*time.Minute, func() bool {
		select {
		case err := <-exited:
			t.Fatalf("hoist.exe send ended before the kill (%v):\n%s", err, out.String())
		default:
		}
		return storedParts() >= 3
	}) {
		cmd.Process.Kill()
		t.Fatalf("no 3 parts stored within 3 minutes:\n%s", out.String())
	}
	cmd.Process.Kill() // SIGKILL of the Windows process: no chance to tidy up
	<-exited
	atKill := storedParts()
	if atKill >= parts+1 {
		t.Fatalf("the upload finished before the kill")
	}
	journal := filepath.Join(w.appDir, "Hoist", "journal.db")
	if _, err := os.Stat(journal); err != nil {
		t.Fatalf("no journal in %%LocalAppData%%\\Hoist: %v", err)
	}

	proxy.SetRate(0)
	up := proxy.BytesUp()
	code, rout := w.run(5*time.Minute, exe, "resume", "--config", winPath(cfg))
	if code != 0 {
		t.Fatalf("hoist.exe resume: exit %d\n%s\nsend's output:\n%s", code, rout, out.String())
	}
	obj, err := s3c.GetObject(ctx, &s3.GetObjectInput{Bucket: aws.String(bucket), Key: aws.String(key)})
	if err != nil {
		t.Fatalf("get %s: %v\n%s", key, err, rout)
	}
	got, _ := io.ReadAll(obj.Body)
	obj.Body.Close()
	if sha256.Sum256(got) != sha256.Sum256(data) {
		t.Fatalf("%s: %d stored bytes differ from the %d-byte source", key, len(got), len(data))
	}
	resent := proxy.BytesUp() - up
	if missing := int64(parts+1-atKill)*part + 1<<20; resent > missing {
		t.Errorf("resume sent %d bytes; only %d parts were missing", resent, parts+1-atKill)
	}
	t.Logf("killed with %d of %d parts stored; resume sent %.1f MiB; object byte-identical", atKill, parts+1, float64(resent)/(1<<20))
}

// installAndUninstall runs the installer silently, checks what it wrote,
// uninstalls (keeping the data), reinstalls and uninstalls with
// /REMOVEDATA.
func installAndUninstall(w *winePrefix, setup string, whileInstalled func(exe string)) {
	t := w.t
	instDir := filepath.Join(w.appDir, "Programs", "Hoist")
	startMenu := filepath.Join(w.drive, "users", w.user, "AppData", "Roaming", "Microsoft", "Windows", "Start Menu", "Programs", "Hoist.lnk")
	dataDir := filepath.Join(w.appDir, "Hoist")
	if err := os.MkdirAll(dataDir, 0o755); err != nil {
		t.Fatal(err)
	}
	keep := filepath.Join(dataDir, "kept-by-uninstall.txt")
	if err := os.WriteFile(keep, []byte("the user's data"), 0o644); err != nil {
		t.Fatal(err)
	}
	const classes = `HKCU\Software\Classes\hoist`
	const uninst = `HKCU\Software\Microsoft\Windows\CurrentVersion\Uninstall\org.hoist.Hoist`

	install := func() {
		t.Helper()
		if code, out := w.run(3*time.Minute, setup, "/S"); code != 0 {
			t.Fatalf("setup /S: exit %d\n%s", code, out)
		}
		for _, f := range []string{filepath.Join(instDir, "hoist.exe"), filepath.Join(instDir, "uninstall.exe"), startMenu} {
			if _, err := os.Stat(f); err != nil {
				t.Errorf("the installer did not write %s", f)
			}
		}
		if out := w.reg(classes, "URL Protocol"); out == "" {
			t.Errorf("no %s URL Protocol", classes)
		}
		cmd := w.reg(classes+`\shell\open\command`, "")
		if !strings.Contains(cmd, `\Programs\Hoist\hoist.exe" "%1"`) {
			t.Errorf("hoist: opens with %q", cmd)
		}
		if out := w.reg(uninst, "DisplayVersion"); !strings.Contains(out, version) {
			t.Errorf("Apps entry: %q", out)
		}
		if out := w.reg(uninst, "QuietUninstallString"); !strings.Contains(out, `uninstall.exe" /S`) {
			t.Errorf("Apps entry's QuietUninstallString: %q", out)
		}
	}
	// The uninstaller copies itself away and returns at once (NSIS):
	// wait for what it removes.
	uninstall := func(args ...string) {
		t.Helper()
		if code, out := w.run(3*time.Minute, filepath.Join(instDir, "uninstall.exe"), append([]string{"/S"}, args...)...); code != 0 {
			t.Fatalf("uninstall /S: exit %d\n%s", code, out)
		}
		if !pollUntil(2*time.Minute, func() bool {
			_, err := os.Stat(instDir)
			return os.IsNotExist(err) && w.reg(uninst) == ""
		}) {
			t.Fatalf("the uninstaller left %s or %s", instDir, uninst)
		}
		if _, err := os.Stat(startMenu); !os.IsNotExist(err) {
			t.Errorf("the uninstaller left the Start menu entry")
		}
		if w.reg(classes) != "" {
			t.Errorf("the uninstaller left %s", classes)
		}
	}

	install()
	// The installed program runs (from its installed place).
	if code, out := w.run(2*time.Minute, filepath.Join(instDir, "hoist.exe"), "--version"); code != 0 || !strings.Contains(out, version) {
		t.Errorf("installed hoist.exe --version: %d %q", code, out)
	}
	whileInstalled(filepath.Join(instDir, "hoist.exe"))
	uninstall()
	if _, err := os.Stat(keep); err != nil {
		t.Fatalf("the uninstaller removed the user's data without being asked: %v", err)
	}
	install()
	uninstall("/REMOVEDATA")
	if !pollUntil(time.Minute, func() bool { _, err := os.Stat(dataDir); return os.IsNotExist(err) }) {
		t.Fatal("uninstall /REMOVEDATA kept the data folder")
	}
}

// windowUnderWine opens the installed Hoist's window under wine and Xvfb,
// saves a screenshot and fails unless the window draws something; then it
// opens a hoist://join link the way Windows does for a clicked link (`start
// URL`: the shell looks up the scheme the installer registered), and the
// running window must get it through the named pipe and ask to confirm.
func windowUnderWine(w *winePrefix, exe string) {
	t := w.t
	cmd := w.command(t.TempDir(), exe)
	out := newOutFile(t)
	cmd.Stdout, cmd.Stderr = out.f, out.f
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	exited := make(chan struct{})
	go func() { cmd.Wait(); close(exited) }()
	defer func() { cmd.Process.Kill(); <-exited }()
	hoistLog := filepath.Join(w.appDir, "Hoist", "hoist.log")
	defer func() {
		if t.Failed() {
			b, _ := os.ReadFile(hoistLog)
			t.Logf("window output:\n%s\nhoist.log:\n%s", out.String(), b)
		}
	}()
	id := w.x.waitWindow("^Hoist", 3*time.Minute)
	geo := w.x.geometry(id)
	var n int
	drawn := pollUntil(time.Minute, func() bool {
		n = colours(w.x.screenshot("wine-window.png"), geo)
		return n > 20
	})
	if !drawn {
		t.Errorf("Hoist's window under wine (%v) shows %d colours: wine's OpenGL did not draw it (artifacts/packaging/wine-window.png)", geo, n)
	} else {
		t.Logf("window under wine: %v, %d colours (artifacts/packaging/wine-window.png)", geo, n)
	}

	stack := devstack.StartSignInStackForTest(t, devstack.OIDCOptions{})
	link := "hoist://join?org=" + url.QueryEscape(stack.DescriptorURL)
	// A clicked link runs the command the installer registered for hoist:
	// (Windows finds it in HKCU\Software\Classes through HKEY_CLASSES_ROOT;
	// wine 8 does not merge the user's classes into HKEY_CLASSES_ROOT, so
	// `start hoist://…` cannot find it there: run the registered command
	// line the way the shell would).
	reg := w.reg(`HKCU\Software\Classes\hoist\shell\open\command`, "")
	m := regexp.MustCompile(`REG_SZ\s+"([^"]+)" "%1"`).FindStringSubmatch(reg)
	if m == nil {
		t.Fatalf("hoist: has no open command of the form \"EXE\" \"%%1\": %q", reg)
	}
	code, sout := w.run(2*time.Minute, m[1], link)
	if code != 0 || !strings.Contains(sout, "Confirm the organisation in Hoist's window") {
		t.Fatalf("%s %s: exit %d\n%s", m[1], link, code, sout)
	}
	if !pollUntil(time.Minute, func() bool {
		b, _ := os.ReadFile(hoistLog)
		return strings.Contains(string(b), "asking the customer to confirm") && strings.Contains(string(b), stack.DescriptorURL)
	}) {
		t.Fatal("the running window never got the link")
	}
	time.Sleep(time.Second)
	w.x.screenshot("wine-invitation-confirm.png")
	select {
	case <-exited:
		t.Fatal("the window exited")
	default:
	}
}
