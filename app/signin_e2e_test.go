package app

// End-to-end tests of sign-in and credentials with the real parts: the
// oidc-provider dev server, MinIO as STS, and headless Chromium playing the
// person at the system browser.

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"math/rand/v2"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"

	"hoist/app/signin"
	"hoist/devstack"
	"hoist/internal/browsertest"
	"hoist/uploader"
	"hoist/uploader/journal"
)

// chromiumOpener is the "system browser" of these tests: it hands each URL
// Hoist opens to act, which drives a real headless Chromium.
type chromiumOpener struct {
	t   *testing.T
	act func(url string)
}

func (o chromiumOpener) Open(url string) error {
	go o.act(url)
	return nil
}

// signInWorld is a sign-in stack and a Hoist config for it.
type signInWorld struct {
	t       *testing.T
	stack   *devstack.SignInStack
	browser *browsertest.Browser
	config  string
	dataDir string
}

func newSignInWorld(t *testing.T, opts devstack.OIDCOptions) *signInWorld {
	t.Helper()
	stack := devstack.StartSignInStackForTest(t, opts)
	browser, err := browsertest.Start(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(browser.Close)
	w := &signInWorld{t: t, stack: stack, browser: browser, dataDir: filepath.Join(t.TempDir(), "data")}
	w.config = filepath.Join(t.TempDir(), "hoist.toml")
	cfg := fmt.Sprintf(`[s3]
endpoint = %q
region = "us-east-1"
bucket = %q
path_style = true

[upload]
key_prefix = "uploads/{sub}/"
part_size = "5MiB"
retry_max_wait = "1s"

[signin]
issuer = %q
client_id = %q
role_arn = %q
sts_endpoint = %q
`, stack.MinIO.Endpoint, stack.Bucket, stack.OIDC.Issuer, stack.OIDC.ClientID, stack.RoleARN, stack.STSEndpoint)
	if err := os.WriteFile(w.config, []byte(cfg), 0o600); err != nil {
		t.Fatal(err)
	}
	return w
}

// base opens the config with a browser that signs in as user (or, with
// user "", presses Cancel). Pages the browser lands on go to pages.
func (w *signInWorld) base(user, password string, pages chan<- string) *base {
	w.t.Helper()
	opener := chromiumOpener{t: w.t, act: func(u string) {
		var text string
		var err error
		if user == "" {
			text, err = w.browser.Cancel(u)
		} else {
			text, err = w.browser.SignIn(u, user, password)
		}
		if err != nil {
			text = "browser error: " + err.Error()
		}
		if pages != nil {
			pages <- text
		}
	}}
	b, err := openBase(w.config, w.dataDir, opener)
	if err != nil {
		w.t.Fatal(err)
	}
	w.t.Cleanup(b.closeLog)
	if b.signin == nil {
		w.t.Fatal("the config does not use sign-in")
	}
	return b
}

func (w *signInWorld) signIn(b *base) *signin.Identity {
	w.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	id, err := b.signin.SignIn(ctx, nil)
	if err != nil {
		w.t.Fatalf("sign in: %v", err)
	}
	return id
}

func writeFile(t *testing.T, size int64) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), fmt.Sprintf("file-%d.bin", size))
	f, err := os.Create(p)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if _, err := io.CopyN(f, rand.NewChaCha8([32]byte{byte(size)}), size); err != nil {
		t.Fatal(err)
	}
	return p
}

