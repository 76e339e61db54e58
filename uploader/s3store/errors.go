package s3store

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"syscall"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"
	awshttp "github.com/aws/aws-sdk-go-v2/aws/transport/http"
	"github.com/aws/smithy-go"

	"hoist/uploader"
)

// classify wraps err, the failure of the action described by what, in an
// *uploader.StoreError of the right kind. Context cancellation is passed
// through unchanged so the engine can read the cause.
func (s *Store) classify(what string, err error) error {
	if errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
		return fmt.Errorf("%s: %w", what, err)
	}
	kind, code := kindOf(err)
	if s.temporary && (code == "InvalidAccessKeyId" || code == "ExpiredToken" || code == "InvalidToken") {
		kind = uploader.KindCredentials
		if cache, ok := s.creds.(*aws.CredentialsCache); ok {
			cache.Invalidate()
		}
	}
	return &uploader.StoreError{Kind: kind, Code: code, Err: fmt.Errorf("%s: %w", what, err)}
}

// kindOf maps SDK, HTTP and network errors to engine error kinds.
func kindOf(err error) (uploader.ErrorKind, string) {
	var signErr *v4.SigningError
	var credErr *credentialsError
	if errors.As(err, &signErr) || errors.As(err, &credErr) {
		var own *uploader.StoreError
		if errors.As(err, &own) {
			return own.Kind, own.Code // the provider classified its failure itself
		}
		// Renewing credentials needs the network too: an outage is waited
		// out, not mistaken for an expired sign-in.
		if kind, ok := networkKind(err); ok && kind == uploader.KindOffline {
			return kind, "CredentialsUnreachable"
		}
		return uploader.KindCredentials, "CredentialsUnavailable"
	}
	if kind, ok := networkKind(err); ok {
		return kind, ""
	}
	var apiErr smithy.APIError
	if errors.As(err, &apiErr) {
		code := apiErr.ErrorCode()
		if kind, ok := codeKinds[code]; ok {
			return kind, code
		}
		return statusKind(err), code
	}
	return statusKind(err), ""
}

// codeKinds maps S3 error codes to kinds. Codes not listed fall back to the
// HTTP status.
var codeKinds = map[string]uploader.ErrorKind{
	"AccessDenied":                uploader.KindAccessDenied,
	"AllAccessDisabled":           uploader.KindAccessDenied,
	"InvalidAccessKeyId":          uploader.KindAccessDenied,
	"SignatureDoesNotMatch":       uploader.KindAccessDenied,
	"AccountProblem":              uploader.KindAccessDenied,
	"ExpiredToken":                uploader.KindCredentials,
	"InvalidToken":                uploader.KindCredentials,
	"TokenRefreshRequired":        uploader.KindCredentials,
	"RequestTimeTooSkewed":        uploader.KindRetryable,
	"NoSuchBucket":                uploader.KindNoSuchBucket,
	"NoSuchKey":                   uploader.KindNotFound,
	"NotFound":                    uploader.KindNotFound,
	"NoSuchUpload":                uploader.KindNoSuchUpload,
	"PreconditionFailed":          uploader.KindPrecondition,
	"BadDigest":                   uploader.KindBadDigest,
	"InvalidDigest":               uploader.KindBadDigest,
	"XAmzContentChecksumMismatch": uploader.KindBadDigest,
	"IncompleteBody":              uploader.KindRetryable,
	"RequestTimeout":              uploader.KindRetryable,
	"SlowDown":                    uploader.KindRetryable,
	"ServiceUnavailable":          uploader.KindRetryable,
	"InternalError":               uploader.KindRetryable,
	"ConditionalRequestConflict":  uploader.KindRetryable,
	"XMinioServerNotInitialized":  uploader.KindRetryable,
	"EntityTooLarge":              uploader.KindPermanent,
	"EntityTooSmall":              uploader.KindPermanent,
	"InvalidPart":                 uploader.KindPermanent,
	"InvalidPartOrder":            uploader.KindPermanent,
	"InvalidBucketName":           uploader.KindNoSuchBucket,
	"NotImplemented":              uploader.KindPermanent,
	"QuotaExceeded":               uploader.KindPermanent,
	"XMinioStorageFull":           uploader.KindPermanent,
}

// statusKind classifies by HTTP status when the error code says nothing.
func statusKind(err error) uploader.ErrorKind {
	var respErr *awshttp.ResponseError
	if !errors.As(err, &respErr) {
		return uploader.KindRetryable
	}
	switch status := respErr.HTTPStatusCode(); {
	case status == 403:
		return uploader.KindAccessDenied
	case status == 404:
		return uploader.KindNotFound
	case status == 412:
		return uploader.KindPrecondition
	case status == 408 || status == 429 || status >= 500:
		return uploader.KindRetryable
	case status >= 400:
		return uploader.KindPermanent
	}
	return uploader.KindRetryable
}

// networkKind tells an unreachable network (waited out without limit) from
// a connection that broke mid-request (retried with a limit). ok is false
// when err is not a network error.
func networkKind(err error) (kind uploader.ErrorKind, ok bool) {
	var opErr *net.OpError
	if errors.As(err, &opErr) && opErr.Op == "dial" {
		return uploader.KindOffline, true
	}
	var dnsErr *net.DNSError
	if errors.As(err, &dnsErr) {
		return uploader.KindOffline, true
	}
	switch {
	case errors.Is(err, syscall.ECONNREFUSED), errors.Is(err, syscall.ENETUNREACH),
		errors.Is(err, syscall.EHOSTUNREACH), errors.Is(err, syscall.ENETDOWN):
		return uploader.KindOffline, true
	case errors.Is(err, io.ErrUnexpectedEOF), errors.Is(err, io.EOF), errors.Is(err, syscall.ECONNRESET),
		errors.Is(err, syscall.EPIPE):
		return uploader.KindRetryable, true
	}
	var netErr net.Error
	if errors.As(err, &netErr) {
		return uploader.KindRetryable, true
	}
	return 0, false
}

// credentialsError marks a failure to obtain credentials. The SDK wraps
// such failures in plain text ("get identity: …"), so the provider marks
// them itself.
type credentialsError struct{ err error }

func (e *credentialsError) Error() string { return e.err.Error() }
func (e *credentialsError) Unwrap() error { return e.err }

type markedProvider struct{ p aws.CredentialsProvider }

func (m markedProvider) Retrieve(ctx context.Context) (aws.Credentials, error) {
	c, err := m.p.Retrieve(ctx)
	if err != nil {
		return c, &credentialsError{err}
	}
	return c, nil
}

// MarkCredentialFailures wraps p so that the store recognises its failures
// as credential trouble (uploader.KindCredentials, or KindOffline when the
// network is down) rather than as a failed request. A failure that holds an
// *uploader.StoreError keeps that error's kind and code: a provider that
// knows better (STS refused the role; STS is throttled) says so that way. Wrap the provider, then
// cache the result with aws.NewCredentialsCache.
func MarkCredentialFailures(p aws.CredentialsProvider) aws.CredentialsProvider {
	return markedProvider{p}
}
