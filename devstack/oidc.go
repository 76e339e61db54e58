package devstack

import (
	"context"
	"crypto/sha256"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"time"
)

// DefaultClientID is the client ID of the provider's one public client.
const DefaultClientID = "hoist"

// RedirectURI is the client's registered redirect URI. The provider accepts
// it on any port (RFC 8252 §7.3 loopback redirect), so a sign-in may listen
// on http://127.0.0.1:<any free port>/callback.
const RedirectURI = "http://127.0.0.1/callback"

// The first demo user, shown on the provider's login page, written to
// .devstack/env and used by tests that need just one user.
const (
	DemoUser     = "alice"
	DemoPassword = "alice-password"
)

// The second demo user, for tests that need a user whose prefix the first
// one must not reach.
const (
	DemoUser2     = "bob"
	DemoPassword2 = "bob-password"
)

// The staff demo user: a member of StaffGroup, so the dev stack's policy
// lets them see every customer's receipts and files and write re-send
// requests, and Hoist shows them the Support view.
const (
	StaffUser     = "sam"
	StaffPassword = "sam-password"
	// StaffGroup is the value of the ID token's "groups" claim that makes
	// someone support staff.
	StaffGroup = "hoist-staff"
)

// EnvOIDCDir names the environment variable that overrides where the
// provider's Node project is (default <RepoRoot>/devstack/_oidc).
const EnvOIDCDir = "HOIST_OIDC_DIR"

const (
	// oidcStartTimeout caps how long StartOIDC waits for discovery, in all.
	oidcStartTimeout = 45 * time.Second
	// oidcTryTimeout caps one try when StartOIDC may retry on another port.
	oidcTryTimeout = 15 * time.Second
	// oidcStopGrace is how long Stop waits after SIGTERM before SIGKILL.
	oidcStopGrace = 5 * time.Second
	// keysFileName is the provider's private JWKS inside OIDCOptions.DataDir.
	keysFileName = "oidc-jwks.json"
)

// User is an account of the dev provider. Its ID token carries sub, email,
// email_verified (true when Email is set), preferred_username (Username)
// and name, and groups when Groups is set.
type User struct {
	// Sub is the subject; "" means SubjectFor(Username).
	Sub string
	// Username and Password are what the login form takes.
	Username, Password string
	Email, Name        string
	// Groups become the ID token's "groups" claim (left out when empty).
	Groups []string
}

// SubjectFor returns the sub the provider gives a user whose User.Sub is
// empty: a UUID-shaped string derived from username, deliberately unlike the
// username so that code mixing up sub and preferred_username fails.
func SubjectFor(username string) string {
	h := sha256.Sum256([]byte("hoist-devstack-user:" + username))
	h[6] = h[6]&0x0f | 0x40 // looks like a version 4 UUID
	h[8] = h[8]&0x3f | 0x80
	return fmt.Sprintf("%x-%x-%x-%x-%x", h[0:4], h[4:6], h[6:8], h[8:10], h[10:16])
}

// DemoUsers returns the default accounts: DemoUser and DemoUser2 with
// their passwords, example.com e-mail addresses and display names.
func DemoUsers() []User {
	return []User{
		{Username: DemoUser, Password: DemoPassword, Email: "alice@example.com", Name: "Alice Example"},
		{Username: DemoUser2, Password: DemoPassword2, Email: "bob@example.com", Name: "Bob Example"},
		{Username: StaffUser, Password: StaffPassword, Email: "sam@acme.example", Name: "Sam Support", Groups: []string{StaffGroup}},
	}
}

