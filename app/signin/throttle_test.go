package signin

import (
	"errors"
	"net/http"
	"strings"
	"testing"
	"time"
)

// An organisation may rate-limit its sign-in service. A throttled refresh,
// restore, discovery or code exchange means "wait and try again": the
// session and the saved refresh token are kept, and nothing asks the person
// to sign in again.

var throttles = []struct {
	name   string
	status int
	code   string
}{
	{"429 without a body", http.StatusTooManyRequests, ""},
	{"429 slow_down", http.StatusTooManyRequests, "slow_down"},
	{"400 slow_down", http.StatusBadRequest, "slow_down"},
	{"503 temporarily_unavailable", http.StatusServiceUnavailable, "temporarily_unavailable"},
}

func TestIDTokenRefreshThrottledKeepsSession(t *testing.T) {
	for _, th := range throttles {
		t.Run(th.name, func(t *testing.T) {
			clock := newTestClock()
			fp := newFakeProvider(t, clock)
			c := signedIn(t, fp)
			first := mustIDToken(t, c)
			fp.set(func(fp *fakeProvider) { fp.throttle.status, fp.throttle.code = th.status, th.code })

			clock.Advance(9*time.Minute + 30*time.Second) // due, not expired
			if got := mustIDToken(t, c); got != first {
				t.Error("still-valid token not returned while throttled")
			}
			clock.Advance(time.Minute) // expired
			_, err := c.IDToken(t.Context())
			if !errors.Is(err, ErrProviderUnreachable) || errors.Is(err, ErrSignInRequired) {
				t.Fatalf("err = %v, want ErrProviderUnreachable and not ErrSignInRequired", err)
			}
			if th.status != http.StatusServiceUnavailable && !errors.Is(err, ErrProviderBusy) {
				t.Errorf("err = %v, want ErrProviderBusy", err)
			}
			if c.Identity() == nil {
				t.Fatal("signed out by a rate limit")
			}
			if _, err := c.cfg.Store.Load(c.storeKey); err != nil {
				t.Fatalf("refresh token forgotten by a rate limit: %v", err)
			}
			if msg := UserMessage(err); strings.Contains(msg, "Sign in") || strings.Contains(msg, "expired") {
				t.Errorf("UserMessage = %q", msg)
			}
			// The limit lifts: the next call renews the token.
			fp.set(func(fp *fakeProvider) { fp.throttle.status = 0 })
			if got := mustIDToken(t, c); got == first {
				t.Error("not refreshed after the rate limit lifted")
			}
		})
	}
}

func TestRestoreThrottledKeepsToken(t *testing.T) {
	for _, th := range throttles {
		t.Run(th.name, func(t *testing.T) {
			fp := newFakeProvider(t, newTestClock())
			store := NewMemoryStore()
			useStore := func(cfg *Config) { cfg.Store = store }
			signedIn(t, fp, useStore)
			saved, _ := store.Load(fp.issuer + " " + testClientID)

			fp.set(func(fp *fakeProvider) { fp.throttle.status, fp.throttle.code = th.status, th.code })
			c := newTestClient(t, fp, nil, useStore)
			_, err := c.Restore(t.Context())
			if !errors.Is(err, ErrProviderUnreachable) || errors.Is(err, ErrSignInRequired) {
				t.Fatalf("err = %v, want ErrProviderUnreachable", err)
			}
			if v, err := store.Load(c.storeKey); err != nil || v != saved {
				t.Fatalf("saved sign-in lost: %q %v", v, err)
			}
			fp.set(func(fp *fakeProvider) { fp.throttle.status = 0 })
			if _, err := c.Restore(t.Context()); err != nil {
				t.Fatalf("Restore after the limit lifted: %v", err)
			}
		})
	}
}

func TestSignInThrottled(t *testing.T) {
	fp := newFakeProvider(t, newTestClock())
	fp.set(func(fp *fakeProvider) { fp.throttle.status = http.StatusTooManyRequests })
	b, seen := followingBrowser()
	c := newTestClient(t, fp, b)
	_, err := c.SignIn(t.Context(), nil)
	<-seen
	if !errors.Is(err, ErrProviderBusy) {
		t.Fatalf("err = %v, want ErrProviderBusy", err)
	}
	if msg := UserMessage(err); !strings.Contains(msg, "busy") {
		t.Errorf("UserMessage = %q", msg)
	}
}

func TestDiscoveryThrottled(t *testing.T) {
	fp := newFakeProvider(t, newTestClock())
	fp.set(func(fp *fakeProvider) { fp.discoveryStatus = http.StatusTooManyRequests })
	b, _ := idleBrowser()
	c := newTestClient(t, fp, b)
	_, err := c.SignIn(t.Context(), nil)
	if !errors.Is(err, ErrProviderBusy) {
		t.Fatalf("err = %v, want ErrProviderBusy", err)
	}
	fp.set(func(fp *fakeProvider) { fp.discoveryStatus = 0 })
	if _, err := c.discover(t.Context()); err != nil {
		t.Fatalf("discovery after the limit lifted: %v", err)
	}
}

func TestDetailsRedactsTokens(t *testing.T) {
	jwt := signJWT(testKey(), map[string]any{"sub": "x"})
	err := errors.New("provider said: " + jwt + " is bad")
	got := Details(err)
	if strings.Contains(got, jwt) || !strings.Contains(got, "[token]") || !strings.HasPrefix(got, "provider said: ") {
		t.Fatalf("Details = %q", got)
	}
	if Details(nil) != "" {
		t.Error("Details(nil) not empty")
	}
}