func TestSignInThenUploadConfinedToOwnPrefix(t *testing.T) {
	w := newSignInWorld(t, devstack.OIDCOptions{})
	pages := make(chan string, 1)
	b := w.base(devstack.DemoUser, devstack.DemoPassword, pages)
	id := w.signIn(b)
	if want := devstack.SubjectFor(devstack.DemoUser); id.Subject != want || id.Email != "alice@example.com" {
		t.Fatalf("identity %+v, want sub %s", id, want)
	}
	if page := <-pages; !strings.Contains(page, "signed in") {
		t.Fatalf("the browser was left on %q", page)
	}

	ctx := context.Background()
	c, err := openCore(ctx, b, engineHooks{})
	if err != nil {
		t.Fatal(err)
	}
	defer c.close()
	c.engine.Start()
	prefix, err := c.prefix()
	if err != nil {
		t.Fatal(err)
	}
	if want := "uploads/" + id.Subject + "/"; prefix != want {
		t.Fatalf("prefix %q, want %q", prefix, want)
	}
	src := writeFile(t, 12<<20)
	added, err := c.engine.Enqueue(ctx, prefix, src)
	if err != nil {
		t.Fatal(err)
	}
	wctx, cancel := context.WithTimeout(ctx, 2*time.Minute)
	defer cancel()
	c.engine.Wait(wctx)
	job := c.engine.Snapshot().Jobs[0]
	if job.ID != added.IDs[0] || job.State != uploader.StateDone {
		t.Fatalf("job %s: %s %s", job.State, job.Reason, job.Detail)
	}
	got := adminGet(t, w.stack.MinIO, job.Key)
	want, _ := os.ReadFile(src)
	if !bytes.Equal(got, want) {
		t.Fatal("the stored object differs from the file")
	}

	// MinIO, not Hoist, keeps the user in their folder.
	creds, err := webIdentityCredentials(ctx, b.cfg, b.signin, id.Subject)
	if err != nil {
		t.Fatal(err)
	}
	store, err := newStore(ctx, b.cfg, creds)
	if err != nil {
		t.Fatal(err)
	}
	for _, key := range []string{"uploads/" + devstack.SubjectFor(devstack.DemoUser2) + "/x", "outside.txt"} {
		_, err := store.Put(ctx, key, strings.NewReader("x"), 1, "", true)
		if uploader.KindOf(err) != uploader.KindAccessDenied {
			t.Fatalf("write to %s: %v (kind %d), want access denied", key, err, uploader.KindOf(err))
		}
	}
	if _, err := store.Put(ctx, prefix+"ok.txt", strings.NewReader("x"), 1, "", true); err != nil {
		t.Fatalf("write inside the prefix: %v", err)
	}

	// The next start signs in silently.
	b2, err := openBase(w.config, w.dataDir, chromiumOpener{t: t, act: func(string) { t.Error("a browser was opened for a silent sign-in") }})
	if err != nil {
		t.Fatal(err)
	}
	defer b2.closeLog()
	if id2, err := b2.signin.Restore(ctx); err != nil || id2.Subject != id.Subject {
		t.Fatalf("restore: %v %v", id2, err)
	}
}

func TestSignInListenerRejectsStrangers(t *testing.T) {
	w := newSignInWorld(t, devstack.OIDCOptions{})
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	b := w.base(devstack.DemoUser, devstack.DemoPassword, nil)
	// Before the browser signs in, strangers knock on the listener.
	urls := make(chan string, 1)
	b.signin = mustClient(t, b, func(u string) { urls <- u })
	done := make(chan error, 1)
	go func() {
		_, err := b.signin.SignIn(ctx, nil)
		done <- err
	}()
	auth, _ := url.Parse(<-urls)
	base, err := url.Parse(auth.Query().Get("redirect_uri"))
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		path, query string
		want        int
	}{
		{"/", "", http.StatusNotFound},
		{"/favicon.ico", "", http.StatusNotFound},
		{base.Path, "state=wrong&code=stolen", http.StatusBadRequest},
		{base.Path, "code=no-state", http.StatusBadRequest},
	} {
		u := *base
		u.Path, u.RawQuery = tc.path, tc.query
		resp, err := http.Get(u.String())
		if err != nil {
			t.Fatalf("GET %s: %v", u.String(), err)
		}
		resp.Body.Close()
		if resp.StatusCode != tc.want {
			t.Fatalf("GET %s: %d, want %d", u.String(), resp.StatusCode, tc.want)
		}
	}
	// A page whose name was made to point at 127.0.0.1 (DNS rebinding)
	// knows the port, and here even the state: the listener still refuses
	// it, by its Host, and does not take the code.
	for _, host := range []string{"attacker.example:" + base.Port(), "localhost:" + base.Port(), "127.0.0.1"} {
		u := *base
		u.RawQuery = url.Values{"state": {auth.Query().Get("state")}, "code": {"forged"}}.Encode()
		req, err := http.NewRequest(http.MethodGet, u.String(), nil)
		if err != nil {
			t.Fatal(err)
		}
		req.Host = host
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatalf("GET with Host %s: %v", host, err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusMisdirectedRequest {
			t.Fatalf("GET with Host %s: %d, want 421", host, resp.StatusCode)
		}
	}
	// The real browser still completes the sign-in.
	page, err := w.browser.SignIn(auth.String(), devstack.DemoUser, devstack.DemoPassword)
	if err != nil {
		t.Fatal(err)
	}
	if err := <-done; err != nil {
		t.Fatalf("sign in after strangers: %v (page %q)", err, page)
	}
	// One callback, then the listener is gone: the code cannot be replayed.
	if _, err := http.Get(base.String() + "?state=x&code=y"); err == nil {
		t.Fatal("the loopback listener still answers after the sign-in")
	}
}