// OIDCOptions says how StartOIDC starts the provider. The zero value starts
// a private provider on a free port with the demo users and in-memory keys.
type OIDCOptions struct {
	// Port is the port on 127.0.0.1; 0 picks a free one.
	Port int
	// ClientID is the public native client's ID; "" means DefaultClientID.
	ClientID string
	// IDTokenTTL is the lifetime of ID and access tokens (whole seconds);
	// 0 means 10 minutes.
	IDTokenTTL time.Duration
	// RefreshTokenTTL is how long after sign-in refresh tokens keep working
	// (rotation does not extend it); 0 means 14 days.
	RefreshTokenTTL time.Duration
	// SessionTTL is the lifetime of the provider's browser session (its
	// cookie); 0 means 1 day. Refresh tokens from a sign-in without the
	// offline_access scope die with that session.
	SessionTTL time.Duration
	// KeepRefreshTokens turns rotation off: a refresh returns the same
	// refresh token. By default each refresh returns a new refresh token,
	// and presenting a used one again revokes the whole sign-in (grant).
	KeepRefreshTokens bool
	// Users are the accounts; nil means DemoUsers().
	Users []User
	// ExtraClaims are added to every user's ID token.
	ExtraClaims map[string]any
	// TestHooks enables POST /__test/revoke-all (see RevokeAll).
	TestHooks bool
	// Log receives the provider's stdout and stderr; nil discards them. With
	// Detach it must be nil or an *os.File.
	Log io.Writer
	// Detach starts the provider in its own session so that it outlives the
	// caller (`make devstack`); stop it later with StopProcessGroup.
	Detach bool
	// DescriptorFile, when set, is served as the organisation descriptor at
	// /.well-known/hoist.json (read at every request, with an ETag; 404
	// while it does not exist), so that typing the provider's address in
	// Hoist's connect screen connects to the dev stack.
	DescriptorFile string
	// ClientSecret, when set, makes the client confidential: it must
	// authenticate at the token endpoint with this secret
	// (client_secret_basic), as a web app's client would. Hoist's client
	// must be public; this is for `hoist org check` tests of a
	// misconfigured provider.
	ClientSecret string
	// PKCEMethods, when not nil, replaces code_challenge_methods_supported
	// in the discovery document (oidc-provider itself always offers S256
	// and only S256), to imitate a provider that does not offer PKCE S256.
	// An empty, non-nil slice leaves the member out.
	PKCEMethods []string
	// DataDir, when set, holds the signing keys (oidc-jwks.json, created on
	// first start) so that a restarted provider signs with the same key.
	// "" means a fresh key in memory. Sessions and tokens are never
	// persisted: a restart signs everybody out.
	DataDir string
}

// OIDC is a running provider started by StartOIDC. Exported fields are
// read-only; methods are safe for concurrent use. Like MinIO, it may be a
// literal describing a provider started elsewhere (Issuer and ClientID set):
// then SignIn, Refresh and RevokeAll work, Stop returns an error.
type OIDC struct {
	// Issuer is http://127.0.0.1:PORT, also the discovery base.
	Issuer string
	// Port is the port it listens on.
	Port int
	// ClientID is the public client's ID.
	ClientID string
	// Users are its accounts, with Sub filled in.
	Users []User
	// PID is the node process's ID (with Detach also its session ID).
	PID int

	proc     *child
	stopOnce sync.Once
	stopErr  error
}

// Discovery returns the URL of the provider's discovery document.
func (o *OIDC) Discovery() string { return o.Issuer + "/.well-known/openid-configuration" }

// User returns the account with the given username.
func (o *OIDC) User(username string) (User, bool) {
	for _, u := range o.Users {
		if u.Username == username {
			return u, true
		}
	}
	return User{}, false
}

// OIDCDir returns the provider's Node project directory ($HOIST_OIDC_DIR or
// <RepoRoot>/devstack/_oidc), checking that its npm dependencies are
// installed; the error says to run `make oidc-deps` when they are not.
func OIDCDir() (string, error) {
	dir := os.Getenv(EnvOIDCDir)
	if dir == "" {
		root, err := RepoRoot()
		if err != nil {
			return "", fmt.Errorf("locate oidc provider (set %s or run from the repository): %w", EnvOIDCDir, err)
		}
		dir = filepath.Join(root, "devstack", "_oidc")
	}
	if _, err := os.Stat(filepath.Join(dir, "node_modules", "oidc-provider", "package.json")); err != nil {
		return "", fmt.Errorf("locate oidc provider: %w; run `make oidc-deps` (npm ci --prefix devstack/_oidc)", err)
	}
	return dir, nil
}

// StartOIDC starts the dev OpenID provider (devstack/_oidc/server.js, with
// the node binary from PATH) bound to 127.0.0.1, and returns once its
// discovery document answers with the expected issuer. It gives up when ctx
// ends, after 45 s, or as soon as the process exits, and then returns an
// error carrying the tail of the provider's log; nothing is left running.
// On a port it picked itself that turns out taken, or when a provider does
// not answer within 15 s, it retries with another port (3 tries). The
// caller must call Stop (with Detach: StopProcessGroup).
func StartOIDC(ctx context.Context, opts OIDCOptions) (*OIDC, error) {
	if err := checkDetachLog(opts.Detach, opts.Log); err != nil {
		return nil, fmt.Errorf("start oidc provider: %w", err)
	}
	node, err := exec.LookPath("node")
	if err != nil {
		return nil, fmt.Errorf("start oidc provider: %w (Node.js 20 or later is needed)", err)
	}
	dir, err := OIDCDir()
	if err != nil {
		return nil, fmt.Errorf("start oidc provider: %w", err)
	}
	opts = opts.withDefaults()
	ctx, cancel := context.WithTimeout(ctx, oidcStartTimeout)
	defer cancel()
	tries, tryTimeout := 1, oidcStartTimeout
	if opts.Port == 0 {
		tries, tryTimeout = 3, oidcTryTimeout
	}
	for try := 1; ; try++ {
		o, err := startOIDC(ctx, node, dir, opts, tryTimeout)
		retry := errors.Is(err, errSlowStart) || (err != nil && strings.Contains(err.Error(), "EADDRINUSE"))
		if err == nil || try >= tries || !retry || ctx.Err() != nil {
			return o, err
		}
	}
}

