package signin

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"sync/atomic"

	"github.com/coreos/go-oidc/v3/oidc"
	"golang.org/x/oauth2"
)

// provider is what discovery learned about the issuer.
type provider struct {
	endpoint      oauth2.Endpoint
	verifier      *oidc.IDTokenVerifier
	revocationURL string // "" when the provider has none
	endSessionURL string // "" when the provider has none
}

// discoveryExtras are discovery fields go-oidc does not expose directly.
type discoveryExtras struct {
	RevocationEndpoint string `json:"revocation_endpoint"`
	EndSessionEndpoint string `json:"end_session_endpoint"`
}

// discover returns the cached discovery or fetches it (one fetch shared by
// concurrent callers). A failure is not cached. Errors match
// ErrProviderUnreachable when the provider could not be reached.
func (c *Client) discover(ctx context.Context) (*provider, error) {
	c.mu.Lock()
	p := c.prov
	c.mu.Unlock()
	if p != nil {
		return p, nil
	}
	return c.discoveries.do(ctx, c.fetchDiscovery)
}

func (c *Client) fetchDiscovery(ctx context.Context) (*provider, error) {
	c.mu.Lock()
	p := c.prov
	c.mu.Unlock()
	if p != nil {
		return p, nil
	}
	rec := &statusRecorder{base: transportOf(c.cfg.HTTPClient)}
	hc := *c.cfg.HTTPClient
	hc.Transport = rec
	op, err := oidc.NewProvider(oidc.ClientContext(ctx, &hc), c.cfg.Issuer)
	if err != nil {
		return nil, c.discoveryErr(rec, err)
	}
	p, err = c.newProvider(op)
	if err != nil {
		return nil, err
	}
	c.mu.Lock()
	c.prov = p
	c.mu.Unlock()
	return p, nil
}

func (c *Client) discoveryErr(rec *statusRecorder, err error) error {
	wellKnown := strings.TrimSuffix(c.cfg.Issuer, "/") + "/.well-known/openid-configuration"
	if code := int(rec.status.Load()); code >= 500 || code == http.StatusTooManyRequests {
		err = &httpStatusError{Status: http.StatusText(code), Code: code}
	}
	if isTransportFailure(err) {
		err = &UnreachableError{URL: wellKnown, Err: err}
	}
	return fmt.Errorf("discover the sign-in service: %w", err)
}

func (c *Client) newProvider(op *oidc.Provider) (*provider, error) {
	var extras discoveryExtras
	if err := op.Claims(&extras); err != nil {
		return nil, fmt.Errorf("read the discovery document: %w", err)
	}
	endpoint := op.Endpoint()
	endpoint.AuthStyle = oauth2.AuthStyleInParams // public client: client_id in the body, no secret
	return &provider{
		endpoint:      endpoint,
		verifier:      op.Verifier(&oidc.Config{ClientID: c.cfg.ClientID, Now: c.cfg.Clock}),
		revocationURL: extras.RevocationEndpoint,
		endSessionURL: extras.EndSessionEndpoint,
	}, nil
}

// httpContext carries the configured HTTP client to oauth2 and go-oidc.
func (c *Client) httpContext(ctx context.Context) context.Context {
	return oidc.ClientContext(ctx, c.cfg.HTTPClient)
}

// statusRecorder remembers the last HTTP status seen, so that a discovery
// answered with 5xx can be told apart from one that is misconfigured
// (go-oidc reports both only as text).
type statusRecorder struct {
	base   http.RoundTripper
	status atomic.Int32
}

func (r *statusRecorder) RoundTrip(req *http.Request) (*http.Response, error) {
	resp, err := r.base.RoundTrip(req)
	if err == nil {
		r.status.Store(int32(resp.StatusCode))
	}
	return resp, err
}

func transportOf(hc *http.Client) http.RoundTripper {
	if hc.Transport != nil {
		return hc.Transport
	}
	return http.DefaultTransport
}