// mustClient rebuilds b's sign-in client with an opener that only reports
// the URL.
func mustClient(t *testing.T, b *base, report func(string)) *signin.Client {
	t.Helper()
	c, err := signin.New(signin.Config{
		Issuer: b.cfg.Signin.Issuer, ClientID: b.cfg.Signin.ClientID,
		Browser: openerFunc(report), Store: signin.NewFileStore(b.dataDir), Logger: b.log,
	})
	if err != nil {
		t.Fatal(err)
	}
	return c
}

type openerFunc func(string)

func (f openerFunc) Open(u string) error { f(u); return nil }

func TestSignInCancelledInBrowser(t *testing.T) {
	w := newSignInWorld(t, devstack.OIDCOptions{})
	pages := make(chan string, 1)
	b := w.base("", "", pages)
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	_, err := b.signin.SignIn(ctx, nil)
	if !errors.Is(err, signin.ErrAccessDenied) {
		t.Fatalf("cancel in the browser: %v, want access denied", err)
	}
	if msg := signin.UserMessage(err); msg == "" || strings.Contains(msg, "access_denied") {
		t.Fatalf("message for people: %q", msg)
	}
	if page := <-pages; !strings.Contains(strings.ToLower(page), "cancel") {
		t.Fatalf("the browser page does not say the sign-in was cancelled: %q", page)
	}
}

func TestSignInWithProviderDown(t *testing.T) {
	w := newSignInWorld(t, devstack.OIDCOptions{})
	b := w.base(devstack.DemoUser, devstack.DemoPassword, nil)
	w.stack.OIDC.Stop()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	_, err := b.signin.SignIn(ctx, nil)
	if !errors.Is(err, signin.ErrProviderUnreachable) {
		t.Fatalf("sign in with the provider down: %v", err)
	}
	if msg := signin.UserMessage(err); !strings.Contains(msg, "try again") {
		t.Fatalf("message for people: %q", msg)
	}
}

// pacedStore slows parts down so that an upload outlives its credentials.
type pacedStore struct {
	uploader.Store
	pause time.Duration
	parts atomic.Int32
}

func (p *pacedStore) UploadPart(ctx context.Context, key, id string, n int32, body io.ReadSeeker, size int64, sum string) (string, error) {
	select {
	case <-time.After(p.pause):
	case <-ctx.Done():
		return "", ctx.Err()
	}
	etag, err := p.Store.UploadPart(ctx, key, id, n, body, size, sum)
	if err == nil {
		p.parts.Add(1)
	}
	return etag, err
}

// engineOn builds an engine on b's signed-in credentials with a paced store.
func engineOn(t *testing.T, b *base, sub string, pause time.Duration, onNeeded func(error)) (*uploader.Engine, *pacedStore) {
	t.Helper()
	ctx := context.Background()
	creds, err := webIdentityCredentials(ctx, b.cfg, b.signin, sub)
	if err != nil {
		t.Fatal(err)
	}
	s3, err := newStore(ctx, b.cfg, creds)
	if err != nil {
		t.Fatal(err)
	}
	store := &pacedStore{Store: s3, pause: pause}
	j, err := journal.Open(filepath.Join(t.TempDir(), "journal.db"))
	if err != nil {
		t.Fatal(err)
	}
	opts := engineOptions(b.cfg)
	opts.Store, opts.Journal, opts.ParallelParts = store, j, 1
	opts.Logger = slog.New(slog.NewTextHandler(testWriter{t}, &slog.HandlerOptions{Level: slog.LevelDebug}))
	opts.OnCredentialsNeeded = onNeeded
	e, err := uploader.New(opts)
	if err != nil {
		t.Fatal(err)
	}
	e.Start()
	t.Cleanup(func() { e.Close(); j.Close() })
	return e, store
}

func TestShortLivedCredentialsRenewDuringLongUpload(t *testing.T) {
	t.Parallel()
	// 60 s ID tokens; MinIO's credentials die with the token they came from.
	w := newSignInWorld(t, devstack.OIDCOptions{IDTokenTTL: 60 * time.Second})
	b := w.base(devstack.DemoUser, devstack.DemoPassword, nil)
	id := w.signIn(b)
	held := make(chan error, 1)
	e, store := engineOn(t, b, id.Subject, 12*time.Second, func(err error) { held <- err })
	src := writeFile(t, 12*5<<20) // 12 parts × 12 s ≈ 2.5 min: two and a half token lifetimes
	prefix := "uploads/" + id.Subject + "/"
	if _, err := e.Enqueue(context.Background(), prefix, src); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 6*time.Minute)
	defer cancel()
	if err := e.Wait(ctx); err != nil {
		t.Fatalf("wait: %v (held: %v)", err, len(held))
	}
	job := e.Snapshot().Jobs[0]
	if job.State != uploader.StateDone {
		t.Fatalf("%s: %s %s", job.State, job.Reason, job.Detail)
	}
	select {
	case err := <-held:
		t.Fatalf("the upload asked for a new sign-in: %v", err)
	default:
	}
	if got := store.parts.Load(); got != 12 {
		t.Fatalf("%d parts stored", got)
	}
}

