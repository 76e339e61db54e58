package signin

import (
	"context"
	"errors"
	"net"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"
)

func TestSignInHappyPath(t *testing.T) {
	fp := newFakeProvider(t, newTestClock())
	b, seen := followingBrowser()
	c := newTestClient(t, fp, b)
	var shown string
	id, err := c.SignIn(t.Context(), func(u string) { shown = u })
	if err != nil {
		t.Fatalf("SignIn: %v", err)
	}
	page := <-seen
	if page.status != http.StatusOK || !strings.Contains(page.body, "You&#39;re signed in to Hoist. You can close this tab and return to Hoist.") {
		t.Errorf("browser saw %d %q", page.status, page.body)
	}

	au, err := url.Parse(shown)
	if err != nil {
		t.Fatal(err)
	}
	q := au.Query()
	redirect, _ := url.Parse(q.Get("redirect_uri"))
	if redirect.Scheme != "http" || redirect.Hostname() != "127.0.0.1" || redirect.Port() == "" || redirect.Path != "/callback" {
		t.Errorf("redirect_uri = %q, want http://127.0.0.1:PORT/callback", redirect)
	}
	if page.url != "" && !strings.HasPrefix(page.url, redirect.String()) {
		t.Errorf("browser ended on %q, not the redirect URI", page.url)
	}
	for _, want := range []string{"openid", "profile", "email", "offline_access"} {
		if !strings.Contains(" "+q.Get("scope")+" ", " "+want+" ") {
			t.Errorf("scope %q lacks %s", q.Get("scope"), want)
		}
	}
	if q.Get("code_challenge_method") != "S256" || len(q.Get("state")) < 20 || len(q.Get("nonce")) < 20 {
		t.Errorf("weak request: %v", q)
	}

	if id.Subject != "user-123" || id.Email != "ada@example.com" || id.PreferredUsername != "ada" ||
		id.Name != "Ada Lovelace" || id.Issuer != fp.issuer {
		t.Errorf("identity = %+v", id)
	}
	if id.Claims["sub"] != "user-123" || id.Claims["email"] != "ada@example.com" ||
		id.Claims["preferred_username"] != "ada" || id.Claims["email_verified"] != "true" {
		t.Errorf("claims = %v", id.Claims)
	}
	if _, ok := id.Claims["groups"]; ok {
		t.Errorf("array claim kept: %v", id.Claims)
	}
	if id.Claims["nonce"] != q.Get("nonce") {
		t.Errorf("token nonce %q, request nonce %q", id.Claims["nonce"], q.Get("nonce"))
	}
	if want := fp.clock.Now().Add(fp.ttl); !id.Expiry.Equal(want) {
		t.Errorf("expiry %v, want %v", id.Expiry, want)
	}
	if got := c.Identity(); got == nil || got.Subject != id.Subject {
		t.Errorf("Identity() = %+v", got)
	}
	raw, err := c.IDToken(t.Context())
	if err != nil || strings.Count(raw, ".") != 2 {
		t.Errorf("IDToken = %q, %v", raw, err)
	}
	if v, err := c.cfg.Store.Load(c.storeKey); err != nil || !strings.HasPrefix(v, "rt-") {
		t.Errorf("stored refresh token = %q, %v", v, err)
	}
}

