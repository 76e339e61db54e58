package signin

import (
	"context"
	"errors"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"
)

// signedIn returns a client that has completed a sign-in against fp.
func signedIn(t *testing.T, fp *fakeProvider, edit ...func(*Config)) *Client {
	t.Helper()
	b, seen := followingBrowser()
	c := newTestClient(t, fp, b, edit...)
	if _, err := c.SignIn(t.Context(), nil); err != nil {
		t.Fatalf("SignIn: %v", err)
	}
	<-seen
	return c
}

func mustIDToken(t *testing.T, c *Client) string {
	t.Helper()
	raw, err := c.IDToken(t.Context())
	if err != nil {
		t.Fatalf("IDToken: %v", err)
	}
	return raw
}

func TestIDTokenRefreshesNearExpiry(t *testing.T) {
	clock := newTestClock()
	fp := newFakeProvider(t, clock) // tokens live 10 min
	c := signedIn(t, fp)
	first := mustIDToken(t, c)
	firstRT, _ := c.cfg.Store.Load(c.storeKey)

	clock.Advance(8*time.Minute + 59*time.Second) // 61 s left: keep
	if got := mustIDToken(t, c); got != first {
		t.Error("refreshed with more than RefreshBefore left")
	}
	if n, _ := fp.counts(); n != 0 {
		t.Errorf("%d refreshes, want 0", n)
	}

	clock.Advance(2 * time.Second) // 59 s left: refresh
	second := mustIDToken(t, c)
	if second == first {
		t.Error("not refreshed with less than RefreshBefore left")
	}
	if n, _ := fp.counts(); n != 1 {
		t.Errorf("%d refreshes, want 1", n)
	}
	if id := c.Identity(); !id.Expiry.Equal(clock.Now().Add(10 * time.Minute)) {
		t.Errorf("identity expiry %v not updated", id.Expiry)
	}
	if rt, _ := c.cfg.Store.Load(c.storeKey); rt == firstRT || rt == "" {
		t.Errorf("rotated refresh token not saved: %q", rt)
	}
	if got := mustIDToken(t, c); got != second {
		t.Error("refreshed again at once")
	}
}

func TestIDTokenRefreshMarginCappedAtHalfLifetime(t *testing.T) {
	clock := newTestClock()
	fp := newFakeProvider(t, clock)
	fp.set(func(fp *fakeProvider) { fp.ttl = 100 * time.Second })
	c := signedIn(t, fp, func(cfg *Config) { cfg.RefreshBefore = 5 * time.Minute })
	first := mustIDToken(t, c)
	clock.Advance(49 * time.Second)
	if mustIDToken(t, c) != first {
		t.Error("refreshed before half the lifetime")
	}
	clock.Advance(2 * time.Second)
	if mustIDToken(t, c) == first {
		t.Error("not refreshed after half the lifetime")
	}
}

func TestIDTokenConcurrentCallersShareOneRefresh(t *testing.T) {
	clock := newTestClock()
	fp := newFakeProvider(t, clock)
	c := signedIn(t, fp)
	gate := make(chan struct{})
	arrived := make(chan struct{}, 100)
	fp.set(func(fp *fakeProvider) {
		fp.refreshGate = gate
		fp.onRefresh = func() { arrived <- struct{}{} }
	})
	clock.Advance(9*time.Minute + 30*time.Second)

	const callers = 16
	var wg sync.WaitGroup
	tokens := make([]string, callers)
	errs := make([]error, callers)
	for i := range callers {
		wg.Go(func() { tokens[i], errs[i] = c.IDToken(t.Context()) })
	}
	<-arrived                          // one refresh is at the provider
	time.Sleep(100 * time.Millisecond) // let the other callers pile up behind it
	close(gate)
	wg.Wait()
	for i := range callers {
		if errs[i] != nil || tokens[i] != tokens[0] {
			t.Errorf("caller %d: %v (same token: %v)", i, errs[i], tokens[i] == tokens[0])
		}
	}
	if n, _ := fp.counts(); n != 1 {
		t.Errorf("%d refreshes for %d concurrent callers, want 1", n, callers)
	}
}