// errSlowStart marks a provider that did not answer within its try.
var errSlowStart = errors.New("no answer in time")

// withDefaults fills in the zero fields that have defaults.
func (opts OIDCOptions) withDefaults() OIDCOptions {
	if opts.ClientID == "" {
		opts.ClientID = DefaultClientID
	}
	if opts.Users == nil {
		opts.Users = DemoUsers()
	}
	users := make([]User, len(opts.Users))
	for i, u := range opts.Users {
		if u.Sub == "" {
			u.Sub = SubjectFor(u.Username)
		}
		users[i] = u
	}
	opts.Users = users
	return opts
}

func startOIDC(ctx context.Context, node, dir string, opts OIDCOptions, timeout time.Duration) (*OIDC, error) {
	o := &OIDC{Port: opts.Port, ClientID: opts.ClientID, Users: opts.Users}
	if o.Port == 0 {
		var err error
		if o.Port, err = FreePort(); err != nil {
			return nil, fmt.Errorf("start oidc provider: %w", err)
		}
	}
	o.Issuer = "http://127.0.0.1:" + strconv.Itoa(o.Port)
	env, err := oidcEnv(opts, o.Port, os.Environ())
	if err != nil {
		return nil, fmt.Errorf("start oidc provider: %w", err)
	}
	cmd := exec.Command(node, filepath.Join(dir, "server.js"))
	cmd.Dir = dir
	cmd.Env = env
	if o.proc, err = startChild(cmd, opts.Detach, opts.Log); err != nil {
		return nil, fmt.Errorf("start oidc provider: %w", err)
	}
	o.PID = o.proc.pid
	if err := o.waitReady(ctx, timeout); err != nil {
		state := procState(o.PID)
		o.proc.kill()
		return nil, fmt.Errorf("start oidc provider on %s: %w (process state %s)\n--- oidc provider log tail ---\n%s", o.Issuer, err, state, o.proc.tail())
	}
	return o, nil
}

// oidcUser is a User as server.js reads it from OIDC_USERS.
type oidcUser struct {
	Sub      string   `json:"sub"`
	Username string   `json:"username"`
	Password string   `json:"password"`
	Email    string   `json:"email,omitempty"`
	Name     string   `json:"name,omitempty"`
	Groups   []string `json:"groups,omitempty"`
}

// oidcEnv builds the provider's environment: the caller's minus any OIDC_*
// variable, then the settings server.js reads.
func oidcEnv(opts OIDCOptions, port int, environ []string) ([]string, error) {
	users := make([]oidcUser, len(opts.Users))
	for i, u := range opts.Users {
		users[i] = oidcUser(u)
	}
	usersJSON, err := json.Marshal(users)
	if err != nil {
		return nil, err
	}
	env := make([]string, 0, len(environ)+12)
	for _, kv := range environ {
		if !strings.HasPrefix(kv, "OIDC_") {
			env = append(env, kv)
		}
	}
	env = append(env,
		"OIDC_PORT="+strconv.Itoa(port),
		"OIDC_CLIENT_ID="+opts.ClientID,
		"OIDC_REDIRECT_URIS="+RedirectURI,
		"OIDC_USERS="+string(usersJSON),
	)
	for name, d := range map[string]time.Duration{
		"OIDC_ID_TOKEN_TTL": opts.IDTokenTTL, "OIDC_REFRESH_TOKEN_TTL": opts.RefreshTokenTTL, "OIDC_SESSION_TTL": opts.SessionTTL,
	} {
		if d > 0 {
			env = append(env, name+"="+strconv.Itoa(int(max(d.Round(time.Second), time.Second)/time.Second)))
		}
	}
	if len(opts.ExtraClaims) > 0 {
		b, err := json.Marshal(opts.ExtraClaims)
		if err != nil {
			return nil, fmt.Errorf("encode extra claims: %w", err)
		}
		env = append(env, "OIDC_EXTRA_CLAIMS="+string(b))
	}
	if opts.KeepRefreshTokens {
		env = append(env, "OIDC_ROTATE_REFRESH_TOKENS=0")
	}
	if opts.TestHooks {
		env = append(env, "OIDC_TEST_HOOKS=1")
	}
	if opts.DescriptorFile != "" {
		env = append(env, "OIDC_HOIST_DESCRIPTOR="+opts.DescriptorFile)
	}
	if opts.ClientSecret != "" {
		env = append(env, "OIDC_CLIENT_SECRET="+opts.ClientSecret)
	}
	if opts.PKCEMethods != nil {
		env = append(env, "OIDC_PKCE_METHODS="+strings.Join(opts.PKCEMethods, " "), "OIDC_PKCE_METHODS_SET=1")
	}
	if opts.DataDir != "" {
		if err := os.MkdirAll(opts.DataDir, 0o700); err != nil {
			return nil, err
		}
		env = append(env, "OIDC_KEYS_FILE="+filepath.Join(opts.DataDir, keysFileName))
	}
	return env, nil
}

