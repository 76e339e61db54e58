package app

// STS that refuses or stumbles, through the real binary: MinIO's STS
// trusting the real dev OpenID provider, a real Chromium signing in, and the
// test's own xdg-open counting how often Hoist opens the browser.

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"os"
	"os/exec"
	"strings"
	"sync"
	"testing"
	"time"

	"hoist/devstack"
)

// cliRun is one run of the binary against a sign-in world, with the test's
// xdg-open first on PATH.
type cliRun struct {
	t        *testing.T
	cmd      *exec.Cmd
	out, err bytes.Buffer
}

// startCLI starts `hoist <args>` with w's config and data folder.
func startCLI(t *testing.T, w *signInWorld, path string, args ...string) *cliRun {
	t.Helper()
	full := append([]string{args[0], "--config", w.config, "--data-dir", w.dataDir}, args[1:]...)
	r := &cliRun{t: t, cmd: exec.Command(hoistBinary(t), full...)}
	r.cmd.Env = append(os.Environ(), "PATH="+path, "HOIST_CONFIG=", "HOIST_DATA_DIR=", "DBUS_SESSION_BUS_ADDRESS=")
	r.cmd.Stdout, r.cmd.Stderr = &r.out, &r.err
	if err := r.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if r.cmd.ProcessState == nil {
			_ = r.cmd.Process.Kill()
			_ = r.cmd.Wait()
		}
	})
	return r
}

// wait waits for the run to end, at most limit, and returns its exit code.
func (r *cliRun) wait(limit time.Duration) int {
	r.t.Helper()
	done := make(chan error, 1)
	go func() { done <- r.cmd.Wait() }()
	select {
	case err := <-done:
		if exit, ok := err.(*exec.ExitError); ok {
			return exit.ExitCode()
		} else if err != nil {
			r.t.Fatal(err)
		}
		return 0
	case <-time.After(limit):
		_ = r.cmd.Process.Kill()
		<-done
		r.t.Fatalf("still running after %s\nstdout:\n%s\nstderr:\n%s", limit, &r.out, &r.err)
		return -1
	}
}

// openedURLs is what the test's xdg-open was given so far.
func openedURLs(urls string) []string {
	data, _ := os.ReadFile(urls)
	return strings.Fields(string(data))
}

// setConfig replaces old by new in w's config file.
func (w *signInWorld) setConfig(old, new string) {
	w.t.Helper()
	data, err := os.ReadFile(w.config)
	if err != nil {
		w.t.Fatal(err)
	}
	if !bytes.Contains(data, []byte(old)) {
		w.t.Fatalf("config has no %q", old)
	}
	if err := os.WriteFile(w.config, bytes.Replace(data, []byte(old), []byte(new), 1), 0o600); err != nil {
		w.t.Fatal(err)
	}
}

// A role the store does not know: STS refuses the fresh sign-in. Hoist says
// so plainly, names STS's code, keeps STS's message for support, and opens
// the browser once — for the sign-in the person asked for.
func TestCLISendWhenSTSRefusesTheRole(t *testing.T) {
	w := newSignInWorld(t, devstack.OIDCOptions{})
	w.setConfig(fmt.Sprintf("role_arn = %q", w.stack.RoleARN), `role_arn = "arn:minio:iam:::role/not-this-one"`)
	path, urls := fakeXDGOpen(t)
	src := writeFile(t, 7<<20)
	second := writeFile(t, 1<<10)

	run := startCLI(t, w, path, "send", src, second)
	if _, err := w.browser.SignIn(nextURL(t, urls, 1), devstack.DemoUser, devstack.DemoPassword); err != nil {
		t.Fatal(err)
	}
	code := run.wait(3 * time.Minute)
	all := run.out.String() + run.err.String()
	t.Logf("hoist send:\n%s", all)
	if code != 1 {
		t.Errorf("exit code %d, want 1", code)
	}
	if n := len(openedURLs(urls)); n != 1 {
		t.Errorf("the browser was opened %d times, want once", n)
	}
	const plain = "Your organisation's storage does not accept this sign-in. Tell your IT support: InvalidParameterValue"
	if strings.Count(all, plain) != 2 {
		t.Errorf("want the plain sentence for each of the two files")
	}
	if strings.Contains(all, "expired") {
		t.Error("an STS refusal was called an expired sign-in")
	}

	// History keeps STS's own message for support.
	hist := startCLI(t, w, path, "history", "--failed", "--json")
	if code := hist.wait(time.Minute); code != 0 {
		t.Fatalf("history: %d %s", code, &hist.err)
	}
	var entries []historyJSON
	if err := json.Unmarshal(hist.out.Bytes(), &entries); err != nil {
		t.Fatalf("%v: %s", err, &hist.out)
	}
	if len(entries) != 2 {
		t.Fatalf("%d failed uploads in history, want 2", len(entries))
	}
	for _, e := range entries {
		if e.Reason != plain || !strings.Contains(e.Detail, "AssumeRoleWithWebIdentity") || !strings.Contains(e.Detail, "InvalidParameterValue") {
			t.Errorf("history entry: reason %q detail %q", e.Reason, e.Detail)
		}
	}
}

