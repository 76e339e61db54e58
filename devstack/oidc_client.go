package devstack

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"html"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"regexp"
	"strings"
	"time"
)

// DefaultScopes are the scopes SignIn asks for when given none.
var DefaultScopes = []string{"openid", "email", "profile", "offline_access"}

// signInRedirect is the redirect URI SignIn sends. Nothing listens there:
// SignIn reads the code from the redirect instead of following it.
const signInRedirect = "http://127.0.0.1:49999/callback"

// Tokens is a successful token endpoint answer.
type Tokens struct {
	IDToken      string `json:"id_token"`
	AccessToken  string `json:"access_token"`
	RefreshToken string `json:"refresh_token"`
	TokenType    string `json:"token_type"`
	Scope        string `json:"scope"`
	// ExpiresIn is the access token's lifetime in seconds.
	ExpiresIn int `json:"expires_in"`
}

// TokenError is an OAuth error answer (RFC 6749 §5.2), e.g. Code
// "invalid_grant" for a revoked, expired or already used refresh token.
type TokenError struct {
	Status      int
	Code        string `json:"error"`
	Description string `json:"error_description"`
}

func (e *TokenError) Error() string {
	return fmt.Sprintf("%s: %s (HTTP %d)", e.Code, e.Description, e.Status)
}

// endpoints are the parts of the discovery document SignIn and Refresh use.
type endpoints struct {
	Authorization string `json:"authorization_endpoint"`
	Token         string `json:"token_endpoint"`
}

// SignIn does without a browser what a browser sign-in does, for tests
// that need tokens but are not about the browser: an authorization request
// with PKCE (S256) and state for scopes (DefaultScopes when none are given),
// the provider's login form filled with username and password, its
// automatic consent, and the code exchange at the token endpoint. Each call
// is a fresh browser session (its own cookie jar). It fails on a wrong
// password with an error saying so, and with a *TokenError when the token
// endpoint refuses the code.
func (o *OIDC) SignIn(ctx context.Context, username, password string, scopes ...string) (*Tokens, error) {
	if len(scopes) == 0 {
		scopes = DefaultScopes
	}
	var ep endpoints
	if err := getJSON(ctx, o.Discovery(), &ep); err != nil {
		return nil, fmt.Errorf("sign in %s: discovery: %w", username, err)
	}
	verifier, state := randomToken(), randomToken()
	sum := sha256.Sum256([]byte(verifier))
	q := url.Values{
		"client_id":             {o.ClientID},
		"response_type":         {"code"},
		"redirect_uri":          {signInRedirect},
		"scope":                 {strings.Join(scopes, " ")},
		"state":                 {state},
		"code_challenge":        {base64.RawURLEncoding.EncodeToString(sum[:])},
		"code_challenge_method": {"S256"},
	}
	code, err := browse(ctx, ep.Authorization+"?"+q.Encode(), state, username, password)
	if err != nil {
		return nil, fmt.Errorf("sign in %s: %w", username, err)
	}
	tok, err := o.token(ctx, ep.Token, url.Values{
		"grant_type":    {"authorization_code"},
		"code":          {code},
		"redirect_uri":  {signInRedirect},
		"client_id":     {o.ClientID},
		"code_verifier": {verifier},
	})
	if err != nil {
		return nil, fmt.Errorf("sign in %s: %w", username, err)
	}
	return tok, nil
}

// Refresh redeems refreshToken at the token endpoint, as the app does to
// get a new ID token. With rotation on (the default) the answer carries a
// new refresh token and the old one is spent. A refused token gives a
// *TokenError (Code "invalid_grant").
func (o *OIDC) Refresh(ctx context.Context, refreshToken string) (*Tokens, error) {
	var ep endpoints
	if err := getJSON(ctx, o.Discovery(), &ep); err != nil {
		return nil, fmt.Errorf("refresh: discovery: %w", err)
	}
	tok, err := o.token(ctx, ep.Token, url.Values{
		"grant_type":    {"refresh_token"},
		"refresh_token": {refreshToken},
		"client_id":     {o.ClientID},
	})
	if err != nil {
		return nil, fmt.Errorf("refresh: %w", err)
	}
	return tok, nil
}

// token POSTs form to the token endpoint and decodes the answer.
func (o *OIDC) token(ctx context.Context, endpoint string, form url.Values) (*Tokens, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, endpoint, strings.NewReader(form.Encode()))
	if err != nil {
		return nil, err
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	resp, err := localClient().Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	if err != nil {
		return nil, err
	}
	if resp.StatusCode != http.StatusOK {
		te := &TokenError{Status: resp.StatusCode}
		if json.Unmarshal(body, te) != nil || te.Code == "" {
			return nil, fmt.Errorf("token endpoint: %s: %.200s", resp.Status, body)
		}
		return nil, te
	}
	var tok Tokens
	if err := json.Unmarshal(body, &tok); err != nil {
		return nil, fmt.Errorf("token endpoint: %w", err)
	}
	return &tok, nil
}

