package signin

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"syscall"

	"golang.org/x/oauth2"
)

var (
	// ErrSignInInProgress is returned by [Client.SignIn] when another sign-in
	// of the same Client is still waiting for the browser. Nothing was
	// started; finish or cancel the first one.
	ErrSignInInProgress = errors.New("a sign-in is already in progress")

	// ErrProviderUnreachable is matched (errors.Is) by every error that means
	// the provider could not be reached or answered with a server error:
	// connection refused, DNS failure, timeout, HTTP 5xx. The operation may
	// succeed later; nothing was forgotten. The concrete error is an
	// [*UnreachableError] carrying the cause.
	ErrProviderUnreachable = errors.New("sign-in service unreachable")

	// ErrProviderBusy is matched by errors that mean the provider asked
	// Hoist to slow down: HTTP 429 Too Many Requests, or the OAuth errors
	// slow_down and temporarily_unavailable (an organisation may rate-limit
	// sign-ins). It also matches [ErrProviderUnreachable]: wait and try
	// again; nothing was forgotten, and it never means "sign in again".
	ErrProviderBusy error = &childError{msg: "sign-in service busy", parent: ErrProviderUnreachable}

	// ErrSignInRequired is matched by errors that mean only an interactive
	// [Client.SignIn] can help: the provider refused the refresh token
	// (expired, revoked, invalid_grant), or nobody is signed in
	// ([ErrNotSignedIn] matches it too). A refused refresh token has already
	// been forgotten, in memory and in the store.
	ErrSignInRequired = errors.New("sign-in required")

	// ErrNotSignedIn means there is no session: nobody signed in yet, no
	// refresh token is stored, or the person signed out. It also matches
	// [ErrSignInRequired].
	ErrNotSignedIn error = &childError{msg: "not signed in", parent: ErrSignInRequired}

	// ErrTimedOut is matched when [Client.SignIn] gave up waiting for the
	// browser after [Config.Timeout]. A cancelled context gives
	// context.Canceled instead.
	ErrTimedOut = errors.New("sign-in timed out waiting for the browser")

	// ErrAccessDenied is matched by the [*ProviderError] of an authorization
	// answer with error=access_denied: the person cancelled, or the provider
	// refused them.
	ErrAccessDenied = errors.New("sign-in was cancelled or refused")

	// ErrCodeRejected is matched by the [*ProviderError] of a token endpoint
	// that refused the authorization code (invalid_grant): it was already
	// used (a replayed callback), has expired, or the PKCE verifier did not
	// match. Sign in again.
	ErrCodeRejected = errors.New("sign-in code refused")

	// ErrInvalidIDToken is matched when an ID token fails verification: bad
	// signature, wrong issuer or audience, expired, wrong nonce, or a refresh
	// that changed the subject. It points at a misconfigured or hostile
	// provider, not at the person.
	ErrInvalidIDToken = errors.New("invalid ID token")
)

// childError is a sentinel that also matches a more general sentinel.
type childError struct {
	msg    string
	parent error
}

func (e *childError) Error() string { return e.msg }
func (e *childError) Unwrap() error { return e.parent }

// UnreachableError is the typed error behind [ErrProviderUnreachable]: the
// provider at URL could not be reached (Err is the transport error or the
// HTTP status). errors.Is(err, ErrProviderUnreachable) is true for it.
type UnreachableError struct {
	// URL is the address Hoist tried.
	URL string
	// Err is the cause: a *url.Error, a net.Error, or an HTTP status error.
	Err error
}

// Error says plainly what happened and what to do, then the cause in
// parentheses.
func (e *UnreachableError) Error() string {
	return "Hoist can't reach your organisation's sign-in service. " +
		"Check your internet connection and try again. (" + e.URL + ": " + e.Err.Error() + ")"
}

// Unwrap exposes both ErrProviderUnreachable (ErrProviderBusy when the
// provider asked Hoist to slow down) and the cause to errors.Is/As.
func (e *UnreachableError) Unwrap() []error {
	if isBusy(e.Err) {
		return []error{ErrProviderBusy, e.Err}
	}
	return []error{ErrProviderUnreachable, e.Err}
}

// busyCodes are OAuth error codes that mean "not now" rather than "no".
var busyCodes = map[string]bool{"slow_down": true, "temporarily_unavailable": true}

// isBusy reports whether err is a throttling answer: HTTP 429, or an OAuth
// error code of busyCodes.
func isBusy(err error) bool {
	var status *httpStatusError
	var pe *ProviderError
	return errors.As(err, &status) && status.Code == http.StatusTooManyRequests ||
		errors.As(err, &pe) && busyCodes[pe.Code]
}

// ProviderError is an OAuth error answered by the provider, either on the
// loopback callback (Step "authorize", e.g. access_denied) or by the token
// endpoint (Step "token" or "refresh", e.g. invalid_grant). Code,
// Description and URI are the provider's error, error_description and
// error_uri, untouched.
type ProviderError struct {
	Step        string
	Code        string
	Description string
	URI         string
}

// Steps of a [ProviderError].
const (
	StepAuthorize = "authorize"
	StepToken     = "token"
	StepRefresh   = "refresh"
)

// Error names the step and the provider's error and description.
func (e *ProviderError) Error() string {
	s := "the sign-in service refused the " + e.Step + " request: " + e.Code
	if e.Description != "" {
		s += " (" + e.Description + ")"
	}
	return s
}

