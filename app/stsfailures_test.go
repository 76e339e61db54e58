package app

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	awshttp "github.com/aws/aws-sdk-go-v2/aws/transport/http"
	"github.com/aws/smithy-go"
	smithyhttp "github.com/aws/smithy-go/transport/http"

	"hoist/app/signin"
	"hoist/uploader"
)

// stsErr is what the SDK returns when STS answers status with code.
func stsErr(status int, code string) error {
	return fmt.Errorf("failed to retrieve credentials, %w", &smithy.OperationError{
		ServiceID: "STS", OperationName: "AssumeRoleWithWebIdentity",
		Err: &awshttp.ResponseError{ResponseError: &smithyhttp.ResponseError{
			Response: &smithyhttp.Response{Response: &http.Response{StatusCode: status}},
			Err:      &smithy.GenericAPIError{Code: code, Message: "the server says " + code},
		}},
	})
}

func TestClassifyCredentialsErr(t *testing.T) {
	dial := &net.OpError{Op: "dial", Net: "tcp", Err: errors.New("connection refused")}
	for _, tc := range []struct {
		name    string
		err     error
		kind    uploader.ErrorKind
		refusal bool
	}{
		{"unknown role (MinIO)", stsErr(400, "InvalidParameterValue"), uploader.KindAccessDenied, true},
		{"trust policy", stsErr(403, "AccessDenied"), uploader.KindAccessDenied, true},
		{"audience", stsErr(400, "InvalidIdentityToken"), uploader.KindAccessDenied, true},
		{"throttled 400", stsErr(400, "Throttling"), uploader.KindRetryable, false},
		{"throttled 429", stsErr(429, "TooManyRequests"), uploader.KindRetryable, false},
		{"server error", stsErr(503, "ServiceUnavailable"), uploader.KindRetryable, false},
		{"server error without code", stsErr(502, ""), uploader.KindRetryable, false},
		{"IdP keys unreachable", stsErr(400, "IDPCommunicationError"), uploader.KindRetryable, false},
		{"STS down", fmt.Errorf("operation error STS: %w", dial), uploader.KindOffline, false},
		{"refresh refused", fmt.Errorf("get ID token: %w", signin.ErrSignInRequired), uploader.KindCredentials, false},
		{"IdP busy", fmt.Errorf("get ID token: %w", signin.ErrProviderBusy), uploader.KindRetryable, false},
		{"IdP 5xx", fmt.Errorf("get ID token: %w", &signin.UnreachableError{URL: "x", Err: errors.New("HTTP 502")}), uploader.KindRetryable, false},
		{"IdP down", fmt.Errorf("get ID token: %w", &signin.UnreachableError{URL: "x", Err: dial}), uploader.KindOffline, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			err := classifyCredentialsErr(tc.err)
			if got := uploader.KindOf(err); got != tc.kind {
				t.Errorf("kind %d, want %d (%v)", got, tc.kind, err)
			}
			var f *uploader.Failure
			if errors.As(err, &f) != tc.refusal {
				t.Fatalf("refusal = %v, want %v (%v)", !tc.refusal, tc.refusal, err)
			}
			if tc.refusal {
				if !strings.HasPrefix(f.Reason, "Your organisation's storage does not accept this sign-in. Tell your IT support: ") ||
					!strings.Contains(f.Err.Error(), "the server says") {
					t.Errorf("reason %q, detail %q", f.Reason, f.Err)
				}
				if code := uploader.CodeOf(err); code != uploader.CodeSignInRefused {
					t.Errorf("code %q, want %q (the window words it from the code)", code, uploader.CodeSignInRefused)
				}
			}
		})
	}
}

type countingProvider struct {
	calls int
	err   error
}

func (p *countingProvider) Retrieve(context.Context) (aws.Credentials, error) {
	p.calls++
	return aws.Credentials{}, p.err
}

func TestRefusalRememberedBriefly(t *testing.T) {
	p := &countingProvider{err: stsErr(400, "InvalidParameterValue")}
	now := time.Now()
	s := newSTSCredentials(p)
	s.now = func() time.Time { return now }
	for range 5 {
		if _, err := s.Retrieve(t.Context()); uploader.KindOf(err) != uploader.KindAccessDenied {
			t.Fatal(err)
		}
	}
	if p.calls != 1 {
		t.Fatalf("%d STS calls for five uploads, want 1", p.calls)
	}
	now = now.Add(refusalMemory + time.Second)
	s.Retrieve(t.Context())
	s.forget()
	s.Retrieve(t.Context())
	if p.calls != 3 {
		t.Fatalf("%d STS calls, want 3 (after the memory ends, after a new sign-in)", p.calls)
	}
	// Throttling is not remembered.
	p.err, p.calls = stsErr(429, "Throttling"), 0
	s.forget()
	s.Retrieve(t.Context())
	s.Retrieve(t.Context())
	if p.calls != 2 {
		t.Fatalf("%d STS calls while throttled, want 2", p.calls)
	}
}
