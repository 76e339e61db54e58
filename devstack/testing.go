package devstack

import (
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"testing"
	"time"
)

// testLogBytes is how much of MinIO's log a failing test prints.
const testLogBytes = 16 << 10

// StartMinIOForTest starts a private MinIO for one test or benchmark on free
// ports with a temporary data directory, and creates the bucket
// DefaultBucket ("hoist"). MinIO's log goes to a file under t.TempDir() and
// its tail is printed if the test fails. A t.Cleanup stops the server. Any
// failure to start is fatal to the test (it never skips: tests must not
// depend on a MinIO that happens to be running).
func StartMinIOForTest(t testing.TB) *MinIO {
	t.Helper()
	return StartMinIOForTestWith(t, MinIOOptions{})
}

// StartMinIOForTestWith is StartMinIOForTest with options, for tests that need
// extra MinIO environment (such as MINIO_IDENTITY_OPENID_*). opts.Log, if
// set, receives the output as well as the log file; opts.Detach is ignored.
func StartMinIOForTestWith(t testing.TB, opts MinIOOptions) *MinIO {
	t.Helper()
	logPath := filepath.Join(t.TempDir(), "minio.log")
	f, err := os.Create(logPath)
	if err != nil {
		t.Fatalf("start minio: %v", err)
	}
	opts.Detach = false
	if opts.Log != nil {
		opts.Log = io.MultiWriter(f, opts.Log)
	} else {
		opts.Log = f
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*startTimeout)
	defer cancel()
	m, err := StartMinIO(ctx, opts)
	if err != nil {
		f.Close()
		t.Fatalf("%v", err)
	}
	t.Cleanup(func() {
		if err := m.Stop(); err != nil {
			t.Errorf("%v", err)
		}
		f.Close()
		if t.Failed() {
			t.Logf("minio log %s (tail):\n%s", logPath, fileTail(logPath, testLogBytes))
		}
	})
	if err := m.CreateBucket(ctx, DefaultBucket); err != nil {
		t.Fatalf("%v", err)
	}
	return m
}

// ForTestMain lets a package's TestMain share one MinIO among its tests:
//
//	var minio *devstack.MinIO
//
//	func TestMain(m *testing.M) {
//		os.Exit(devstack.ForTestMain(m, func(s *devstack.MinIO) { minio = s }))
//	}
//
// It starts a MinIO as StartMinIOForTest does (bucket "hoist" created), hands
// it to fn (which may be nil) before any test runs, runs the tests, stops the
// server and returns the exit code for os.Exit. If MinIO cannot start, or
// stopping it fails, the code is non-zero and the reason is on stderr; when
// tests fail, the tail of MinIO's log is printed too.
func ForTestMain(m *testing.M, fn func(*MinIO)) int {
	return ForTestMainWith(m, MinIOOptions{}, fn)
}

// ForTestMainWith is ForTestMain with options (see StartMinIOForTestWith).
func ForTestMainWith(m *testing.M, opts MinIOOptions, fn func(*MinIO)) int {
	f, err := os.CreateTemp("", "hoist-minio-*.log")
	if err != nil {
		fmt.Fprintf(os.Stderr, "devstack: start minio: %v\n", err)
		return 1
	}
	logPath := f.Name()
	defer f.Close()
	opts.Detach = false
	if opts.Log != nil {
		opts.Log = io.MultiWriter(f, opts.Log)
	} else {
		opts.Log = f
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*startTimeout)
	srv, err := StartMinIO(ctx, opts)
	if err == nil {
		err = srv.CreateBucket(ctx, DefaultBucket)
	}
	cancel()
	if err != nil {
		fmt.Fprintf(os.Stderr, "devstack: %v\n", err)
		if srv != nil {
			_ = srv.Stop()
		}
		return 1
	}
	if fn != nil {
		fn(srv)
	}

	code := m.Run()

	stopped := make(chan error, 1)
	go func() { stopped <- srv.Stop() }()
	select {
	case err = <-stopped:
	case <-time.After(30 * time.Second):
		err = fmt.Errorf("stop minio: timed out")
	}
	if err != nil {
		fmt.Fprintf(os.Stderr, "devstack: %v\n", err)
		if code == 0 {
			code = 1
		}
	}
	if code != 0 {
		fmt.Fprintf(os.Stderr, "devstack: minio log %s (tail):\n%s\n", logPath, fileTail(logPath, testLogBytes))
	} else {
		os.Remove(logPath)
	}
	return code
}