func TestSignInIgnoresWrongStateAndOtherPaths(t *testing.T) {
	fp := newFakeProvider(t, newTestClock())
	type probe struct {
		name   string
		status int
		body   string
	}
	probes := make(chan []probe, 1)
	b := browserFunc(func(authURL string) error {
		loc, err := authorizeRedirect(authURL)
		if err != nil {
			return err
		}
		base := "http://" + loc.Host
		wrong := *loc
		q := wrong.Query()
		q.Set("state", "not-the-state")
		wrong.RawQuery = q.Encode()
		noState := *loc
		q = noState.Query()
		q.Del("state")
		noState.RawQuery = q.Encode()
		var got []probe
		for _, p := range []struct{ name, url string }{
			{"wrong state", wrong.String()},
			{"missing state", noState.String()},
			{"other path", base + "/favicon.ico"},
			{"root", base + "/"},
			{"callback prefix", base + "/callback/x?" + loc.RawQuery},
			{"real", loc.String()},
		} {
			res, err := visit(p.url)
			if err != nil {
				return err
			}
			got = append(got, probe{p.name, res.status, res.body})
		}
		probes <- got
		return nil
	})
	c := newTestClient(t, fp, b)
	if _, err := c.SignIn(t.Context(), nil); err != nil {
		t.Fatalf("SignIn: %v", err)
	}
	want := map[string]int{"wrong state": 400, "missing state": 400, "other path": 404, "root": 404, "callback prefix": 404, "real": 200}
	for _, p := range <-probes {
		if p.status != want[p.name] {
			t.Errorf("%s: status %d, want %d (%q)", p.name, p.status, want[p.name], p.body)
		}
		if strings.Contains(p.name, "state") && !strings.Contains(p.body, "out of date") {
			t.Errorf("%s: page %q does not explain", p.name, p.body)
		}
	}
}

func TestSignInAccessDenied(t *testing.T) {
	fp := newFakeProvider(t, newTestClock())
	fp.set(func(fp *fakeProvider) {
		fp.authorizeError = [2]string{"access_denied", "End-User aborted <interaction>"}
	})
	b, seen := followingBrowser()
	c := newTestClient(t, fp, b)
	_, err := c.SignIn(t.Context(), nil)
	if !errors.Is(err, ErrAccessDenied) {
		t.Fatalf("err = %v, want ErrAccessDenied", err)
	}
	var pe *ProviderError
	if !errors.As(err, &pe) || pe.Code != "access_denied" || pe.Description != "End-User aborted <interaction>" || pe.Step != StepAuthorize {
		t.Errorf("provider error = %+v", pe)
	}
	page := <-seen
	if !strings.Contains(page.body, "Sign-in was cancelled or refused.") {
		t.Errorf("page = %q", page.body)
	}
	if strings.Contains(page.body, "<interaction>") || !strings.Contains(page.body, "&lt;interaction&gt;") {
		t.Errorf("provider text not escaped: %q", page.body)
	}
	if c.Identity() != nil {
		t.Error("signed in after access_denied")
	}
	if msg := UserMessage(err); !strings.HasPrefix(msg, "Sign-in was cancelled or refused.") {
		t.Errorf("UserMessage = %q", msg)
	}
}

func TestSignInOtherProviderErrorEscaped(t *testing.T) {
	fp := newFakeProvider(t, newTestClock())
	fp.set(func(fp *fakeProvider) {
		fp.authorizeError = [2]string{"server_error", `<script>alert("x")</script>`}
	})
	b, seen := followingBrowser()
	c := newTestClient(t, fp, b)
	_, err := c.SignIn(t.Context(), nil)
	var pe *ProviderError
	if !errors.As(err, &pe) || pe.Code != "server_error" || errors.Is(err, ErrAccessDenied) {
		t.Fatalf("err = %v", err)
	}
	page := <-seen
	if strings.Contains(page.body, "<script>") || !strings.Contains(page.body, "&lt;script&gt;") {
		t.Errorf("page not escaped: %q", page.body)
	}
	if !strings.Contains(page.body, "reported a problem") {
		t.Errorf("page = %q", page.body)
	}
}

func TestSignInReplayedCodeRefused(t *testing.T) {
	fp := newFakeProvider(t, newTestClock())
	var firstCode string
	seen := make(chan visitResult, 2)
	b := browserFunc(func(authURL string) error {
		loc, err := authorizeRedirect(authURL)
		if err != nil {
			return err
		}
		q := loc.Query()
		if firstCode == "" {
			firstCode = q.Get("code")
		} else {
			q.Set("code", firstCode) // an old callback replayed into a new sign-in
			loc.RawQuery = q.Encode()
		}
		res, err := visit(loc.String())
		seen <- res
		return err
	})
	c := newTestClient(t, fp, b)
	if _, err := c.SignIn(t.Context(), nil); err != nil {
		t.Fatalf("first SignIn: %v", err)
	}
	<-seen
	_, err := c.SignIn(t.Context(), nil)
	if !errors.Is(err, ErrCodeRejected) {
		t.Fatalf("err = %v, want ErrCodeRejected", err)
	}
	if !strings.Contains(err.Error(), "invalid_grant") || !strings.Contains(err.Error(), "exchange the sign-in code") {
		t.Errorf("unclear error: %v", err)
	}
	if page := <-seen; !strings.Contains(page.body, "already used or has expired") {
		t.Errorf("page = %q", page.body)
	}
	if msg := UserMessage(err); !strings.Contains(msg, "already used") {
		t.Errorf("UserMessage = %q", msg)
	}
}

