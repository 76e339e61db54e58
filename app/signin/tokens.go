package signin

import (
	"context"
	"crypto/subtle"
	"errors"
	"fmt"
	"time"

	"github.com/coreos/go-oidc/v3/oidc"
	"golang.org/x/oauth2"
)

// session is one signed-in state: a verified ID token and the refresh
// token that renews it. Immutable once built; replaced whole.
type session struct {
	raw      string
	idToken  *oidc.IDToken
	identity *Identity
	refresh  string    // "" when the provider gave none
	received time.Time // by Config.Clock
}

// errNoIDToken means a token response lacked id_token (no openid scope, or
// a provider that does not return one on refresh).
var errNoIDToken = errors.New("the sign-in service returned no ID token")

// IDToken returns a raw ID token (a JWT) that is valid for at least a
// little while, for STS AssumeRoleWithWebIdentity. When less than
// Config.RefreshBefore (at most half the token's lifetime) remains, it
// refreshes first; concurrent callers share one refresh. ctx bounds only the
// wait of this caller: the shared refresh runs on with its own timeout.
//
// Errors: ErrNotSignedIn (also matches ErrSignInRequired) when there is no
// session; ErrSignInRequired when the provider refused the refresh token
// (the session and stored token are then forgotten); ErrProviderUnreachable
// when the provider could not be reached and the current token has expired
// (retry later; while it has not expired, it is returned instead).
// Safe for concurrent use from any goroutine.
func (c *Client) IDToken(ctx context.Context) (string, error) {
	s, _ := c.snapshot()
	if s == nil {
		return "", fmt.Errorf("get the ID token: %w", ErrNotSignedIn)
	}
	if c.fresh(s) {
		return s.raw, nil
	}
	s, err := c.refreshes.do(ctx, c.refreshCurrent)
	if err != nil {
		return "", fmt.Errorf("refresh the ID token: %w", err)
	}
	return s.raw, nil
}

// IdentityTokenRetriever has the method set of the AWS SDK's
// stscreds.IdentityTokenRetriever, so a Client can feed
// stscreds.NewWebIdentityRoleProvider without this package importing the
// SDK.
type IdentityTokenRetriever interface {
	GetIdentityToken() ([]byte, error)
}

// TokenRetriever adapts IDToken to [IdentityTokenRetriever]. ctx should
// live as long as the credentials provider (the app's context): every
// GetIdentityToken call uses it. GetIdentityToken is safe for concurrent use
// and returns IDToken's errors unchanged.
func (c *Client) TokenRetriever(ctx context.Context) IdentityTokenRetriever {
	return tokenRetriever{c: c, ctx: ctx}
}

type tokenRetriever struct {
	c   *Client
	ctx context.Context
}

func (r tokenRetriever) GetIdentityToken() ([]byte, error) {
	raw, err := r.c.IDToken(r.ctx)
	if err != nil {
		return nil, err
	}
	return []byte(raw), nil
}

// Identity returns a copy of the signed-in person's identity, or nil when
// nobody is signed in. No network I/O; any goroutine.
func (c *Client) Identity() *Identity {
	s, _ := c.snapshot()
	if s == nil {
		return nil
	}
	return s.identity.clone()
}

// fresh reports whether s needs no refresh yet.
func (c *Client) fresh(s *session) bool {
	return c.cfg.Clock().Before(s.idToken.Expiry.Add(-c.refreshMargin(s)))
}

// refreshMargin is RefreshBefore, capped at half the token's lifetime.
func (c *Client) refreshMargin(s *session) time.Duration {
	issued := s.idToken.IssuedAt
	if issued.IsZero() {
		issued = s.received
	}
	half := max(s.idToken.Expiry.Sub(issued)/2, 0)
	return min(c.cfg.RefreshBefore, half)
}

// refreshCurrent runs inside the refresh flight: it refreshes the current
// session unless another flight already did.
func (c *Client) refreshCurrent(ctx context.Context) (*session, error) {
	old, gen := c.snapshot()
	if old == nil {
		return nil, ErrNotSignedIn
	}
	if c.fresh(old) {
		return old, nil
	}
	if old.refresh == "" {
		return c.keepUntilExpiry(old, gen, fmt.Errorf("%w: the sign-in service gave no refresh token", ErrSignInRequired))
	}
	s, err := c.redeemRefreshToken(ctx, old.refresh, old.identity.Subject)
	if errors.Is(err, ErrSignInRequired) {
		c.dropSession(gen)
		return nil, err
	}
	if err != nil {
		c.log.Warn("could not refresh the sign-in", "err", err)
		return c.keepUntilExpiry(old, gen, err)
	}
	return c.installIfCurrent(gen, s)
}