func TestIDTokenCallerGivesUpWithoutCancellingTheRefresh(t *testing.T) {
	clock := newTestClock()
	fp := newFakeProvider(t, clock)
	c := signedIn(t, fp)
	gate := make(chan struct{})
	fp.set(func(fp *fakeProvider) { fp.refreshGate = gate })
	clock.Advance(9*time.Minute + 30*time.Second)
	ctx, cancel := context.WithTimeout(t.Context(), 50*time.Millisecond)
	defer cancel()
	if _, err := c.IDToken(ctx); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("err = %v, want the caller's deadline", err)
	}
	close(gate)
	if _, err := c.IDToken(t.Context()); err != nil {
		t.Fatalf("IDToken after the refresh finished: %v", err)
	}
	if n, _ := fp.counts(); n != 1 {
		t.Errorf("%d refreshes, want the first one reused", n)
	}
}

func TestIDTokenRefreshRefused(t *testing.T) {
	clock := newTestClock()
	fp := newFakeProvider(t, clock)
	c := signedIn(t, fp)
	fp.set(func(fp *fakeProvider) { fp.refuseRefresh = true })
	clock.Advance(9*time.Minute + 30*time.Second)
	_, err := c.IDToken(t.Context())
	if !errors.Is(err, ErrSignInRequired) || errors.Is(err, ErrProviderUnreachable) {
		t.Fatalf("err = %v, want ErrSignInRequired", err)
	}
	var pe *ProviderError
	if !errors.As(err, &pe) || pe.Code != "invalid_grant" || pe.Step != StepRefresh {
		t.Errorf("provider error = %+v", pe)
	}
	if _, err := c.cfg.Store.Load(c.storeKey); !errors.Is(err, ErrNotFound) {
		t.Errorf("dead refresh token still stored: %v", err)
	}
	_, err = c.IDToken(t.Context())
	if !errors.Is(err, ErrNotSignedIn) || !errors.Is(err, ErrSignInRequired) {
		t.Errorf("next IDToken = %v, want ErrNotSignedIn", err)
	}
	if UserMessage(err) != "You're not signed in. Choose Sign in to continue." {
		t.Errorf("UserMessage = %q", UserMessage(err))
	}
}

func TestIDTokenProviderUnreachable(t *testing.T) {
	clock := newTestClock()
	fp := newFakeProvider(t, clock)
	c := signedIn(t, fp)
	first := mustIDToken(t, c)
	fp.srv.Close() // connection refused from now on

	clock.Advance(9*time.Minute + 30*time.Second) // due, but not expired
	if got := mustIDToken(t, c); got != first {
		t.Error("still-valid token not returned while the provider is down")
	}
	clock.Advance(time.Minute) // expired
	_, err := c.IDToken(t.Context())
	if !errors.Is(err, ErrProviderUnreachable) || errors.Is(err, ErrSignInRequired) {
		t.Fatalf("err = %v, want ErrProviderUnreachable", err)
	}
	if _, err := c.cfg.Store.Load(c.storeKey); err != nil {
		t.Errorf("refresh token lost while the provider is down: %v", err)
	}
	if c.Identity() == nil {
		t.Error("session dropped while the provider is down")
	}
}

func TestIDTokenNotSignedIn(t *testing.T) {
	fp := newFakeProvider(t, newTestClock())
	c := newTestClient(t, fp, nil)
	if _, err := c.IDToken(t.Context()); !errors.Is(err, ErrNotSignedIn) {
		t.Errorf("err = %v", err)
	}
	if c.Identity() != nil {
		t.Error("identity without sign-in")
	}
}

func TestIDTokenRefreshChangingSubjectRejected(t *testing.T) {
	clock := newTestClock()
	fp := newFakeProvider(t, clock)
	c := signedIn(t, fp)
	fp.set(func(fp *fakeProvider) { fp.extraClaims = map[string]any{"sub": "someone-else"} })
	clock.Advance(10 * time.Minute)
	if _, err := c.IDToken(t.Context()); !errors.Is(err, ErrInvalidIDToken) {
		t.Errorf("err = %v, want ErrInvalidIDToken", err)
	}
}

func TestTokenRetriever(t *testing.T) {
	fp := newFakeProvider(t, newTestClock())
	c := signedIn(t, fp)
	r := c.TokenRetriever(t.Context())
	got, err := r.GetIdentityToken()
	if err != nil || string(got) != mustIDToken(t, c) {
		t.Errorf("GetIdentityToken = %q, %v", got, err)
	}
	if _, err := c.SignOut(t.Context()); err != nil {
		t.Fatal(err)
	}
	if _, err := r.GetIdentityToken(); !errors.Is(err, ErrSignInRequired) {
		t.Errorf("after sign-out: %v", err)
	}
}