func TestSignInProviderDown(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	issuer := "http://" + ln.Addr().String()
	ln.Close() // nothing listens there now: connection refused
	fp := &fakeProvider{issuer: issuer, clock: newTestClock()}
	opened := false
	c := newTestClient(t, fp, browserFunc(func(string) error { opened = true; return nil }))
	_, err = c.SignIn(t.Context(), func(string) { t.Error("URL shown although the provider is down") })
	if !errors.Is(err, ErrProviderUnreachable) {
		t.Fatalf("err = %v, want ErrProviderUnreachable", err)
	}
	var ue *UnreachableError
	if !errors.As(err, &ue) || !strings.Contains(ue.URL, "/.well-known/openid-configuration") {
		t.Errorf("UnreachableError = %+v", ue)
	}
	var netErr net.Error
	if !errors.As(err, &netErr) {
		t.Errorf("cause not kept: %v", err)
	}
	if !strings.Contains(err.Error(), "Hoist can't reach your organisation's sign-in service. Check your internet connection and try again.") {
		t.Errorf("message = %q", err.Error())
	}
	if UserMessage(err) != "Hoist can't reach your organisation's sign-in service. Check your internet connection and try again." {
		t.Errorf("UserMessage = %q", UserMessage(err))
	}
	if opened {
		t.Error("browser opened although discovery failed")
	}
	if _, err := c.Restore(t.Context()); !errors.Is(err, ErrNotSignedIn) {
		t.Errorf("Restore with nothing stored = %v", err)
	}
}

func TestDiscoveryServerErrorIsUnreachableAndRetried(t *testing.T) {
	fp := newFakeProvider(t, newTestClock())
	fp.set(func(fp *fakeProvider) { fp.discoveryStatus = http.StatusServiceUnavailable })
	b, seen := followingBrowser()
	c := newTestClient(t, fp, b)
	if _, err := c.SignIn(t.Context(), nil); !errors.Is(err, ErrProviderUnreachable) {
		t.Fatalf("err = %v, want ErrProviderUnreachable", err)
	}
	fp.set(func(fp *fakeProvider) { fp.discoveryStatus = 0 })
	if _, err := c.SignIn(t.Context(), nil); err != nil {
		t.Fatalf("second SignIn (discovery retried): %v", err)
	}
	<-seen
}

func TestDiscoveryNotFoundIsNotUnreachable(t *testing.T) {
	fp := newFakeProvider(t, newTestClock())
	fp.set(func(fp *fakeProvider) { fp.discoveryStatus = http.StatusNotFound })
	c := newTestClient(t, fp, browserFunc(func(string) error { return nil }))
	_, err := c.SignIn(t.Context(), nil)
	if err == nil || errors.Is(err, ErrProviderUnreachable) {
		t.Fatalf("err = %v, want a plain discovery error", err)
	}
}