// waitReady polls the discovery document until it names o.Issuer, the
// process exits, ctx ends (an error wrapping ctx's cause) or timeout passes
// (an error wrapping errSlowStart).
func (o *OIDC) waitReady(ctx context.Context, timeout time.Duration) error {
	deadline := time.After(timeout)
	tick := time.NewTicker(100 * time.Millisecond)
	defer tick.Stop()
	for {
		try, cancelTry := context.WithTimeout(ctx, time.Second)
		ready := OIDCReady(try, o.Issuer)
		cancelTry()
		if ready {
			return nil
		}
		select {
		case <-o.proc.done:
			return fmt.Errorf("oidc provider exited before becoming ready (%v)", o.proc.waitErr)
		case <-ctx.Done():
			return fmt.Errorf("wait for discovery: %w", context.Cause(ctx))
		case <-deadline:
			return fmt.Errorf("wait for discovery: %w after %v", errSlowStart, timeout)
		case <-tick.C:
		}
	}
}

// OIDCReady reports whether the provider at issuer serves a discovery
// document naming that issuer within ctx (and 2 s).
func OIDCReady(ctx context.Context, issuer string) bool {
	var doc struct {
		Issuer string `json:"issuer"`
	}
	err := getJSON(ctx, issuer+"/.well-known/openid-configuration", &doc)
	return err == nil && doc.Issuer == issuer
}

// getJSON GETs url with a short-lived client that uses no proxy and decodes
// a 200 answer's JSON body into v.
func getJSON(ctx context.Context, url string, v any) error {
	ctx, cancel := context.WithTimeout(ctx, 2*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return err
	}
	resp, err := localClient().Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("GET %s: %s", url, resp.Status)
	}
	return json.NewDecoder(resp.Body).Decode(v)
}

// localClient returns an HTTP client for servers on 127.0.0.1: no proxy
// (HTTP_PROXY must not catch loopback traffic), no redirects followed.
func localClient() *http.Client {
	return &http.Client{
		Transport:     &http.Transport{Proxy: nil, DisableKeepAlives: true},
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
		Timeout:       10 * time.Second,
	}
}

// Stop stops the provider: SIGTERM to its process group, SIGKILL after 5 s,
// then waits for it. It is idempotent; later calls return the first call's
// result. It returns an error if the provider had already exited on its own.
func (o *OIDC) Stop() error {
	if o.proc == nil {
		return errors.New("stop oidc provider: not started by StartOIDC (use StopProcessGroup)")
	}
	o.stopOnce.Do(func() { o.stopErr = o.proc.terminate("oidc provider", oidcStopGrace) })
	return o.stopErr
}

// Exited is closed when the provider process has exited; nil for a literal.
func (o *OIDC) Exited() <-chan struct{} {
	if o.proc == nil {
		return nil
	}
	return o.proc.done
}

// LogTail returns the last few KiB of the provider's output, when kept.
func (o *OIDC) LogTail() string {
	if o.proc == nil {
		return ""
	}
	return o.proc.tail()
}

// RevokeAll signs everybody out, as if every account had been disabled:
// the provider forgets all sessions, grants, codes and tokens, so every
// refresh token fails with invalid_grant and the next authorization shows
// the login form again. ID tokens already issued stay valid (they are
// self-contained JWTs) until they expire. It needs OIDCOptions.TestHooks.
func (o *OIDC) RevokeAll(ctx context.Context) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, o.Issuer+"/__test/revoke-all", nil)
	if err != nil {
		return fmt.Errorf("revoke all sign-ins: %w", err)
	}
	resp, err := localClient().Do(req)
	if err != nil {
		return fmt.Errorf("revoke all sign-ins: %w", err)
	}
	defer resp.Body.Close()
	_, _ = io.Copy(io.Discard, resp.Body)
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("revoke all sign-ins: %s (is TestHooks set?)", resp.Status)
	}
	return nil
}
