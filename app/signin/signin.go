package signin

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/coreos/go-oidc/v3/oidc"
	"golang.org/x/oauth2"
)

// authRequest holds the per-sign-in secrets.
type authRequest struct {
	state    string
	nonce    string
	verifier string // PKCE code verifier
}

func newAuthRequest() authRequest {
	return authRequest{state: rand.Text(), nonce: rand.Text(), verifier: oauth2.GenerateVerifier()}
}

// SignIn signs the person in interactively and returns who they are. It
// runs on the calling goroutine until the browser comes back, ctx ends, or
// Config.Timeout passes.
//
// It starts a listener on 127.0.0.1 (OS-assigned port), calls onURL (if not
// nil) once with the authorization URL, on the calling goroutine, so a UI
// or CLI can show it to copy, and asks Config.Browser to open the same URL.
// If the browser cannot be opened and onURL is nil, SignIn fails at once.
// The listener serves one valid callback and is closed before SignIn
// returns. On success the session replaces any previous one and its refresh
// token is saved in Config.Store.
//
// Errors match: ErrSignInInProgress (another SignIn of this Client is
// running); ErrProviderUnreachable; ErrTimedOut (also
// context.DeadlineExceeded) or context.Canceled; ErrAccessDenied or any
// *ProviderError the provider sent back; ErrCodeRejected (code replayed or
// expired); ErrInvalidIDToken. [UserMessage] words them for a person.
func (c *Client) SignIn(ctx context.Context, onURL func(url string)) (*Identity, error) {
	if !c.signingIn.CompareAndSwap(false, true) {
		return nil, ErrSignInInProgress
	}
	defer c.signingIn.Store(false)
	ctx, cancel := context.WithTimeoutCause(ctx, c.cfg.Timeout, ErrTimedOut)
	defer cancel()
	id, err := c.signIn(ctx, onURL)
	if err != nil {
		err = fmt.Errorf("sign in: %w", err)
		c.log.Warn("sign-in failed", "issuer", c.cfg.Issuer, "client_id", c.cfg.ClientID, "cause", Details(err))
		return nil, err
	}
	return id, nil
}

func (c *Client) signIn(ctx context.Context, onURL func(string)) (*Identity, error) {
	p, err := c.discover(ctx)
	if err != nil {
		return nil, stoppedOr(ctx, err)
	}
	// The discovery may be remembered from earlier: before a browser opens
	// on a page that cannot load (and the window waits for ever), check
	// that the provider answers now.
	if err := c.checkAnswers(ctx, strings.TrimSuffix(c.cfg.Issuer, "/")+"/.well-known/openid-configuration"); err != nil {
		return nil, stoppedOr(ctx, err)
	}
	req := newAuthRequest()
	lb, err := listenLoopback(c.cfg.RedirectPort, req.state, c.cfg.Issuer, c.log)
	if err != nil {
		return nil, err
	}
	defer lb.close()
	conf := c.oauthConfig(p, lb.redirectURL)
	authURL := conf.AuthCodeURL(req.state, oidc.Nonce(req.nonce), oauth2.S256ChallengeOption(req.verifier))
	if onURL != nil {
		onURL(authURL)
	}
	w := waiter{c: c, p: p, conf: conf, req: req, lb: lb, canShowURL: onURL != nil}
	return w.wait(ctx, c.openAsync(authURL))
}

// providerCheckTimeout bounds the check that the provider answers before
// the browser opens.
const providerCheckTimeout = 10 * time.Second

// checkAnswers asks the provider (its discovery document, which every
// provider serves without parameters) for an answer, any answer: only a
// connection that fails, a timeout or a 5xx means the browser would show
// nothing.
func (c *Client) checkAnswers(ctx context.Context, authURL string) error {
	ctx, cancel := context.WithTimeout(ctx, providerCheckTimeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, authURL, nil)
	if err != nil {
		return fmt.Errorf("check the sign-in service: %w", err)
	}
	resp, err := c.cfg.HTTPClient.Do(req)
	if err == nil {
		resp.Body.Close()
		if resp.StatusCode < 500 {
			return nil
		}
		err = &httpStatusError{Status: http.StatusText(resp.StatusCode), Code: resp.StatusCode}
	}
	if isTransportFailure(err) || ctx.Err() != nil {
		return fmt.Errorf("check the sign-in service: %w", &UnreachableError{URL: authURL, Err: err})
	}
	return fmt.Errorf("check the sign-in service: %w", err)
}

// openAsync asks the browser to open url without waiting for it.
func (c *Client) openAsync(url string) <-chan error {
	opened := make(chan error, 1)
	go func() { opened <- c.cfg.Browser.Open(url) }()
	return opened
}

// waiter waits for the one callback of a sign-in and redeems it.
type waiter struct {
	c          *Client
	p          *provider
	conf       *oauth2.Config
	req        authRequest
	lb         *loopback
	canShowURL bool
}

func (w waiter) wait(ctx context.Context, opened <-chan error) (*Identity, error) {
	for {
		select {
		case err := <-opened:
			opened = nil
			if err != nil && !w.canShowURL {
				return nil, err
			}
			if err != nil {
				w.c.log.Warn("could not open the browser; the sign-in link has to be opened by hand", "err", err)
			}
		case cb := <-w.lb.calls:
			id, err := w.redeem(ctx, cb)
			cb.reply <- resultPage(err)
			return id, err
		case <-ctx.Done():
			return nil, stopped(ctx)
		}
	}
}

// redeem turns the callback into a verified session.
func (w waiter) redeem(ctx context.Context, cb callback) (*Identity, error) {
	if cb.errCode != "" {
		return nil, &ProviderError{Step: StepAuthorize, Code: cb.errCode, Description: cb.errDesc, URI: cb.errURI}
	}
	tok, err := w.conf.Exchange(w.c.httpContext(ctx), cb.code, oauth2.VerifierOption(w.req.verifier))
	if err != nil {
		err = classifyTokenErr(StepToken, w.p.endpoint.TokenURL, err)
		return nil, fmt.Errorf("exchange the sign-in code: %w", stoppedOr(ctx, err))
	}
	s, err := w.c.newSession(ctx, w.p, tok, w.req.nonce)
	if err != nil {
		return nil, stoppedOr(ctx, err)
	}
	w.c.installNew(s)
	return s.identity.clone(), nil
}

// stoppedOr returns why ctx ended if it has, else err.
func stoppedOr(ctx context.Context, err error) error {
	if ctx.Err() != nil {
		return stopped(ctx)
	}
	return err
}

// stopped explains why the sign-in's ctx ended: the sign-in's own timeout
// (ErrTimedOut and context.DeadlineExceeded) or the caller's cause.
func stopped(ctx context.Context) error {
	cause := context.Cause(ctx)
	if errors.Is(cause, ErrTimedOut) {
		return fmt.Errorf("wait for the browser: %w (%w)", ErrTimedOut, context.DeadlineExceeded)
	}
	return fmt.Errorf("wait for the browser: %w", cause)
}