var formAction = regexp.MustCompile(`<form[^>]*\baction="([^"]+)"`)

// browse follows the provider's redirects from start as a browser would,
// posting username and password to the first login form it meets, until a
// redirect reaches signInRedirect; it returns that redirect's code after
// checking state.
func browse(ctx context.Context, start, state, username, password string) (string, error) {
	jar, err := cookiejar.New(nil)
	if err != nil {
		return "", err
	}
	c := localClient()
	c.Jar = jar
	next, form := start, url.Values(nil)
	loggedIn := false
	for range 20 {
		resp, err := visit(ctx, c, next, form)
		if err != nil {
			return "", err
		}
		body, _ := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
		resp.Body.Close()
		form = nil
		switch {
		case resp.StatusCode >= 300 && resp.StatusCode < 400:
			loc, err := resp.Location()
			if err != nil {
				return "", fmt.Errorf("redirect from %s: %w", next, err)
			}
			if strings.HasPrefix(loc.String(), signInRedirect) {
				return codeFrom(loc, state)
			}
			next = loc.String()
		case resp.StatusCode == http.StatusUnauthorized && loggedIn:
			return "", errors.New("the provider refused the username or password")
		case resp.StatusCode == http.StatusOK && !loggedIn:
			m := formAction.FindSubmatch(body)
			if m == nil {
				return "", fmt.Errorf("no login form at %s: %.300s", next, body)
			}
			action, err := resp.Request.URL.Parse(html.UnescapeString(string(m[1])))
			if err != nil {
				return "", fmt.Errorf("login form action: %w", err)
			}
			next, form, loggedIn = action.String(), url.Values{"login": {username}, "password": {password}}, true
		default:
			return "", fmt.Errorf("unexpected answer from %s: %s: %.300s", next, resp.Status, body)
		}
	}
	return "", errors.New("too many redirects")
}

// visit GETs target, or POSTs form to it when form is not nil.
func visit(ctx context.Context, c *http.Client, target string, form url.Values) (*http.Response, error) {
	method, body := http.MethodGet, io.Reader(nil)
	if form != nil {
		method, body = http.MethodPost, strings.NewReader(form.Encode())
	}
	req, err := http.NewRequestWithContext(ctx, method, target, body)
	if err != nil {
		return nil, err
	}
	if form != nil {
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	}
	return c.Do(req)
}

// codeFrom returns the code in the final redirect, or the OAuth error it
// carries.
func codeFrom(loc *url.URL, state string) (string, error) {
	q := loc.Query()
	if e := q.Get("error"); e != "" {
		return "", fmt.Errorf("authorization failed: %s: %s", e, q.Get("error_description"))
	}
	if q.Get("state") != state {
		return "", fmt.Errorf("authorization answered state %q, want %q", q.Get("state"), state)
	}
	if q.Get("code") == "" {
		return "", fmt.Errorf("authorization redirect without a code: %s", loc)
	}
	return q.Get("code"), nil
}

// randomToken returns 32 random bytes, base64url-encoded (43 characters):
// a valid PKCE verifier and an unguessable state.
func randomToken() string {
	b := make([]byte, 32)
	_, _ = rand.Read(b) // never fails (crypto/rand)
	return base64.RawURLEncoding.EncodeToString(b)
}

// UnverifiedClaims returns the claims of a JWT such as an ID token without
// checking its signature: for tests that want to look at what the provider
// issued. Never use it to trust a token.
func UnverifiedClaims(jwt string) (map[string]any, error) {
	parts := strings.Split(jwt, ".")
	if len(parts) != 3 {
		return nil, fmt.Errorf("read jwt claims: %d parts, want 3", len(parts))
	}
	b, err := base64.RawURLEncoding.DecodeString(parts[1])
	if err != nil {
		return nil, fmt.Errorf("read jwt claims: %w", err)
	}
	var claims map[string]any
	if err := json.Unmarshal(b, &claims); err != nil {
		return nil, fmt.Errorf("read jwt claims: %w", err)
	}
	return claims, nil
}

// ExpiresAt returns the exp claim of a JWT (unverified) as a time.
func ExpiresAt(jwt string) (time.Time, error) {
	claims, err := UnverifiedClaims(jwt)
	if err != nil {
		return time.Time{}, err
	}
	exp, ok := claims["exp"].(float64)
	if !ok {
		return time.Time{}, errors.New("read jwt claims: no numeric exp")
	}
	return time.Unix(int64(exp), 0), nil
}