func TestSignInTimeoutAndCancel(t *testing.T) {
	fp := newFakeProvider(t, newTestClock())

	t.Run("timeout", func(t *testing.T) {
		b, _ := idleBrowser()
		c := newTestClient(t, fp, b, func(cfg *Config) { cfg.Timeout = 300 * time.Millisecond })
		start := time.Now()
		_, err := c.SignIn(t.Context(), nil)
		if !errors.Is(err, ErrTimedOut) || !errors.Is(err, context.DeadlineExceeded) {
			t.Fatalf("err = %v, want ErrTimedOut", err)
		}
		if d := time.Since(start); d > 5*time.Second {
			t.Errorf("took %v", d)
		}
	})
	t.Run("cancel", func(t *testing.T) {
		b, opened := idleBrowser()
		c := newTestClient(t, fp, b)
		ctx, cancel := context.WithCancel(t.Context())
		go func() { <-opened; cancel() }()
		_, err := c.SignIn(ctx, nil)
		if !errors.Is(err, context.Canceled) || errors.Is(err, ErrTimedOut) {
			t.Fatalf("err = %v, want context.Canceled", err)
		}
		if UserMessage(err) != "Sign-in was cancelled." {
			t.Errorf("UserMessage = %q", UserMessage(err))
		}
	})
}

func TestSignInConcurrentCallRefused(t *testing.T) {
	fp := newFakeProvider(t, newTestClock())
	b, opened := idleBrowser()
	c := newTestClient(t, fp, b)
	ctx, cancel := context.WithCancel(t.Context())
	first := make(chan error, 1)
	go func() {
		_, err := c.SignIn(ctx, nil)
		first <- err
	}()
	<-opened
	if _, err := c.SignIn(t.Context(), nil); !errors.Is(err, ErrSignInInProgress) {
		t.Errorf("second SignIn = %v, want ErrSignInInProgress", err)
	}
	cancel()
	if err := <-first; !errors.Is(err, context.Canceled) {
		t.Errorf("first SignIn = %v", err)
	}
	// Once the first has ended, a new one may start.
	b2, seen := followingBrowser()
	c.cfg.Browser = b2
	if _, err := c.SignIn(t.Context(), nil); err != nil {
		t.Errorf("third SignIn: %v", err)
	}
	<-seen
}

func TestListenerClosedAfterSignIn(t *testing.T) {
	fp := newFakeProvider(t, newTestClock())
	var loopbackAddr string
	b, seen := followingBrowser()
	c := newTestClient(t, fp, b)
	if _, err := c.SignIn(t.Context(), func(u string) {
		au, _ := url.Parse(u)
		r, _ := url.Parse(au.Query().Get("redirect_uri"))
		loopbackAddr = r.Host
	}); err != nil {
		t.Fatalf("SignIn: %v", err)
	}
	<-seen
	if conn, err := net.DialTimeout("tcp", loopbackAddr, time.Second); err == nil {
		conn.Close()
		t.Errorf("listener %s still accepts connections after sign-in", loopbackAddr)
	}

	// Same after a failed sign-in.
	b2, opened := idleBrowser()
	c2 := newTestClient(t, fp, b2, func(cfg *Config) { cfg.Timeout = 200 * time.Millisecond })
	var addr2 string
	if _, err := c2.SignIn(t.Context(), func(u string) {
		au, _ := url.Parse(u)
		r, _ := url.Parse(au.Query().Get("redirect_uri"))
		addr2 = r.Host
	}); !errors.Is(err, ErrTimedOut) {
		t.Fatalf("err = %v", err)
	}
	<-opened
	if conn, err := net.DialTimeout("tcp", addr2, time.Second); err == nil {
		conn.Close()
		t.Errorf("listener %s still accepts connections after a timeout", addr2)
	}
}

func TestSignInBrowserFails(t *testing.T) {
	fp := newFakeProvider(t, newTestClock())
	broken := browserFunc(func(string) error { return errors.New("no xdg-open") })

	t.Run("URL handed over", func(t *testing.T) {
		c := newTestClient(t, fp, broken)
		done := make(chan visitResult, 1)
		_, err := c.SignIn(t.Context(), func(u string) {
			go func() { // the person copies the link into a browser
				res, _ := visit(u)
				done <- res
			}()
		})
		if err != nil {
			t.Fatalf("SignIn: %v", err)
		}
		if res := <-done; res.status != http.StatusOK {
			t.Errorf("page %d", res.status)
		}
	})
	t.Run("nobody to show it to", func(t *testing.T) {
		c := newTestClient(t, fp, broken)
		_, err := c.SignIn(t.Context(), nil)
		if err == nil || !strings.Contains(err.Error(), "no xdg-open") {
			t.Fatalf("err = %v", err)
		}
	})
}