// historyJSON is the part of `hoist history --json` these tests read.
type historyJSON struct {
	State  string `json:"state"`
	Reason string `json:"reason"`
	Detail string `json:"detail"`
}

// flakySTS is a reverse proxy in front of MinIO's STS that answers the
// first requests with errors (5xx, then Throttling, then 429), as an
// overloaded or rate-limited STS does, and then lets them through.
type flakySTS struct {
	srv   *httptest.Server
	mu    sync.Mutex
	seen  int
	fails int
}

func newFlakySTS(t *testing.T, target string, fails int) *flakySTS {
	t.Helper()
	u, err := url.Parse(target)
	if err != nil {
		t.Fatal(err)
	}
	f := &flakySTS{fails: fails}
	proxy := httputil.NewSingleHostReverseProxy(u)
	f.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		f.mu.Lock()
		f.seen++
		n := f.seen
		f.mu.Unlock()
		switch {
		case n > f.fails:
			proxy.ServeHTTP(w, r)
		case n <= f.fails/3:
			stsError(w, http.StatusServiceUnavailable, "ServiceUnavailable", "Service is unavailable")
		case n <= 2*f.fails/3:
			stsError(w, http.StatusBadRequest, "Throttling", "Rate exceeded")
		default:
			w.Header().Set("Retry-After", "1")
			stsError(w, http.StatusTooManyRequests, "TooManyRequestsException", "Too many requests")
		}
	}))
	t.Cleanup(f.srv.Close)
	return f
}

func (f *flakySTS) requests() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.seen
}

func stsError(w http.ResponseWriter, status int, code, msg string) {
	w.Header().Set("Content-Type", "text/xml")
	w.WriteHeader(status)
	fmt.Fprintf(w, `<ErrorResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/"><Error><Type>Sender</Type><Code>%s</Code><Message>%s</Message></Error><RequestId>test</RequestId></ErrorResponse>`, code, msg)
}

// An STS that is overloaded, then throttles, for a while: Hoist waits and
// retries with backoff, and the upload arrives without a new sign-in.
func TestCLISendThroughAThrottledSTS(t *testing.T) {
	w := newSignInWorld(t, devstack.OIDCOptions{})
	// 30 failed STS requests: more than the three renewal attempts that
	// once led to "sign in again" use (3 to 9 requests each, with the SDK's
	// own retries), fewer than the engine's backoff allows.
	sts := newFlakySTS(t, w.stack.STSEndpoint, 30)
	w.setConfig(fmt.Sprintf("sts_endpoint = %q", w.stack.STSEndpoint), fmt.Sprintf("sts_endpoint = %q", sts.srv.URL))
	path, urls := fakeXDGOpen(t)
	src := writeFile(t, 7<<20)

	run := startCLI(t, w, path, "send", src)
	if _, err := w.browser.SignIn(nextURL(t, urls, 1), devstack.DemoUser, devstack.DemoPassword); err != nil {
		t.Fatal(err)
	}
	code := run.wait(5 * time.Minute)
	all := run.out.String() + run.err.String()
	t.Logf("hoist send:\n%s", all)
	if code != 0 {
		t.Fatalf("exit code %d, want 0", code)
	}
	if n := len(openedURLs(urls)); n != 1 {
		t.Errorf("the browser was opened %d times, want once", n)
	}
	if strings.Contains(all, "expired") || strings.Contains(all, "sign in again") {
		t.Error("a throttled STS was taken for an expired sign-in")
	}
	if n := sts.requests(); n <= 30 {
		t.Fatalf("STS saw %d requests: the failures were not all used", n)
	}
	want, _ := os.ReadFile(src)
	key := "uploads/" + devstack.SubjectFor(devstack.DemoUser) + "/" + fileBase(src)
	if got := adminGet(t, w.stack.MinIO, key); !bytes.Equal(got, want) {
		t.Fatal("the stored object differs from the file")
	}
}

func fileBase(p string) string { return p[strings.LastIndexByte(p, '/')+1:] }
