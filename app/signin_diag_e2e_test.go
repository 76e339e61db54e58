package app

// Sign-in failures that support must be able to tell apart, through the
// real binary: an issuer with a trailing "/" and a busy redirect_port
// against the real dev provider, and, from a rogue provider (no certified
// provider can be made to misbehave), an ID token for another audience,
// with a bad signature, or without a subject. Each keeps its plain
// sentence, and the technical cause is in hoist.log and, with --verbose,
// on stderr, never a token.

import (
	"crypto"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"math/big"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"hoist/devstack"
)

// signInConfig writes a config for issuer and client with fields extra.
func signInConfig(t *testing.T, issuer, clientID, extra string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), "hoist.toml")
	cfg := fmt.Sprintf("[s3]\nendpoint = \"http://127.0.0.1:9\"\nregion = \"us-east-1\"\nbucket = \"hoist\"\npath_style = true\n\n"+
		"[upload]\nkey_prefix = \"uploads/{sub}/\"\n\n[signin]\nissuer = %q\nclient_id = %q\n%s", issuer, clientID, extra)
	if err := os.WriteFile(p, []byte(cfg), 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

// login runs `hoist login [--verbose]` with cfg; visit, if set, plays the
// browser with the URL the fake xdg-open got. It returns exit code, stderr
// and the log.
func login(t *testing.T, cfg string, verbose bool, visit func(string)) (int, string, string) {
	t.Helper()
	path, urls := fakeXDGOpen(t)
	dataDir := filepath.Join(t.TempDir(), "data")
	args := []string{"login", "--config", cfg, "--data-dir", dataDir}
	if verbose {
		args = append(args, "--verbose")
	}
	env := cleanEnv(t, "PATH="+path)
	type result struct {
		code     int
		out, err string
	}
	done := make(chan result, 1)
	go func() {
		code, out, errOut := runHoist(t, env, args...)
		done <- result{code, out, errOut}
	}()
	if visit != nil {
		go func() {
			deadline := time.Now().Add(time.Minute)
			for time.Now().Before(deadline) {
				if u := openedURLs(urls); len(u) > 0 {
					visit(u[0])
					return
				}
				time.Sleep(20 * time.Millisecond)
			}
		}()
	}
	var r result
	select {
	case r = <-done:
	case <-time.After(2 * time.Minute):
		t.Fatal("hoist login still running after 2 minutes")
	}
	log, _ := os.ReadFile(filepath.Join(dataDir, "hoist.log"))
	return r.code, r.err, string(log)
}

// checkDiagnosable checks one failure: the plain sentence with and without
// --verbose, the cause in the log and behind "Details:", and no token.
func checkDiagnosable(t *testing.T, cfg string, visit func(string), plain, cause string) {
	t.Helper()
	for _, verbose := range []bool{false, true} {
		code, stderr, log := login(t, cfg, verbose, visit)
		t.Logf("verbose=%v: exit %d\n%s", verbose, code, stderr)
		if code != 1 || !strings.Contains(stderr, plain) {
			t.Errorf("verbose=%v: exit %d, want 1 and %q", verbose, code, plain)
		}
		if got := strings.Contains(stderr, "Details:") && strings.Contains(stderr, cause); got != verbose {
			t.Errorf("verbose=%v: the cause %q on stderr: %v", verbose, cause, got)
		}
		if !strings.Contains(log, "sign-in failed") || !strings.Contains(log, cause) {
			t.Errorf("hoist.log does not hold the cause %q:\n%s", cause, log)
		}
		if hasJWT(log) || hasJWT(stderr) {
			t.Error("a token reached the log or the terminal")
		}
	}
}

func TestSignInFailuresDiagnosable(t *testing.T) {
	w := newSignInWorld(t, devstack.OIDCOptions{})
	generic := "Sign-in didn't work. Try again; if it keeps happening, tell your IT support."

	t.Run("issuer with a trailing slash", func(t *testing.T) {
		cfg := signInConfig(t, w.stack.OIDC.Issuer+"/", w.stack.OIDC.ClientID, "")
		checkDiagnosable(t, cfg, nil, generic, "did not match the issuer")
	})
	t.Run("busy redirect_port", func(t *testing.T) {
		ln, err := net.Listen("tcp4", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		defer ln.Close()
		port := ln.Addr().(*net.TCPAddr).Port
		cfg := signInConfig(t, w.stack.OIDC.Issuer, w.stack.OIDC.ClientID, fmt.Sprintf("redirect_port = %d\n", port))
		checkDiagnosable(t, cfg, nil, "another program uses the port", "address already in use")
	})

	rogue := newRogueProvider(t)
	follow := func(u string) {
		resp, err := http.Get(u) // the browser: authorize, then the loopback callback
		if err == nil {
			resp.Body.Close()
		}
	}
	verifyFailed := "Hoist couldn't verify the answer from your organisation's sign-in service."
	for _, tc := range []struct {
		name  string
		edit  func(claims map[string]any)
		key   *rsa.PrivateKey
		cause string
	}{
		{"wrong audience", func(c map[string]any) { c["aud"] = "hoist-typo" }, nil, "expected audience"},
		{"bad signature", nil, mustRSAKey(t), "failed to verify signature"},
		{"no subject", func(c map[string]any) { delete(c, "sub") }, nil, "no subject"},
		{"empty subject", func(c map[string]any) { c["sub"] = "" }, nil, "no subject"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			rogue.set(tc.edit, tc.key)
			cfg := signInConfig(t, rogue.srv.URL, rogueClientID, "")
			checkDiagnosable(t, cfg, follow, verifyFailed, tc.cause)
		})
	}
}

const rogueClientID = "hoist"

// rogueProvider is an OpenID provider that signs in anybody at once and
// issues ID tokens as told: for another audience, signed with another key,
// without a subject.
type rogueProvider struct {
	srv *httptest.Server
	key *rsa.PrivateKey

	mu     sync.Mutex
	nonces map[string]string // code → nonce
	edit   func(map[string]any)
	signer *rsa.PrivateKey
}

func mustRSAKey(t *testing.T) *rsa.PrivateKey {
	t.Helper()
	k, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	return k
}

func newRogueProvider(t *testing.T) *rogueProvider {
	t.Helper()
	p := &rogueProvider{key: mustRSAKey(t), nonces: map[string]string{}}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /.well-known/openid-configuration", func(w http.ResponseWriter, r *http.Request) {
		iss := p.srv.URL
		writeJSONBody(w, map[string]any{
			"issuer": iss, "authorization_endpoint": iss + "/authorize", "token_endpoint": iss + "/token",
			"jwks_uri": iss + "/jwks", "response_types_supported": []string{"code"},
			"subject_types_supported": []string{"public"}, "id_token_signing_alg_values_supported": []string{"RS256"},
		})
	})
	mux.HandleFunc("GET /jwks", func(w http.ResponseWriter, r *http.Request) {
		enc := base64.RawURLEncoding
		writeJSONBody(w, map[string]any{"keys": []map[string]string{{
			"kty": "RSA", "kid": "k1", "use": "sig", "alg": "RS256",
			"n": enc.EncodeToString(p.key.N.Bytes()), "e": enc.EncodeToString(big.NewInt(int64(p.key.E)).Bytes()),
		}}})
	})
	mux.HandleFunc("GET /authorize", func(w http.ResponseWriter, r *http.Request) {
		q := r.URL.Query()
		code := rand.Text()
		p.mu.Lock()
		p.nonces[code] = q.Get("nonce")
		p.mu.Unlock()
		back := url.Values{"code": {code}, "state": {q.Get("state")}}
		http.Redirect(w, r, q.Get("redirect_uri")+"?"+back.Encode(), http.StatusFound)
	})
	mux.HandleFunc("POST /token", func(w http.ResponseWriter, r *http.Request) {
		r.ParseForm()
		p.mu.Lock()
		nonce, edit, signer := p.nonces[r.PostForm.Get("code")], p.edit, p.signer
		p.mu.Unlock()
		now := time.Now()
		claims := map[string]any{"iss": p.srv.URL, "sub": "rogue-user", "aud": rogueClientID, "nonce": nonce,
			"iat": now.Unix(), "exp": now.Add(10 * time.Minute).Unix(), "email": "rogue@example.com"}
		if edit != nil {
			edit(claims)
		}
		if signer == nil {
			signer = p.key
		}
		writeJSONBody(w, map[string]any{"access_token": "at", "token_type": "Bearer", "expires_in": 600,
			"refresh_token": "rt-" + rand.Text(), "id_token": rs256(signer, claims)})
	})
	p.srv = httptest.NewServer(mux)
	t.Cleanup(p.srv.Close)
	return p
}

func (p *rogueProvider) set(edit func(map[string]any), signer *rsa.PrivateKey) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.edit, p.signer = edit, signer
}

func rs256(key *rsa.PrivateKey, claims map[string]any) string {
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

func writeJSONBody(w http.ResponseWriter, v any) {
	w.Header().Set("Content-Type", "application/json")
	_ = json.NewEncoder(w).Encode(v)
}

// jwtShape is a JSON Web Token: a base64url header and payload (both JSON
// objects, so both start "eyJ") and a signature, dot-separated.
var jwtShape = regexp.MustCompile(`eyJ[A-Za-z0-9_-]{4,}\.eyJ[A-Za-z0-9_-]{4,}\.[A-Za-z0-9_-]*`)

// hasJWT says whether s holds a token. (Looking for "eyJ" alone also hits a
// random PKCE challenge in the sign-in address now and then.)
func hasJWT(s string) bool { return jwtShape.MatchString(s) }