func TestSignInRejectsBadIDTokens(t *testing.T) {
	tests := []struct {
		name    string
		edit    func(fp *fakeProvider)
		wantErr string
	}{
		{"bad signature", func(fp *fakeProvider) { fp.signKey = attackerKey() }, "signature"},
		{"wrong audience", func(fp *fakeProvider) {
			fp.tamper = func(c map[string]any) { c["aud"] = "someone-else" }
		}, "audience"},
		{"wrong nonce", func(fp *fakeProvider) {
			fp.tamper = func(c map[string]any) { c["nonce"] = "replayed-nonce" }
		}, "nonce"},
		{"missing nonce", func(fp *fakeProvider) {
			fp.tamper = func(c map[string]any) { delete(c, "nonce") }
		}, "nonce"},
		{"wrong issuer", func(fp *fakeProvider) {
			fp.tamper = func(c map[string]any) { c["iss"] = "https://evil.example" }
		}, "issued by a different provider"},
		{"expired", func(fp *fakeProvider) {
			fp.tamper = func(c map[string]any) { c["exp"] = fp.clock.Now().Add(-time.Minute).Unix() }
		}, "expired"},
		{"no subject", func(fp *fakeProvider) {
			fp.tamper = func(c map[string]any) { delete(c, "sub") }
		}, "no subject"},
		{"empty subject", func(fp *fakeProvider) {
			fp.tamper = func(c map[string]any) { c["sub"] = "" }
		}, "no subject"},
		{"blank subject", func(fp *fakeProvider) {
			fp.tamper = func(c map[string]any) { c["sub"] = "  " }
		}, "no subject"},
		{"other authorized party", func(fp *fakeProvider) {
			fp.tamper = func(c map[string]any) { c["aud"] = []string{testClientID, "other"}; c["azp"] = "other" }
		}, "issued to"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			fp := newFakeProvider(t, newTestClock())
			fp.set(tt.edit)
			b, seen := followingBrowser()
			c := newTestClient(t, fp, b)
			_, err := c.SignIn(t.Context(), nil)
			if !errors.Is(err, ErrInvalidIDToken) || !strings.Contains(err.Error(), tt.wantErr) {
				t.Fatalf("err = %v, want ErrInvalidIDToken about %q", err, tt.wantErr)
			}
			if page := <-seen; !strings.Contains(page.body, "couldn&#39;t verify") {
				t.Errorf("page = %q", page.body)
			}
			if c.Identity() != nil {
				t.Error("signed in with a bad token")
			}
			if _, err := c.cfg.Store.Load(c.storeKey); !errors.Is(err, ErrNotFound) {
				t.Errorf("refresh token stored for a bad sign-in: %v", err)
			}
		})
	}
}

// A provider that went down after Hoist discovered it: the browser does
// not open on a dead page; the sign-in says at once that the service
// cannot be reached.
func TestSignInProviderDownAfterDiscovery(t *testing.T) {
	fp := newFakeProvider(t, newTestClock())
	b, seen := followingBrowser()
	c := newTestClient(t, fp, b)
	if _, err := c.SignIn(t.Context(), nil); err != nil {
		t.Fatalf("first sign-in: %v", err)
	}
	<-seen
	fp.srv.Close() // the provider goes away; its discovery is remembered
	opened := false
	c.cfg.Browser = browserFunc(func(string) error { opened = true; return nil })
	begun := time.Now()
	_, err := c.SignIn(t.Context(), func(string) { t.Error("sign-in link shown although the provider is down") })
	if !errors.Is(err, ErrProviderUnreachable) {
		t.Fatalf("err = %v, want ErrProviderUnreachable", err)
	}
	if opened {
		t.Error("browser opened on a provider that does not answer")
	}
	if took := time.Since(begun); took > providerCheckTimeout+5*time.Second {
		t.Errorf("took %v to say so", took)
	}
}