func TestRestore(t *testing.T) {
	clock := newTestClock()
	fp := newFakeProvider(t, clock)
	store := NewMemoryStore()
	useStore := func(cfg *Config) { cfg.Store = store }
	first := signedIn(t, fp, useStore)

	// Next start: a new client on the same store signs in silently.
	c := newTestClient(t, fp, nil, useStore)
	id, err := c.Restore(t.Context())
	if err != nil {
		t.Fatalf("Restore: %v", err)
	}
	if id.Subject != "user-123" || id.DisplayName() != "Ada Lovelace" {
		t.Errorf("identity = %+v", id)
	}
	if raw := mustIDToken(t, c); raw == mustIDToken(t, first) {
		t.Error("Restore did not fetch a new ID token")
	}

	t.Run("nothing stored", func(t *testing.T) {
		c := newTestClient(t, fp, nil)
		if _, err := c.Restore(t.Context()); !errors.Is(err, ErrNotSignedIn) {
			t.Errorf("err = %v, want ErrNotSignedIn", err)
		}
	})
	t.Run("refused", func(t *testing.T) {
		store := NewMemoryStore()
		c := newTestClient(t, fp, nil, func(cfg *Config) { cfg.Store = store })
		if err := store.Save(c.storeKey, "rt-revoked-long-ago"); err != nil {
			t.Fatal(err)
		}
		_, err := c.Restore(t.Context())
		if !errors.Is(err, ErrSignInRequired) || errors.Is(err, ErrNotSignedIn) {
			t.Errorf("err = %v, want ErrSignInRequired", err)
		}
		if _, err := store.Load(c.storeKey); !errors.Is(err, ErrNotFound) {
			t.Errorf("dead token not deleted: %v", err)
		}
	})
	t.Run("provider down keeps the token", func(t *testing.T) {
		down := newFakeProvider(t, clock)
		store := NewMemoryStore()
		c := newTestClient(t, down, nil, func(cfg *Config) { cfg.Store = store })
		_ = store.Save(c.storeKey, "rt-whatever")
		down.srv.Close()
		if _, err := c.Restore(t.Context()); !errors.Is(err, ErrProviderUnreachable) {
			t.Errorf("err = %v, want ErrProviderUnreachable", err)
		}
		if v, err := store.Load(c.storeKey); err != nil || v != "rt-whatever" {
			t.Errorf("token lost: %q %v", v, err)
		}
	})
}

func TestSignOut(t *testing.T) {
	fp := newFakeProvider(t, newTestClock())
	c := signedIn(t, fp)
	rt, _ := c.cfg.Store.Load(c.storeKey)
	raw := mustIDToken(t, c)

	endURL, err := c.SignOut(t.Context())
	if err != nil {
		t.Fatalf("SignOut: %v", err)
	}
	if _, err := c.cfg.Store.Load(c.storeKey); !errors.Is(err, ErrNotFound) {
		t.Errorf("refresh token still stored: %v", err)
	}
	if _, revoked := fp.counts(); len(revoked) != 1 || revoked[0] != rt {
		t.Errorf("revoked %v, want [%s]", revoked, rt)
	}
	u, err := url.Parse(endURL)
	if err != nil || !strings.HasPrefix(endURL, fp.issuer+"/session/end?") {
		t.Fatalf("end-session URL %q: %v", endURL, err)
	}
	q := u.Query()
	if q.Get("id_token_hint") != raw || q.Get("client_id") != testClientID || q.Get("ui") != "plain" {
		t.Errorf("end-session query = %v", q)
	}
	if _, err := c.IDToken(t.Context()); !errors.Is(err, ErrNotSignedIn) {
		t.Errorf("IDToken after sign-out = %v", err)
	}
	if c.Identity() != nil {
		t.Error("identity after sign-out")
	}

	// Signing out again, or with the provider down, still succeeds locally.
	fp.srv.Close()
	if _, err := c.SignOut(t.Context()); err != nil {
		t.Errorf("second SignOut: %v", err)
	}
}

func TestSignOutRevokesStoredTokenOfUnrestoredSession(t *testing.T) {
	fp := newFakeProvider(t, newTestClock())
	store := NewMemoryStore()
	signedIn(t, fp, func(cfg *Config) { cfg.Store = store })
	c := newTestClient(t, fp, nil, func(cfg *Config) { cfg.Store = store })
	rt, _ := store.Load(c.storeKey)
	if _, err := c.SignOut(t.Context()); err != nil {
		t.Fatal(err)
	}
	if _, revoked := fp.counts(); len(revoked) != 1 || revoked[0] != rt {
		t.Errorf("revoked %v, want the stored %s", revoked, rt)
	}
}
