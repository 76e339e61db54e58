package signin

import (
	"crypto"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"math/big"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"golang.org/x/oauth2"
)

// The in-test OpenID provider: discovery, JWKS, an /authorize that
// redirects at once (no login page), /token for authorization_code (PKCE
// S256, single-use codes) and refresh_token (rotating, can refuse), and
// /revoke. Real enough for unit tests; the end-to-end test uses the real
// oidc-provider from devstack.

const testClientID = "hoist-test"

var (
	testKey     = sync.OnceValue(func() *rsa.PrivateKey { return mustKey() })
	attackerKey = sync.OnceValue(func() *rsa.PrivateKey { return mustKey() })
)

func mustKey() *rsa.PrivateKey {
	k, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		panic(err)
	}
	return k
}

// testClock is a settable clock shared by the provider and the client.
type testClock struct {
	mu sync.Mutex
	t  time.Time
}

func newTestClock() *testClock { return &testClock{t: time.Now().Truncate(time.Second)} }

func (c *testClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *testClock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

type grant struct {
	challenge string
	redirect  string
	nonce     string
	used      bool
}

type fakeProvider struct {
	t      *testing.T
	srv    *httptest.Server
	issuer string
	clock  *testClock
	ttl    time.Duration

	mu              sync.Mutex
	codes           map[string]*grant
	refreshTokens   map[string]bool // valid ones
	refreshCalls    int
	revoked         []string
	refuseRefresh   bool
	discoveryStatus int                         // answer discovery with this status when set
	authorizeError  [2]string                   // error, error_description to send back
	tamper          func(claims map[string]any) // edits the next code-exchange ID tokens
	signKey         *rsa.PrivateKey             // signs ID tokens instead of testKey
	refreshGate     chan struct{}               // when set, refresh waits for it
	onRefresh       func()                      // called when a refresh arrives
	extraClaims     map[string]any
	// throttle, when set, answers token requests with this status and
	// OAuth error code (code "" sends no JSON body), as a rate limit does.
	throttle struct {
		status int
		code   string
	}
}

func newFakeProvider(t *testing.T, clock *testClock) *fakeProvider {
	t.Helper()
	fp := &fakeProvider{
		t:             t,
		clock:         clock,
		ttl:           10 * time.Minute,
		codes:         map[string]*grant{},
		refreshTokens: map[string]bool{},
	}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /.well-known/openid-configuration", fp.discovery)
	mux.HandleFunc("GET /jwks", fp.jwks)
	mux.HandleFunc("GET /authorize", fp.authorize)
	mux.HandleFunc("POST /token", fp.token)
	mux.HandleFunc("POST /revoke", fp.revoke)
	fp.srv = httptest.NewServer(mux) // on 127.0.0.1
	fp.issuer = fp.srv.URL
	t.Cleanup(fp.close)
	return fp
}

func (fp *fakeProvider) close() {
	fp.mu.Lock()
	if fp.refreshGate != nil {
		select {
		case <-fp.refreshGate:
		default:
			close(fp.refreshGate)
		}
	}
	fp.mu.Unlock()
	fp.srv.Close()
}

func (fp *fakeProvider) set(f func(fp *fakeProvider)) {
	fp.mu.Lock()
	defer fp.mu.Unlock()
	f(fp)
}

func (fp *fakeProvider) counts() (refreshes int, revoked []string) {
	fp.mu.Lock()
	defer fp.mu.Unlock()
	return fp.refreshCalls, append([]string(nil), fp.revoked...)
}

func (fp *fakeProvider) discovery(w http.ResponseWriter, r *http.Request) {
	fp.mu.Lock()
	status := fp.discoveryStatus
	fp.mu.Unlock()
	if status != 0 {
		http.Error(w, "not now", status)
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{
		"issuer":                                fp.issuer,
		"authorization_endpoint":                fp.issuer + "/authorize",
		"token_endpoint":                        fp.issuer + "/token",
		"jwks_uri":                              fp.issuer + "/jwks",
		"revocation_endpoint":                   fp.issuer + "/revoke",
		"end_session_endpoint":                  fp.issuer + "/session/end?ui=plain",
		"response_types_supported":              []string{"code"},
		"subject_types_supported":               []string{"public"},
		"id_token_signing_alg_values_supported": []string{"RS256"},
		"code_challenge_methods_supported":      []string{"S256"},
	})
}

func (fp *fakeProvider) jwks(w http.ResponseWriter, r *http.Request) {
	pub := testKey().PublicKey
	enc := base64.RawURLEncoding
	writeJSON(w, http.StatusOK, map[string]any{"keys": []map[string]string{{
		"kty": "RSA", "kid": "k1", "use": "sig", "alg": "RS256",
		"n": enc.EncodeToString(pub.N.Bytes()),
		"e": enc.EncodeToString(big.NewInt(int64(pub.E)).Bytes()),
	}}})
}

func (fp *fakeProvider) authorize(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	redirect := q.Get("redirect_uri")
	problem := ""
	switch {
	case q.Get("client_id") != testClientID:
		problem = "unknown client"
	case !strings.HasPrefix(redirect, "http://127.0.0.1:") || !strings.HasSuffix(redirect, "/callback"):
		problem = "redirect_uri is not a loopback callback: " + redirect
	case q.Get("response_type") != "code":
		problem = "response_type must be code"
	case q.Get("code_challenge_method") != "S256" || q.Get("code_challenge") == "":
		problem = "PKCE S256 required"
	case !strings.Contains(" "+q.Get("scope")+" ", " openid "):
		problem = "openid scope missing"
	case q.Get("state") == "" || q.Get("nonce") == "":
		problem = "state and nonce required"
	}
	if problem != "" {
		fp.t.Errorf("authorize: %s", problem)
		http.Error(w, problem, http.StatusBadRequest)
		return
	}
	back := url.Values{"state": {q.Get("state")}, "iss": {fp.issuer}}
	fp.mu.Lock()
	if e := fp.authorizeError; e[0] != "" {
		back.Set("error", e[0])
		back.Set("error_description", e[1])
	} else {
		code := rand.Text()
		fp.codes[code] = &grant{challenge: q.Get("code_challenge"), redirect: redirect, nonce: q.Get("nonce")}
		back.Set("code", code)
	}
	fp.mu.Unlock()
	http.Redirect(w, r, redirect+"?"+back.Encode(), http.StatusFound)
}

func (fp *fakeProvider) token(w http.ResponseWriter, r *http.Request) {
	if err := r.ParseForm(); err != nil || r.PostForm.Get("client_id") != testClientID {
		oauthError(w, http.StatusUnauthorized, "invalid_client", "client_id missing or unknown")
		return
	}
	fp.mu.Lock()
	th := fp.throttle
	fp.mu.Unlock()
	if th.status != 0 {
		w.Header().Set("Retry-After", "1")
		if th.code == "" {
			http.Error(w, "rate limit exceeded", th.status)
		} else {
			oauthError(w, th.status, th.code, "too many requests")
		}
		return
	}
	switch r.PostForm.Get("grant_type") {
	case "authorization_code":
		fp.redeemCode(w, r.PostForm)
	case "refresh_token":
		fp.redeemRefresh(w, r.PostForm)
	default:
		oauthError(w, http.StatusBadRequest, "unsupported_grant_type", "")
	}
}

func (fp *fakeProvider) redeemCode(w http.ResponseWriter, form url.Values) {
	fp.mu.Lock()
	defer fp.mu.Unlock()
	g, ok := fp.codes[form.Get("code")]
	switch {
	case !ok:
		oauthError(w, http.StatusBadRequest, "invalid_grant", "grant request is invalid")
	case g.used:
		oauthError(w, http.StatusBadRequest, "invalid_grant", "authorization code already consumed")
	case form.Get("redirect_uri") != g.redirect:
		g.used = true
		oauthError(w, http.StatusBadRequest, "invalid_grant", "redirect_uri mismatch")
	case oauth2.S256ChallengeFromVerifier(form.Get("code_verifier")) != g.challenge:
		g.used = true
		oauthError(w, http.StatusBadRequest, "invalid_grant", "PKCE verification failed")
	default:
		g.used = true
		fp.issueLocked(w, g.nonce, true)
	}
}

func (fp *fakeProvider) redeemRefresh(w http.ResponseWriter, form url.Values) {
	fp.mu.Lock()
	fp.refreshCalls++
	gate, hook := fp.refreshGate, fp.onRefresh
	fp.mu.Unlock()
	if hook != nil {
		hook()
	}
	if gate != nil {
		<-gate
	}
	fp.mu.Lock()
	defer fp.mu.Unlock()
	rt := form.Get("refresh_token")
	if fp.refuseRefresh || !fp.refreshTokens[rt] {
		oauthError(w, http.StatusBadRequest, "invalid_grant", "grant request is invalid")
		return
	}
	delete(fp.refreshTokens, rt) // rotation
	fp.issueLocked(w, "", false)
}

func (fp *fakeProvider) issueLocked(w http.ResponseWriter, nonce string, tampered bool) {
	now := fp.clock.Now()
	claims := map[string]any{
		"iss": fp.issuer, "sub": "user-123", "aud": testClientID,
		"iat": now.Unix(), "exp": now.Add(fp.ttl).Unix(),
		"email": "ada@example.com", "email_verified": true, "name": "Ada Lovelace",
		"preferred_username": "ada", "groups": []string{"uploaders"},
	}
	if nonce != "" {
		claims["nonce"] = nonce
	}
	for k, v := range fp.extraClaims {
		claims[k] = v
	}
	if tampered && fp.tamper != nil {
		fp.tamper(claims)
	}
	key := testKey()
	if fp.signKey != nil {
		key = fp.signKey
	}
	rt := "rt-" + rand.Text()
	fp.refreshTokens[rt] = true
	writeJSON(w, http.StatusOK, map[string]any{
		"access_token": "at-" + rand.Text(), "token_type": "Bearer",
		"expires_in": int(fp.ttl.Seconds()), "refresh_token": rt,
		"id_token": signJWT(key, claims), "scope": "openid profile email offline_access",
	})
}

func (fp *fakeProvider) revoke(w http.ResponseWriter, r *http.Request) {
	if err := r.ParseForm(); err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	fp.mu.Lock()
	defer fp.mu.Unlock()
	tok := r.PostForm.Get("token")
	fp.revoked = append(fp.revoked, tok)
	delete(fp.refreshTokens, tok)
}

func signJWT(key *rsa.PrivateKey, claims map[string]any) string {
	enc := base64.RawURLEncoding
	header, _ := json.Marshal(map[string]string{"alg": "RS256", "typ": "JWT", "kid": "k1"})
	payload, _ := json.Marshal(claims)
	signing := enc.EncodeToString(header) + "." + enc.EncodeToString(payload)
	sum := sha256.Sum256([]byte(signing))
	sig, err := rsa.SignPKCS1v15(nil, key, crypto.SHA256, sum[:])
	if err != nil {
		panic(err)
	}
	return signing + "." + enc.EncodeToString(sig)
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

func oauthError(w http.ResponseWriter, status int, code, desc string) {
	writeJSON(w, status, map[string]string{"error": code, "error_description": desc})
}

// --- the test browser ---

// browserFunc is a BrowserOpener made of a function.
type browserFunc func(url string) error

func (f browserFunc) Open(u string) error { return f(u) }

// visit is what a browser does with a URL: GET, following redirects (to
// the loopback listener). It returns the final status and body.
type visitResult struct {
	status int
	body   string
	url    string
}

func visit(u string) (visitResult, error) {
	resp, err := http.Get(u)
	if err != nil {
		return visitResult{}, err
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	return visitResult{status: resp.StatusCode, body: string(body), url: resp.Request.URL.String()}, err
}

// authorizeRedirect asks /authorize and returns where it redirects (the
// loopback callback with code and state) without going there.
func authorizeRedirect(authURL string) (*url.URL, error) {
	c := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	resp, err := c.Get(authURL)
	if err != nil {
		return nil, err
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusFound {
		return nil, errors.New("authorize answered " + resp.Status)
	}
	return resp.Location()
}

// followingBrowser visits the URL like a person who signs in, and sends
// what it saw on the returned channel.
func followingBrowser() (BrowserOpener, <-chan visitResult) {
	seen := make(chan visitResult, 1)
	return browserFunc(func(u string) error {
		res, err := visit(u)
		if err != nil {
			res.body = "visit failed: " + err.Error()
		}
		seen <- res
		return nil
	}), seen
}

// idleBrowser never goes anywhere; opened receives the URL.
func idleBrowser() (BrowserOpener, <-chan string) {
	opened := make(chan string, 1)
	return browserFunc(func(u string) error { opened <- u; return nil }), opened
}

func newTestClient(t *testing.T, fp *fakeProvider, b BrowserOpener, edit ...func(*Config)) *Client {
	t.Helper()
	cfg := Config{
		Issuer:   fp.issuer,
		ClientID: testClientID,
		Timeout:  20 * time.Second,
		Browser:  b,
		Store:    NewMemoryStore(),
		Logger:   slog.New(slog.NewTextHandler(t.Output(), &slog.HandlerOptions{Level: slog.LevelDebug})),
		Clock:    fp.clock.Now,
	}
	for _, f := range edit {
		f(&cfg)
	}
	c, err := New(cfg)
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	return c
}
