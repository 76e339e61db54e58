package app

// hoist login / whoami / send / logout as a user runs them: the real
// binary, whose system-browser opener (xdg-open) hands the sign-in link to
// a headless Chromium.

import (
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"hoist/app/config"
	"hoist/devstack"
)

// hoistBinary returns $HOIST_BIN (make test builds it) or builds one.
func hoistBinary(t *testing.T) string {
	t.Helper()
	if bin := os.Getenv("HOIST_BIN"); bin != "" {
		return bin
	}
	root, err := devstack.RepoRoot()
	if err != nil {
		t.Fatal(err)
	}
	bin := filepath.Join(t.TempDir(), "hoist")
	cmd := exec.Command("go", "build", "-o", bin, ".")
	cmd.Dir = root
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("build hoist: %v\n%s", err, out)
	}
	return bin
}

// fakeXDGOpen puts an xdg-open first on PATH that appends each URL it is
// given to a file, and returns the PATH value and the file.
func fakeXDGOpen(t *testing.T) (path, urls string) {
	t.Helper()
	dir := t.TempDir()
	urls = filepath.Join(dir, "urls")
	script := fmt.Sprintf("#!/bin/sh\nprintf '%%s\\n' \"$1\" >> %q\n", urls)
	if err := os.WriteFile(filepath.Join(dir, "xdg-open"), []byte(script), 0o755); err != nil {
		t.Fatal(err)
	}
	return dir + string(os.PathListSeparator) + os.Getenv("PATH"), urls
}

// nextURL waits for the n-th URL (1-based) the fake xdg-open received.
func nextURL(t *testing.T, urls string, n int) string {
	t.Helper()
	deadline := time.Now().Add(time.Minute)
	for time.Now().Before(deadline) {
		data, _ := os.ReadFile(urls)
		lines := strings.Split(strings.TrimSpace(string(data)), "\n")
		if len(lines) >= n && lines[n-1] != "" {
			return lines[n-1]
		}
		time.Sleep(20 * time.Millisecond)
	}
	t.Fatalf("Hoist never opened a browser (URL %d)", n)
	return ""
}

func TestCLILoginWhoamiSendLogout(t *testing.T) {
	w := newSignInWorld(t, devstack.OIDCOptions{})
	bin := hoistBinary(t)
	path, urls := fakeXDGOpen(t)
	run := func(args ...string) (*exec.Cmd, *bytes.Buffer, *bytes.Buffer) {
		full := append([]string{args[0], "--config", w.config, "--data-dir", w.dataDir}, args[1:]...)
		cmd := exec.Command(bin, full...)
		cmd.Env = append(os.Environ(), "PATH="+path, "HOIST_CONFIG=", "HOIST_DATA_DIR=", "DBUS_SESSION_BUS_ADDRESS=")
		var out, errOut bytes.Buffer
		cmd.Stdout, cmd.Stderr = &out, &errOut
		return cmd, &out, &errOut
	}
	finish := func(cmd *exec.Cmd, out, errOut *bytes.Buffer) int {
		t.Helper()
		err := cmd.Wait()
		if exit, ok := err.(*exec.ExitError); ok {
			return exit.ExitCode()
		} else if err != nil {
			t.Fatal(err)
		}
		return 0
	}
	exec1 := func(args ...string) (int, string, string) {
		t.Helper()
		cmd, out, errOut := run(args...)
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		return finish(cmd, out, errOut), out.String(), errOut.String()
	}

	if code, _, errOut := exec1("whoami"); code != 1 || !strings.Contains(errOut, "Not signed in") {
		t.Fatalf("whoami before login: %d %s", code, errOut)
	}

	login, out, errOut := run("login")
	if err := login.Start(); err != nil {
		t.Fatal(err)
	}
	authURL := nextURL(t, urls, 1)
	page, err := w.browser.SignIn(authURL, devstack.DemoUser, devstack.DemoPassword)
	if err != nil {
		t.Fatal(err)
	}
	if code := finish(login, out, errOut); code != 0 || !strings.Contains(errOut.String(), "Signed in as Alice Example") {
		t.Fatalf("login: %d %s %s (page %q)", code, out, errOut, page)
	}
	if !strings.Contains(errOut.String(), authURL) {
		t.Fatalf("login does not show the link to copy: %s", errOut)
	}

	sub := devstack.SubjectFor(devstack.DemoUser)
	if code, out, _ := exec1("whoami"); code != 0 || !strings.Contains(out, "Alice Example") || !strings.Contains(out, sub) {
		t.Fatalf("whoami: %d %s", code, out)
	}

	src := writeFile(t, 7<<20)
	if code, out, errOut := exec1("send", src); code != 0 {
		t.Fatalf("send: %d %s %s", code, out, errOut)
	}
	key := "uploads/" + sub + "/" + filepath.Base(src)
	want, _ := os.ReadFile(src)
	if got := adminGet(t, w.stack.MinIO, key); !bytes.Equal(got, want) {
		t.Fatal("the stored object differs from the file")
	}

	if code, out, errOut := exec1("logout"); code != 0 || !strings.Contains(out, "Signed out") {
		t.Fatalf("logout: %d %s %s", code, out, errOut)
	}
	if code, _, errOut := exec1("whoami"); code != 1 || !strings.Contains(errOut, "Not signed in") {
		t.Fatalf("whoami after logout: %d %s", code, errOut)
	}
}

// The built-in configuration must point at what `make devstack` starts.
func TestEmbeddedDefaultMatchesDevStack(t *testing.T) {
	cfg := config.Default()
	if got, want := cfg.Signin.RoleARN, devstack.RoleARN(devstack.DefaultClientID, ""); got != want {
		t.Errorf("role_arn %q, dev stack MinIO's role is %q", got, want)
	}
	if cfg.Signin.ClientID != devstack.DefaultClientID || cfg.S3.Bucket != devstack.DefaultBucket {
		t.Errorf("client %q bucket %q", cfg.Signin.ClientID, cfg.S3.Bucket)
	}
	if cfg.Signin.STSEndpoint != cfg.S3.Endpoint {
		t.Errorf("STS %q is not MinIO %q", cfg.Signin.STSEndpoint, cfg.S3.Endpoint)
	}
}
