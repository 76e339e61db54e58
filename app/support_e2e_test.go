package app

import (
	"bytes"
	"encoding/json"
	"fmt"
	"image"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"hoist/app/support"
	"hoist/devstack"
	"hoist/internal/browsertest"
)

// The support desk end to end, through the real binary, MinIO, the OIDC
// provider and Chromium: a customer sends a batch in which one file fails;
// staff (in the CLI and in the window) see the batch, the failure and its
// reason code, and ask for the file again; the customer's window shows the
// request and re-sends with one click; staff see the request fulfilled and
// download the file with a verified checksum.
func TestSupportDeskEndToEnd(t *testing.T) {
	tools := lookupXTools(t)
	stack := devstack.StartSignInStackForTest(t, devstack.OIDCOptions{})
	bin := hoistBinary(t)
	path, urls := fakeXDGOpen(t)
	arts := newWindowArtifacts(t)
	admin := stack.MinIO.S3Client()
	cfg := filepath.Join(t.TempDir(), "hoist.toml")
	cfgText := fmt.Sprintf(`[organisation]
name = "Acme Research"

[s3]
endpoint = %q
region = "us-east-1"
bucket = %q
path_style = true

[upload]
key_prefix = "uploads/{sub}/"
part_size = "5MiB"
multipart_threshold = "5MiB"
parallel_files = 1
parallel_parts = 1
retry_max_wait = "1s"

[signin]
issuer = %q
client_id = %q
role_arn = %q
sts_endpoint = %q

[support]
staff_groups = [%q]
customers_prefix = "uploads/"
request_poll = "10s"
`, stack.MinIO.Endpoint, stack.Bucket, stack.OIDC.Issuer, stack.OIDC.ClientID, stack.RoleARN, stack.STSEndpoint, devstack.StaffGroup)
	if err := os.WriteFile(cfg, []byte(cfgText), 0o600); err != nil {
		t.Fatal(err)
	}
	aliceData, samData := filepath.Join(t.TempDir(), "alice"), filepath.Join(t.TempDir(), "sam")
	hoist := func(data string, args ...string) *exec.Cmd {
		full := append([]string{args[0], "--config", cfg, "--data-dir", data}, args[1:]...)
		cmd := exec.Command(bin, full...)
		cmd.Env = append(os.Environ(), "PATH="+path, "HOIST_CONFIG=", "HOIST_DATA_DIR=", "DBUS_SESSION_BUS_ADDRESS=")
		return cmd
	}
	run := func(data string, args ...string) (int, string, string) {
		t.Helper()
		cmd := hoist(data, args...)
		var out, errOut bytes.Buffer
		cmd.Stdout, cmd.Stderr = &out, &errOut
		err := cmd.Run()
		code := 0
		if exit, ok := err.(*exec.ExitError); ok {
			code = exit.ExitCode()
		} else if err != nil {
			t.Fatal(err)
		}
		return code, out.String(), errOut.String()
	}
	logins := 0
	login := func(data, user, password string) {
		t.Helper()
		browser, err := browsertest.Start(t.Context()) // a fresh browser: no provider session of someone else
		if err != nil {
			t.Fatal(err)
		}
		defer browser.Close()
		cmd := hoist(data, "login")
		var errOut bytes.Buffer
		cmd.Stderr = &errOut
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		logins++
		if _, err := browser.SignIn(nextURL(t, urls, logins), user, password); err != nil {
			t.Fatal(err)
		}
		if err := cmd.Wait(); err != nil {
			t.Fatalf("login %s: %v %s", user, err, errOut.String())
		}
	}

	// The customer sends a big file and a small one; the small one is gone
	// when its turn comes (deleted while the big one uploads).
	login(aliceData, devstack.DemoUser, devstack.DemoPassword)
	sub := devstack.SubjectFor(devstack.DemoUser)
	root := "uploads/" + sub + "/"
	dir := t.TempDir()
	big := filepath.Join(dir, "survey.bin")
	if err := os.Rename(writeFile(t, 24<<20), big); err != nil {
		t.Fatal(err)
	}
	small := filepath.Join(dir, "scan-07.tif")
	smallData := []byte(strings.Repeat("scan 7 ", 3000))
	if err := os.WriteFile(small, smallData, 0o644); err != nil {
		t.Fatal(err)
	}
	mtime := time.Now().Add(-time.Hour).Truncate(time.Second)
	if err := os.Chtimes(small, mtime, mtime); err != nil {
		t.Fatal(err)
	}
	// At 40 Mbit/s the big file takes about five seconds: time to see its
	// upload start and take the small one away.
	send := hoist(aliceData, "send", "--max-rate", "40Mbit", big, small)
	var sendOut bytes.Buffer
	send.Stdout, send.Stderr = &sendOut, &sendOut
	if err := send.Start(); err != nil {
		t.Fatal(err)
	}
	if !pollUntil(time.Minute, func() bool { return uploadStarted(admin, root+"survey.bin") }) {
		t.Fatalf("the big file never started: %s", sendOut.String())
	}
	if err := os.Remove(small); err != nil {
		t.Fatal(err)
	}
	err := send.Wait()
	if exit, ok := err.(*exec.ExitError); !ok || exit.ExitCode() != 1 {
		t.Fatalf("send with a vanished file: %v\n%s", err, sendOut.String())
	}

	// Staff, in the CLI: the batch, its failure and the reason code.
	login(samData, devstack.StaffUser, devstack.StaffPassword)
	code, out, errOut := run(samData, "support", "batches", "--failed", "--json")
	if code != 0 {
		t.Fatalf("support batches: %d %s", code, errOut)
	}
	var batches []support.Batch
	if err := json.Unmarshal([]byte(out), &batches); err != nil {
		t.Fatalf("%v: %s", err, out)
	}
	if len(batches) != 1 || batches[0].Customer != sub || batches[0].Receipt.Sender.Email != "alice@example.com" {
		t.Fatalf("batches: %s", out)
	}
	rc := batches[0].Receipt
	var failedCode string
	for _, f := range rc.Files {
		if f.Path == "scan-07.tif" {
			failedCode = f.Code
		}
	}
	if rc.Summary.Files != 2 || rc.Summary.Done != 1 || failedCode != "file_missing" {
		t.Fatalf("receipt: %+v", rc)
	}
	if code, out, _ := run(samData, "support", "batches"); code != 0 || !strings.Contains(out, "file_missing") || !strings.Contains(out, "alice@example.com") {
		t.Errorf("support batches (text): %d %s", code, out)
	}
	// The customer cannot do what staff do.
	if code, _, errOut := run(aliceData, "support", "batches"); code == 0 || !strings.Contains(errOut, "not support staff") {
		t.Errorf("a customer listed batches: %d %s", code, errOut)
	}

	// Staff, in the window: the Support tab lists the batch.
	xs := startXvfb(t, tools)
	startHoistWindow(t, xs, bin, cfg, samData, path)
	xs.hoist = xs.waitWindow("^Hoist")
	var dropTop int
	xs.waitFor("the staff's uploads screen", func(s *xShot) bool { var ok bool; dropTop, ok = s.dropZoneTop(); return ok })
	tab, ok := xs.screenshot().selectedTab(dropTop)
	if !ok {
		t.Fatal("cannot find the selected tab")
	}
	supportTab := image.Pt(tab.Max.X+tab.Dx()*3/2, tab.Min.Y-12)
	if !pollUntil(time.Minute, func() bool { return logHas(samData, "support tab shown") }) {
		t.Fatalf("the staff window never knew sam is staff:\n%s", readLog(samData))
	}
	time.Sleep(time.Second) // the tab is added on the UI goroutine
	for attempt := 1; ; attempt++ {
		xs.click(supportTab)
		if pollUntil(15*time.Second, func() bool { return logHas(samData, "support batches listed") }) {
			break
		}
		if attempt == 4 {
			t.Fatal("clicking the Support tab did not list the batches")
		}
	}
	xs.movePointerAway()
	shot := xs.waitFor("the Support tab", func(s *xShot) bool { _, drop := s.dropZoneTop(); return !drop })
	// The batch's row, under the filters: its files, what failed and why.
	xs.click(image.Pt(shot.win.Min.X+150, tab.Max.Y+60))
	xs.movePointerAway()
	time.Sleep(time.Second)
	arts.save(t, "support-tab.png", xs.screenshot().window())
	if !logHas(samData, "support batches listed", "batches=1") {
		t.Errorf("the staff window listed no batch:\n%s", readLog(samData))
	}

	// Staff ask for the failed file again.
	if code, out, errOut := run(samData, "support", "ask", sub, "--batch", rc.Batch); code != 0 || !strings.Contains(out, "scan-07.tif") {
		t.Fatalf("support ask: %d %s %s", code, out, errOut)
	}

	// The customer puts the file back as it was; their window shows the
	// request and re-sends it with one click.
	if err := os.WriteFile(small, smallData, 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Chtimes(small, mtime, mtime); err != nil {
		t.Fatal(err)
	}
	xc := startXvfb(t, tools)
	startHoistWindow(t, xc, bin, cfg, aliceData, path)
	xc.hoist = xc.waitWindow("^Hoist")
	var sendAgain image.Point
	shot = xc.waitFor("the re-send banner", func(s *xShot) bool {
		var ok bool
		sendAgain, ok = s.bannerButton()
		return ok
	})
	arts.save(t, "resend-banner.png", shot.window())
	key := root + "scan-07.tif"
	for attempt := 1; ; attempt++ {
		xc.click(sendAgain)
		if pollUntil(30*time.Second, func() bool { return objectExists(admin, key) }) {
			break
		}
		if attempt == 3 {
			t.Fatalf("clicking the banner's button sent nothing:\n%s", readLog(aliceData))
		}
	}
	xc.movePointerAway()
	arts.save(t, "resend-sent.png", xc.screenshot().window())
	if got := adminGet(t, stack.MinIO, key); !bytes.Equal(got, smallData) {
		t.Fatal("the re-sent file differs")
	}

	// Staff see the request fulfilled, and download the file verified.
	var reqs []struct {
		support.Request
		Key    string          `json:"key"`
		Answer *support.Answer `json:"answer"`
	}
	if !pollUntil(time.Minute, func() bool {
		code, out, _ := run(samData, "support", "requests", sub, "--json")
		return code == 0 && json.Unmarshal([]byte(out), &reqs) == nil && len(reqs) == 1 && reqs[0].Answer != nil
	}) {
		t.Fatalf("the request was never fulfilled: %+v\n%s", reqs, readLog(aliceData))
	}
	if reqs[0].Answer.Batch == rc.Batch || reqs[0].Answer.Files != 1 {
		t.Errorf("answer %+v", reqs[0].Answer)
	}
	if code, out, _ := run(samData, "support", "requests"); code != 0 || !strings.Contains(out, "fulfilled") {
		t.Errorf("support requests: %s", out)
	}
	dest := t.TempDir()
	if code, out, errOut := run(samData, "support", "download", key, dest); code != 0 || !strings.Contains(out, "matches the stored checksum") {
		t.Fatalf("support download: %d %s %s", code, out, errOut)
	}
	if got, _ := os.ReadFile(filepath.Join(dest, "scan-07.tif")); !bytes.Equal(got, smallData) {
		t.Error("the downloaded file differs")
	}
	code, out, errOut = run(samData, "support", "link", root+"survey.bin", "--expires", "5m")
	if code != 0 || !strings.Contains(out, "works until") {
		t.Fatalf("support link: %d %s %s", code, out, errOut)
	}
	resp, err := http.Get(strings.SplitN(out, "\n", 2)[0])
	if err != nil {
		t.Fatal(err)
	}
	n, _ := io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 200 || n != 24<<20 {
		t.Errorf("the link gave HTTP %d, %d bytes", resp.StatusCode, n)
	}
	// The newest receipts: the original batch and the re-send, which
	// answers the request.
	code, out, _ = run(samData, "support", "batches", "--json", "--customer", "alice")
	if err := json.Unmarshal([]byte(out), &batches); code != 0 || err != nil || len(batches) != 2 || batches[0].Receipt.Request != reqs[0].Key {
		t.Errorf("batches after the re-send: %s", out)
	}
}

// bannerButton finds a solid block of the primary colour at least 120 px
// wide and 25 px high in the upper half of the window: the re-send
// banner's button.
func (s *xShot) bannerButton() (image.Point, bool) {
	upper := *s
	upper.win.Max.Y = s.win.Min.Y + s.win.Dy()/2
	return upper.signInButton()
}

// logHas reports whether one line of hoist.log in data holds every part.
func logHas(data string, parts ...string) bool {
	for _, line := range strings.Split(readLog(data), "\n") {
		all := true
		for _, p := range parts {
			all = all && strings.Contains(line, p)
		}
		if all {
			return true
		}
	}
	return false
}

func readLog(data string) string {
	b, _ := os.ReadFile(filepath.Join(data, logFileName))
	return string(b)
}