func TestRevokedSignInPausesThenContinues(t *testing.T) {
	t.Parallel()
	w := newSignInWorld(t, devstack.OIDCOptions{IDTokenTTL: 30 * time.Second})
	b := w.base(devstack.DemoUser, devstack.DemoPassword, nil)
	id := w.signIn(b)
	held := make(chan error, 1)
	e, _ := engineOn(t, b, id.Subject, 5*time.Second, func(err error) { held <- err })
	src := writeFile(t, 10*5<<20)
	prefix := "uploads/" + id.Subject + "/"
	if _, err := e.Enqueue(context.Background(), prefix, src); err != nil {
		t.Fatal(err)
	}
	// The organisation ends the sign-in: refresh tokens stop working.
	if err := w.stack.OIDC.RevokeAll(context.Background()); err != nil {
		t.Fatal(err)
	}
	select {
	case <-held:
	case <-time.After(3 * time.Minute):
		j := e.Snapshot().Jobs[0]
		t.Fatalf("the engine never asked for a new sign-in: job %s %q %q %q", j.State, j.Note, j.Reason, j.Detail)
	}
	snap := e.Snapshot()
	if job := snap.Jobs[0]; job.State.Final() || !snap.Held {
		t.Fatalf("after the sign-in ended: %s (held %v) %s", job.State, snap.Held, job.Detail)
	}
	w.signIn(b) // the person signs in again in the browser
	e.Release()
	ctx, cancel := context.WithTimeout(context.Background(), 4*time.Minute)
	defer cancel()
	if err := e.Wait(ctx); err != nil {
		t.Fatal(err)
	}
	job := e.Snapshot().Jobs[0]
	if job.State != uploader.StateDone {
		t.Fatalf("%s: %s %s", job.State, job.Reason, job.Detail)
	}
	got := adminGet(t, w.stack.MinIO, job.Key)
	want, _ := os.ReadFile(src)
	if !bytes.Equal(got, want) {
		t.Fatal("the stored object differs from the file")
	}
}

// testWriter sends log lines to t.Log (shown when a test fails or with -v).
type testWriter struct{ t *testing.T }

func (w testWriter) Write(p []byte) (int, error) {
	w.t.Log(strings.TrimRight(string(p), "\n"))
	return len(p), nil
}

func adminGet(t *testing.T, m *devstack.MinIO, key string) []byte {
	t.Helper()
	out, err := m.S3Client().GetObject(context.Background(), &s3.GetObjectInput{Bucket: aws.String(devstack.DefaultBucket), Key: aws.String(key)})
	if err != nil {
		t.Fatalf("get %s: %v", key, err)
	}
	defer out.Body.Close()
	data, err := io.ReadAll(out.Body)
	if err != nil {
		t.Fatal(err)
	}
	return data
}

func TestSignInOnFixedRedirectPort(t *testing.T) {
	w := newSignInWorld(t, devstack.OIDCOptions{})
	b := w.base(devstack.DemoUser, devstack.DemoPassword, nil)
	port, err := devstack.FreePort()
	if err != nil {
		t.Fatal(err)
	}
	urls := make(chan string, 1)
	c, err := signin.New(signin.Config{
		Issuer: b.cfg.Signin.Issuer, ClientID: b.cfg.Signin.ClientID, RedirectPort: port,
		Browser: openerFunc(func(u string) { urls <- u }), Store: signin.NewMemoryStore(), Logger: b.log,
	})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	done := make(chan error, 1)
	go func() { _, err := c.SignIn(ctx, nil); done <- err }()
	auth, _ := url.Parse(<-urls)
	if want := fmt.Sprintf("http://127.0.0.1:%d/callback", port); auth.Query().Get("redirect_uri") != want {
		t.Fatalf("redirect_uri %q, want %q", auth.Query().Get("redirect_uri"), want)
	}
	if _, err := w.browser.SignIn(auth.String(), devstack.DemoUser, devstack.DemoPassword); err != nil {
		t.Fatal(err)
	}
	if err := <-done; err != nil {
		t.Fatal(err)
	}
}