// StartOIDCForTest starts a private OIDC provider for one test on a free
// port, with opts (Port, Detach and DataDir are ignored: the key lives in
// memory) and TestHooks on, so RevokeAll works. Its log goes to a file under
// t.TempDir() and its tail is printed if the test fails. A t.Cleanup stops
// it. Any failure to start is fatal to the test.
func StartOIDCForTest(t testing.TB, opts OIDCOptions) *OIDC {
	t.Helper()
	logPath := filepath.Join(t.TempDir(), "oidc.log")
	f, err := os.Create(logPath)
	if err != nil {
		t.Fatalf("start oidc provider: %v", err)
	}
	opts.Port, opts.Detach, opts.DataDir, opts.TestHooks = 0, false, "", true
	if opts.Log != nil {
		opts.Log = io.MultiWriter(f, opts.Log)
	} else {
		opts.Log = f
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*oidcStartTimeout)
	defer cancel()
	o, err := StartOIDC(ctx, opts)
	if err != nil {
		f.Close()
		t.Fatalf("%v", err)
	}
	t.Cleanup(func() {
		if err := o.Stop(); err != nil {
			t.Errorf("%v", err)
		}
		f.Close()
		if t.Failed() {
			t.Logf("oidc provider log %s (tail):\n%s", logPath, fileTail(logPath, testLogBytes))
		}
	})
	return o
}

// SignInStack is an OIDC provider and a MinIO whose STS trusts it: what a
// test of sign-in, credentials or confined uploads needs.
type SignInStack struct {
	OIDC  *OIDC
	MinIO *MinIO
	// Bucket is DefaultBucket, created.
	Bucket string
	// RoleARN is the role to name in AssumeRoleWithWebIdentity; it carries
	// UploadPolicy (each user confined to uploads/<sub>/).
	RoleARN string
	// STSEndpoint is where AssumeRoleWithWebIdentity goes: MinIO's endpoint.
	STSEndpoint string
	// DescriptorFile is the organisation descriptor the provider serves at
	// DescriptorURL; it starts as Descriptor().JSON(). Change it with
	// WriteDescriptor.
	DescriptorFile, DescriptorURL string
}

// Descriptor is the stack's organisation descriptor as written at start:
// organisation "Acme Research", key prefix uploads/{sub}/.
func (s *SignInStack) Descriptor() DevDescriptor {
	return DevDescriptor{
		Name: "Acme Research", S3Endpoint: s.MinIO.Endpoint, Region: Region, Bucket: s.Bucket,
		KeyPrefix: UploadKeyPrefix + "{sub}/", Issuer: s.OIDC.Issuer, ClientID: s.OIDC.ClientID,
		RoleARN: s.RoleARN, STSEndpoint: s.STSEndpoint,
		StaffGroups: []string{StaffGroup}, CustomersPrefix: UploadKeyPrefix,
	}
}

// StartSignInStackForTest starts, for one test, a provider as
// StartOIDCForTest(t, opts) does, then a MinIO configured with
// OpenIDEnv for it, creates bucket "hoist" and the policy UploadPolicy
// (UploadPolicyName). Both stop in t.Cleanup; any failure is fatal.
func StartSignInStackForTest(t testing.TB, opts OIDCOptions) *SignInStack {
	t.Helper()
	if opts.DescriptorFile == "" {
		opts.DescriptorFile = filepath.Join(t.TempDir(), DescriptorFileName)
	}
	o := StartOIDCForTest(t, opts)
	m := StartMinIOForTestWith(t, MinIOOptions{Env: OpenIDEnv(o, UploadPolicyName)})
	ctx, cancel := context.WithTimeout(context.Background(), startTimeout)
	defer cancel()
	if err := m.CreatePolicy(ctx, UploadPolicyName, UploadPolicy); err != nil {
		t.Fatalf("%v", err)
	}
	s := &SignInStack{OIDC: o, MinIO: m, Bucket: DefaultBucket, RoleARN: RoleARN(o.ClientID, ""), STSEndpoint: m.Endpoint,
		DescriptorFile: opts.DescriptorFile, DescriptorURL: o.Issuer + "/.well-known/hoist.json"}
	if err := WriteDescriptor(s.DescriptorFile, s.Descriptor()); err != nil {
		t.Fatalf("%v", err)
	}
	return s
}