// Is lets errors.Is match [ErrAccessDenied] (authorize step,
// access_denied) and [ErrCodeRejected] (token step, invalid_grant).
func (e *ProviderError) Is(target error) bool {
	switch target {
	case ErrAccessDenied:
		return e.Step == StepAuthorize && e.Code == "access_denied"
	case ErrCodeRejected:
		return e.Step == StepToken && e.Code == "invalid_grant"
	}
	return false
}

// httpStatusError is an unexpected HTTP status from a provider endpoint.
type httpStatusError struct {
	Status string
	Code   int
}

func (e *httpStatusError) Error() string { return "HTTP " + e.Status }

// isTransportFailure reports whether err means the provider was not
// reachable (as opposed to reachable and saying no). A cancelled or expired
// caller context is not a transport failure; check ctx.Err() first.
func isTransportFailure(err error) bool {
	var netErr net.Error
	var urlErr *url.Error
	var status *httpStatusError
	switch {
	case errors.Is(err, context.Canceled):
		return false
	case errors.As(err, &status):
		return status.Code >= 500 || status.Code == http.StatusTooManyRequests
	case errors.As(err, &netErr), errors.As(err, &urlErr):
		return true
	case errors.Is(err, io.EOF), errors.Is(err, io.ErrUnexpectedEOF):
		return true
	}
	// go-oidc flattens a JWKS fetch failure to text ("fetching keys ...").
	return strings.Contains(err.Error(), "fetching keys")
}

// classifyTokenErr turns an oauth2 token endpoint error into a
// *ProviderError (4xx with an OAuth error) or an *UnreachableError
// (transport failure, 5xx, deadline, and throttling: 429 or an OAuth
// slow_down / temporarily_unavailable); other errors pass unchanged.
// Callers whose own context may have ended check that first.
func classifyTokenErr(step, endpoint string, err error) error {
	var re *oauth2.RetrieveError
	if errors.As(err, &re) {
		if re.Response != nil && (re.Response.StatusCode >= 500 || re.Response.StatusCode == http.StatusTooManyRequests) {
			return &UnreachableError{URL: endpoint, Err: &httpStatusError{Status: re.Response.Status, Code: re.Response.StatusCode}}
		}
		if re.ErrorCode != "" {
			pe := &ProviderError{Step: step, Code: re.ErrorCode, Description: re.ErrorDescription, URI: re.ErrorURI}
			if busyCodes[pe.Code] {
				return &UnreachableError{URL: endpoint, Err: pe}
			}
			return pe
		}
		return err
	}
	if isTransportFailure(err) {
		return &UnreachableError{URL: endpoint, Err: err}
	}
	return err
}

// UserMessage turns an error from this package into one or two plain
// sentences for a person (a dialog or a CLI line): what happened and what to
// do next. It returns "" for nil. Safe from any goroutine.
func UserMessage(err error) string {
	var pe *ProviderError
	switch {
	case err == nil:
		return ""
	case errors.Is(err, ErrSignInInProgress):
		return "A sign-in is already open in your browser. Finish it there, or cancel it and try again."
	case errors.Is(err, ErrProviderBusy):
		return "Your organisation's sign-in service is busy and asked Hoist to wait. Try again in a minute."
	case errors.Is(err, syscall.EADDRINUSE):
		return "Hoist couldn't wait for the sign-in's answer: another program uses the port it must listen on. Close that program and try again; if it keeps happening, tell your IT support."
	case errors.Is(err, ErrProviderUnreachable):
		return "Hoist can't reach your organisation's sign-in service. Check your internet connection and try again."
	case errors.Is(err, ErrTimedOut):
		return "Sign-in took too long and was stopped. Choose Sign in to try again."
	case errors.Is(err, context.Canceled):
		return "Sign-in was cancelled."
	case errors.Is(err, ErrAccessDenied):
		return "Sign-in was cancelled or refused. Choose Sign in to try again; if you didn't cancel, ask your organisation whether your account may use Hoist."
	case errors.Is(err, ErrCodeRejected):
		return "The sign-in link was already used or has expired. Choose Sign in to start again."
	case errors.Is(err, ErrInvalidIDToken):
		return "Hoist couldn't verify the answer from your organisation's sign-in service. Try again; if it keeps happening, tell your IT support."
	case errors.Is(err, ErrNotSignedIn):
		return "You're not signed in. Choose Sign in to continue."
	case errors.Is(err, ErrSignInRequired):
		return "Your sign-in has expired. Choose Sign in to continue."
	case errors.As(err, &pe):
		return fmt.Sprintf("Your organisation's sign-in service reported a problem (%s). Try again; if it keeps happening, tell your IT support.", pe.Code)
	}
	return "Sign-in didn't work. Try again; if it keeps happening, tell your IT support."
}

// jwtLike matches a JSON Web Token (three base64url parts, the first an
// encoded JSON object) wherever it appears in a text.
var jwtLike = regexp.MustCompile(`eyJ[A-Za-z0-9_-]*\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*`)

// Details returns the technical cause of err for the log, a Details
// button or a --verbose line: the whole error chain's text, with anything
// shaped like a token replaced by "[token]" (no error of this package
// carries one; this guards against a provider echoing one back). It returns
// "" for nil. Safe from any goroutine.
func Details(err error) string {
	if err == nil {
		return ""
	}
	return Redact(err.Error())
}

// Redact replaces every JSON Web Token in s with "[token]".
func Redact(s string) string { return jwtLike.ReplaceAllString(s, "[token]") }