// keepUntilExpiry returns old while it has not expired, else drops it (for
// a sign-in-required err) and returns err.
func (c *Client) keepUntilExpiry(old *session, gen uint64, err error) (*session, error) {
	if c.cfg.Clock().Before(old.idToken.Expiry) {
		return old, nil
	}
	if errors.Is(err, ErrSignInRequired) {
		c.dropSession(gen)
	}
	return nil, err
}

// redeemRefreshToken asks the token endpoint for new tokens and verifies
// the new ID token (no nonce on refresh). wantSubject, when set, must match
// the new token's subject. A refusal matches ErrSignInRequired.
func (c *Client) redeemRefreshToken(ctx context.Context, refresh, wantSubject string) (*session, error) {
	p, err := c.discover(ctx)
	if err != nil {
		return nil, err
	}
	conf := c.oauthConfig(p, "")
	tok, err := conf.TokenSource(c.httpContext(ctx), &oauth2.Token{RefreshToken: refresh}).Token()
	if err != nil {
		return nil, refreshErr(p, err)
	}
	s, err := c.newSession(ctx, p, tok, "")
	if errors.Is(err, errNoIDToken) {
		return nil, fmt.Errorf("%w: %w", ErrSignInRequired, err)
	}
	if err != nil {
		return nil, err
	}
	if wantSubject != "" && s.identity.Subject != wantSubject {
		return nil, fmt.Errorf("%w: the refreshed token names another subject", ErrInvalidIDToken)
	}
	return s, nil
}

func refreshErr(p *provider, err error) error {
	err = classifyTokenErr(StepRefresh, p.endpoint.TokenURL, err)
	var pe *ProviderError
	if errors.Is(err, ErrProviderUnreachable) {
		return err // down or throttled: try again later, keep the session
	}
	if errors.As(err, &pe) {
		return fmt.Errorf("%w: %w", ErrSignInRequired, err)
	}
	return err
}

// newSession verifies the ID token in tok (against nonce unless it is "")
// and builds a session from it.
func (c *Client) newSession(ctx context.Context, p *provider, tok *oauth2.Token, nonce string) (*session, error) {
	raw, _ := tok.Extra("id_token").(string)
	if raw == "" {
		return nil, errNoIDToken
	}
	idt, err := c.verifyIDToken(ctx, p, raw, nonce)
	if err != nil {
		return nil, err
	}
	id, err := identityFrom(idt)
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrInvalidIDToken, err)
	}
	return &session{raw: raw, idToken: idt, identity: id, refresh: tok.RefreshToken, received: c.cfg.Clock()}, nil
}

// verifyIDToken checks signature (JWKS), issuer, audience, expiry, the
// authorized party and, when nonce is set, the nonce.
func (c *Client) verifyIDToken(ctx context.Context, p *provider, raw, nonce string) (*oidc.IDToken, error) {
	idt, err := p.verifier.Verify(c.httpContext(ctx), raw)
	if err != nil && isTransportFailure(err) {
		return nil, &UnreachableError{URL: "the key set (jwks_uri)", Err: err}
	}
	if err != nil {
		return nil, fmt.Errorf("verify the ID token: %w: %w", ErrInvalidIDToken, err)
	}
	if nonce != "" && subtle.ConstantTimeCompare([]byte(idt.Nonce), []byte(nonce)) != 1 {
		return nil, fmt.Errorf("verify the ID token: %w: nonce does not match the sign-in request", ErrInvalidIDToken)
	}
	if err := checkAuthorizedParty(idt, c.cfg.ClientID); err != nil {
		return nil, fmt.Errorf("verify the ID token: %w: %w", ErrInvalidIDToken, err)
	}
	return idt, nil
}

// checkAuthorizedParty applies OpenID Connect Core 3.1.3.7 (azp) steps 4–5.
func checkAuthorizedParty(idt *oidc.IDToken, clientID string) error {
	var claims struct {
		AZP string `json:"azp"`
	}
	if err := idt.Claims(&claims); err != nil {
		return fmt.Errorf("read azp: %w", err)
	}
	if claims.AZP != "" && claims.AZP != clientID {
		return fmt.Errorf("token was issued to %q", claims.AZP)
	}
	if len(idt.Audience) > 1 && claims.AZP == "" {
		return errors.New("several audiences and no azp")
	}
	return nil
}

func (c *Client) oauthConfig(p *provider, redirectURL string) *oauth2.Config {
	return &oauth2.Config{
		ClientID:    c.cfg.ClientID,
		Endpoint:    p.endpoint,
		RedirectURL: redirectURL,
		Scopes:      c.cfg.Scopes,
	}
}
