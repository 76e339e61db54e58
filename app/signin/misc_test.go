package signin

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"
)

func TestNewValidatesAndDefaults(t *testing.T) {
	bad := []Config{
		{Issuer: "https://idp.example"},
		{ClientID: "x"},
		{Issuer: "idp.example", ClientID: "x"},
		{Issuer: "ftp://idp.example", ClientID: "x"},
		{Issuer: "https://idp.example", ClientID: "x", Timeout: -time.Second},
	}
	for _, cfg := range bad {
		if _, err := New(cfg); err == nil {
			t.Errorf("New(%+v) accepted", cfg)
		}
	}
	c, err := New(Config{Issuer: "https://idp.example", ClientID: "x", Scopes: []string{"email"}})
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(c.cfg.Scopes, []string{"openid", "email"}) {
		t.Errorf("scopes = %v, want openid added", c.cfg.Scopes)
	}
	if c.cfg.Timeout != DefaultTimeout || c.cfg.RefreshBefore != DefaultRefreshBefore ||
		c.cfg.Browser == nil || c.cfg.Store == nil || c.cfg.HTTPClient == nil || c.cfg.Clock == nil {
		t.Errorf("defaults missing: %+v", c.cfg)
	}
	c, _ = New(Config{Issuer: "https://idp.example", ClientID: "x"})
	if !slices.Equal(c.cfg.Scopes, []string{"openid", "profile", "email", "offline_access"}) {
		t.Errorf("default scopes = %v", c.cfg.Scopes)
	}
}

func TestNewDoesNoNetworkIO(t *testing.T) {
	calls := 0
	hc := &http.Client{Transport: roundTripFunc(func(*http.Request) (*http.Response, error) {
		calls++
		return nil, errors.New("no network in New")
	})}
	if _, err := New(Config{Issuer: "https://idp.example", ClientID: "x", HTTPClient: hc}); err != nil {
		t.Fatal(err)
	}
	if calls != 0 {
		t.Errorf("New made %d requests", calls)
	}
}

type roundTripFunc func(*http.Request) (*http.Response, error)

func (f roundTripFunc) RoundTrip(r *http.Request) (*http.Response, error) { return f(r) }

func TestCustomScopesRequested(t *testing.T) {
	fp := newFakeProvider(t, newTestClock())
	b, seen := followingBrowser()
	c := newTestClient(t, fp, b, func(cfg *Config) { cfg.Scopes = []string{"openid", "groups"} })
	var scope string
	if _, err := c.SignIn(t.Context(), func(u string) {
		au, _ := url.Parse(u)
		scope = au.Query().Get("scope")
	}); err != nil {
		t.Fatal(err)
	}
	<-seen
	if scope != "openid groups" {
		t.Errorf("scope = %q", scope)
	}
}

func TestIdentityDisplayName(t *testing.T) {
	tests := []struct {
		id   Identity
		want string
	}{
		{Identity{Subject: "s", Email: "e", PreferredUsername: "p", Name: "n"}, "n"},
		{Identity{Subject: "s", Email: "e", PreferredUsername: "p"}, "e"},
		{Identity{Subject: "s", PreferredUsername: "p"}, "p"},
		{Identity{Subject: "s"}, "s"},
	}
	for _, tt := range tests {
		if got := tt.id.DisplayName(); got != tt.want {
			t.Errorf("%+v.DisplayName() = %q, want %q", tt.id, got, tt.want)
		}
	}
}

func TestFlatClaims(t *testing.T) {
	var raw map[string]json.RawMessage
	if err := json.Unmarshal([]byte(`{"sub":"u","n":42,"b":false,"o":{"x":1},"a":[1],"z":null,"q":"a \"b\""}`), &raw); err != nil {
		t.Fatal(err)
	}
	got := flatClaims(raw)
	want := map[string]string{"sub": "u", "n": "42", "b": "false", "q": `a "b"`}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("flatClaims = %v, want %v", got, want)
	}
}

