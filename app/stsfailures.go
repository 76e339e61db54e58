package app

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"sync"
	"syscall"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	awshttp "github.com/aws/aws-sdk-go-v2/aws/transport/http"
	"github.com/aws/smithy-go"

	"hoist/app/signin"
	"hoist/uploader"
)

// refusalMemory is how long a refusal by STS is given to every upload that
// asks for credentials, instead of asking STS again: a queue of thousands of
// files fails off one refusal, not thousands. A new sign-in forgets it.
const refusalMemory = 30 * time.Second

// stsThrottleCodes are the error codes of STS (and of servers in front of
// it) that mean "too many requests" or "not now": waited out with backoff.
var stsThrottleCodes = map[string]bool{
	"Throttling":                true,
	"ThrottlingException":       true,
	"ThrottledException":        true,
	"RequestLimitExceeded":      true,
	"RequestThrottled":          true,
	"RequestThrottledException": true,
	"TooManyRequestsException":  true,
	"SlowDown":                  true,
	"ServiceUnavailable":        true,
	"InternalError":             true,
	"InternalFailure":           true,
	"IDPCommunicationError":     true, // AWS STS could not reach the IdP's keys: retry, says AWS
}

// stsCredentials classifies the failures of the web identity provider for
// the engine, which only knows error kinds:
//
//   - STS refuses the sign-in (any other 4xx: an unknown role, a trust
//     policy or audience that does not match, InvalidIdentityToken): the
//     organisation's set-up, not the person, is at fault, and signing in
//     again cannot help. The upload fails (uploader.KindAccessDenied) with a
//     plain reason naming STS's code, and the full message as its detail.
//   - STS or the sign-in service is throttled or answers 5xx: retried with
//     the engine's backoff (uploader.KindRetryable).
//   - The sign-in service refused the refresh token: sign in again
//     (uploader.KindCredentials, which holds the uploads).
//   - Anything else (a network that is down) is left to the store, which
//     tells an outage from a broken connection.
//
// Safe for concurrent use.
type stsCredentials struct {
	p   aws.CredentialsProvider
	now func() time.Time

	mu      sync.Mutex
	refusal error
	until   time.Time
}

func newSTSCredentials(p aws.CredentialsProvider) *stsCredentials {
	return &stsCredentials{p: p, now: time.Now}
}

// Retrieve asks STS for credentials (through the wrapped provider) unless it
// refused less than refusalMemory ago.
func (s *stsCredentials) Retrieve(ctx context.Context) (aws.Credentials, error) {
	if err := s.recentRefusal(); err != nil {
		return aws.Credentials{}, err
	}
	creds, err := s.p.Retrieve(ctx)
	if err == nil {
		return creds, nil
	}
	err = classifyCredentialsErr(err)
	if errors.As(err, new(*uploader.Failure)) {
		s.mu.Lock()
		s.refusal, s.until = err, s.now().Add(refusalMemory)
		s.mu.Unlock()
	}
	return aws.Credentials{}, err
}

// forget drops a remembered refusal (after a new sign-in).
func (s *stsCredentials) forget() {
	s.mu.Lock()
	s.refusal = nil
	s.mu.Unlock()
}

func (s *stsCredentials) recentRefusal() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.refusal != nil && s.now().Before(s.until) {
		return s.refusal
	}
	s.refusal = nil
	return nil
}

// classifyCredentialsErr wraps a failure to get credentials in an
// *uploader.StoreError of the right kind (see stsCredentials), or returns it
// unchanged for the store to classify.
func classifyCredentialsErr(err error) error {
	switch {
	case errors.Is(err, context.Canceled), errors.Is(err, context.DeadlineExceeded):
		return err
	case errors.Is(err, signin.ErrSignInRequired):
		return &uploader.StoreError{Kind: uploader.KindCredentials, Code: "SignInRequired", Err: err}
	case errors.Is(err, signin.ErrProviderBusy):
		return &uploader.StoreError{Kind: uploader.KindRetryable, Code: "SignInServiceBusy", Err: err}
	case errors.Is(err, signin.ErrProviderUnreachable):
		return &uploader.StoreError{Kind: networkKind(err), Code: "SignInServiceUnreachable", Err: err}
	}
	var apiErr smithy.APIError
	if !errors.As(err, &apiErr) {
		if isNetworkErr(err) { // STS could not be reached
			return &uploader.StoreError{Kind: networkKind(err), Code: "STSUnreachable", Err: fmt.Errorf("get credentials from STS: %w", err)}
		}
		return err
	}
	code, status := apiErr.ErrorCode(), 0
	var respErr *awshttp.ResponseError
	if errors.As(err, &respErr) {
		status = respErr.HTTPStatusCode()
	}
	switch {
	case stsThrottleCodes[code] || status == http.StatusTooManyRequests || status >= 500:
		return &uploader.StoreError{Kind: uploader.KindRetryable, Code: code, Err: fmt.Errorf("get credentials from STS: %w", err)}
	case status >= 400:
		return &uploader.StoreError{Kind: uploader.KindAccessDenied, Code: code, Err: &uploader.Failure{
			Code:   uploader.CodeSignInRefused,
			Reason: "Your organisation's storage does not accept this sign-in. Tell your IT support: " + code,
			Err:    fmt.Errorf("STS AssumeRoleWithWebIdentity refused the sign-in: %w", err),
		}}
	}
	return err
}

// isNetworkErr reports whether err holds a transport failure.
func isNetworkErr(err error) bool {
	var ne net.Error
	return errors.As(err, &ne) || errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, syscall.ECONNRESET)
}

// networkKind is KindOffline for a server that cannot be reached at all
// (waited out without limit), else KindRetryable.
func networkKind(err error) uploader.ErrorKind {
	var opErr *net.OpError
	var dnsErr *net.DNSError
	if errors.As(err, &opErr) && opErr.Op == "dial" || errors.As(err, &dnsErr) || errors.Is(err, syscall.ECONNREFUSED) {
		return uploader.KindOffline
	}
	return uploader.KindRetryable
}
