package signin

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"time"
)

// revokeTimeout bounds the best-effort revocation during SignOut.
const revokeTimeout = 10 * time.Second

// Restore signs the person in silently at start: it loads the saved
// refresh token, redeems it and verifies the new ID token. It blocks the
// calling goroutine for at most one exchange with the provider; ctx bounds
// the wait.
//
// Errors: ErrNotSignedIn when nothing is saved; ErrSignInRequired when the
// provider refused the saved token (it has been deleted from the store);
// ErrProviderUnreachable when the provider could not be reached (the token
// is kept: try again later); a store error when the store failed.
func (c *Client) Restore(ctx context.Context) (*Identity, error) {
	s, err := c.refreshes.do(ctx, c.restoreFromStore)
	if err != nil {
		return nil, fmt.Errorf("restore the sign-in: %w", err)
	}
	return s.identity.clone(), nil
}

func (c *Client) restoreFromStore(ctx context.Context) (*session, error) {
	_, gen := c.snapshot()
	refresh, err := c.cfg.Store.Load(c.storeKey)
	if errors.Is(err, ErrNotFound) {
		return nil, ErrNotSignedIn
	}
	if err != nil {
		return nil, fmt.Errorf("load the saved sign-in: %w", err)
	}
	s, err := c.redeemRefreshToken(ctx, refresh, "")
	if errors.Is(err, ErrSignInRequired) {
		c.forgetStored(refresh)
	}
	if err != nil {
		return nil, err
	}
	return c.installIfCurrent(gen, s)
}

// forgetStored deletes the stored token if it is still dead (nobody saved
// a newer one meanwhile).
func (c *Client) forgetStored(dead string) {
	c.storeMu.Lock()
	defer c.storeMu.Unlock()
	if v, err := c.cfg.Store.Load(c.storeKey); err == nil && v == dead {
		c.deleteStored()
	}
}

// SignOut forgets the session: it clears memory, deletes the saved refresh
// token, and revokes that token at the provider's revocation_endpoint on a
// best-effort basis (failures are logged, at most 10 s within ctx). It
// returns the provider's end_session_endpoint URL with id_token_hint and
// client_id for the caller to open if it wants the provider's own session
// ended too ("" when the provider has none or was never discovered); it
// opens no browser itself.
//
// The error is non-nil only when the store could not delete the token.
// Safe from any goroutine; an IDToken in flight may still complete, but
// its result is discarded.
func (c *Client) SignOut(ctx context.Context) (endSessionURL string, err error) {
	s, stored, delErr := c.clearSession()
	refresh, rawID := stored, ""
	if s != nil {
		refresh, rawID = s.refresh, s.raw
	}
	ctx, cancel := context.WithTimeout(ctx, revokeTimeout)
	defer cancel()
	p, discErr := c.discover(ctx)
	if discErr != nil {
		c.log.Warn("could not reach the sign-in service to revoke the sign-in", "err", discErr)
	}
	if p != nil && refresh != "" {
		c.revoke(ctx, p, refresh)
	}
	if p != nil {
		endSessionURL = c.endSessionURL(p, rawID)
	}
	if delErr != nil {
		return endSessionURL, fmt.Errorf("sign out: %w", delErr)
	}
	return endSessionURL, nil
}

// clearSession drops the session and the stored token, returning both (the
// stored one may belong to a session not restored in this run).
func (c *Client) clearSession() (*session, string, error) {
	c.storeMu.Lock()
	defer c.storeMu.Unlock()
	c.mu.Lock()
	s := c.sess
	c.sess = nil
	c.gen++
	c.mu.Unlock()
	stored, _ := c.cfg.Store.Load(c.storeKey)
	err := c.cfg.Store.Delete(c.storeKey)
	if err != nil && !errors.Is(err, ErrNotFound) {
		return s, stored, fmt.Errorf("forget the saved sign-in: %w", err)
	}
	return s, stored, nil
}

// revoke asks the provider to revoke a refresh token (RFC 7009). Failures
// are logged only.
func (c *Client) revoke(ctx context.Context, p *provider, refresh string) {
	if p.revocationURL == "" {
		return
	}
	form := url.Values{"token": {refresh}, "token_type_hint": {"refresh_token"}, "client_id": {c.cfg.ClientID}}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, p.revocationURL, strings.NewReader(form.Encode()))
	if err != nil {
		c.log.Warn("could not revoke the sign-in", "err", err)
		return
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	resp, err := c.cfg.HTTPClient.Do(req)
	if err != nil {
		c.log.Warn("could not revoke the sign-in", "err", err)
		return
	}
	defer resp.Body.Close()
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10))
	if resp.StatusCode != http.StatusOK {
		c.log.Warn("the sign-in service did not revoke the sign-in", "status", resp.Status)
	}
}

// endSessionURL builds the RP-initiated logout URL, or "".
func (c *Client) endSessionURL(p *provider, rawID string) string {
	if p.endSessionURL == "" {
		return ""
	}
	u, err := url.Parse(p.endSessionURL)
	if err != nil {
		c.log.Warn("ignoring a malformed end_session_endpoint", "err", err)
		return ""
	}
	q := u.Query()
	if rawID != "" {
		q.Set("id_token_hint", rawID)
	}
	q.Set("client_id", c.cfg.ClientID)
	u.RawQuery = q.Encode()
	return u.String()
}