func TestIdentityIsACopy(t *testing.T) {
	fp := newFakeProvider(t, newTestClock())
	c := signedIn(t, fp)
	id := c.Identity()
	id.Claims["sub"] = "changed"
	id.Email = "changed"
	if again := c.Identity(); again.Claims["sub"] != "user-123" || again.Email != "ada@example.com" {
		t.Error("Identity() shares state with the client")
	}
}

func TestUserMessage(t *testing.T) {
	tests := []struct {
		err  error
		want string
	}{
		{nil, ""},
		{fmt.Errorf("x: %w", ErrSignInInProgress), "A sign-in is already open"},
		{&UnreachableError{URL: "u", Err: errors.New("refused")}, "Hoist can't reach your organisation's sign-in service. Check your internet connection and try again."},
		{fmt.Errorf("x: %w", ErrTimedOut), "Sign-in took too long"},
		{fmt.Errorf("x: %w", context.Canceled), "Sign-in was cancelled."},
		{&ProviderError{Step: StepAuthorize, Code: "access_denied"}, "Sign-in was cancelled or refused."},
		{&ProviderError{Step: StepToken, Code: "invalid_grant"}, "already used or has expired"},
		{&ProviderError{Step: StepAuthorize, Code: "temporarily_unavailable"}, "reported a problem (temporarily_unavailable)"},
		{fmt.Errorf("x: %w", ErrInvalidIDToken), "couldn't verify"},
		{fmt.Errorf("x: %w", ErrNotSignedIn), "You're not signed in."},
		{fmt.Errorf("x: %w", ErrSignInRequired), "Your sign-in has expired."},
		{errors.New("other"), "Sign-in didn't work."},
	}
	for _, tt := range tests {
		if got := UserMessage(tt.err); !strings.Contains(got, tt.want) || (tt.want == "" && got != "") {
			t.Errorf("UserMessage(%v) = %q, want it to contain %q", tt.err, got, tt.want)
		}
	}
}

func TestCallbackFromAnotherIssuerIgnored(t *testing.T) {
	fp := newFakeProvider(t, newTestClock())
	statuses := make(chan int, 1)
	b := browserFunc(func(authURL string) error {
		loc, err := authorizeRedirect(authURL)
		if err != nil {
			return err
		}
		mixed := *loc
		q := mixed.Query()
		q.Set("iss", "https://evil.example")
		mixed.RawQuery = q.Encode()
		res, err := visit(mixed.String())
		if err != nil {
			return err
		}
		statuses <- res.status
		_, err = visit(loc.String())
		return err
	})
	c := newTestClient(t, fp, b)
	if _, err := c.SignIn(t.Context(), nil); err != nil {
		t.Fatalf("SignIn: %v", err)
	}
	if s := <-statuses; s != http.StatusBadRequest {
		t.Errorf("mix-up callback got %d, want 400", s)
	}
}

func TestPageHeaders(t *testing.T) {
	fp := newFakeProvider(t, newTestClock())
	headers := make(chan http.Header, 1)
	b := browserFunc(func(authURL string) error {
		loc, err := authorizeRedirect(authURL)
		if err != nil {
			return err
		}
		resp, err := http.Get(loc.String())
		if err != nil {
			return err
		}
		_, _ = io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		headers <- resp.Header
		return nil
	})
	c := newTestClient(t, fp, b, func(cfg *Config) { cfg.Logger = slog.New(slog.DiscardHandler) })
	if _, err := c.SignIn(t.Context(), nil); err != nil {
		t.Fatal(err)
	}
	h := <-headers
	for k, want := range map[string]string{
		"Content-Type":    "text/html; charset=utf-8",
		"Cache-Control":   "no-store",
		"Referrer-Policy": "no-referrer",
	} {
		if h.Get(k) != want {
			t.Errorf("%s = %q, want %q", k, h.Get(k), want)
		}
	}
}
