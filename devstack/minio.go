package devstack

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/s3/types"
)

// Region is the region the dev stack's MinIO answers for and S3Client signs
// with.
const Region = "us-east-1"

const (
	// startTimeout caps how long StartMinIO waits for the health check,
	// whatever the caller's context says.
	startTimeout = 60 * time.Second
	// stopGrace is how long Stop waits after SIGTERM before SIGKILL.
	stopGrace = 5 * time.Second
	// logTailBytes is how much of MinIO's log an error message carries.
	logTailBytes = 4096
)

// MinIOOptions says how StartMinIO starts a server. The zero value starts a
// private, throw-away MinIO on free ports with random root credentials.
type MinIOOptions struct {
	// Port is the S3 API port on 127.0.0.1; 0 picks a free port.
	Port int
	// ConsolePort is the (disabled) console's port on 127.0.0.1; 0 picks a
	// free port.
	ConsolePort int
	// DataDir holds the objects. "" means a fresh temporary directory that
	// Stop removes; a given directory is created if needed and never removed.
	DataDir string
	// CertsDir is passed as --certs-dir so MinIO never picks up TLS
	// certificates from ~/.minio/certs. "" means an empty temporary directory
	// that Stop removes (with Detach, give one: nobody removes it otherwise).
	CertsDir string
	// RootUser and RootPassword are MINIO_ROOT_USER/MINIO_ROOT_PASSWORD, which
	// are also the S3 access and secret key. Empty values are replaced by
	// random alphanumerics (20 and 40 characters).
	RootUser, RootPassword string
	// Env is extra environment for MinIO ("KEY=value"), applied last so it
	// can override anything, e.g. MINIO_IDENTITY_OPENID_* settings.
	// MINIO_* variables from the caller's own environment are never passed on.
	Env []string
	// Log receives MinIO's stdout and stderr; nil discards them. With Detach
	// it must be nil or an *os.File, because a pipe would break when the
	// caller exits.
	Log io.Writer
	// Detach starts MinIO in its own session so that it outlives the caller
	// (used by `make devstack`). Without it MinIO gets its own process group
	// and is killed by the kernel if the calling process dies.
	Detach bool
}

// MinIO is a running MinIO server started by StartMinIO. Its exported fields
// are read-only. Methods are safe for concurrent use.
//
// A MinIO may also be built as a literal to describe a server started
// elsewhere (such as the detached dev stack); such a value supports S3Client,
// CreateBucket, Addr and WriteDevEnv, while Stop returns an error and
// Exited returns nil.
type MinIO struct {
	// Endpoint is the S3 endpoint, http://127.0.0.1:PORT.
	Endpoint string
	// Port is the S3 API port.
	Port int
	// ConsolePort is the port the console would listen on.
	ConsolePort int
	// AccessKey and SecretKey are the root credentials.
	AccessKey, SecretKey string
	// DataDir is the directory holding the objects.
	DataDir string
	// PID is the server's process ID; with Detach it is also its process
	// group and session ID.
	PID int

	proc     *child   // nil in a literal
	tempDirs []string // removed by Stop

	stopOnce sync.Once
	stopErr  error
}

// errEarlyExit marks a server that exited before it became healthy.
var errEarlyExit = errors.New("minio exited before becoming healthy")

// StartMinIO starts `minio server` bound to 127.0.0.1 only, and returns once
// GET /minio/health/live answers 200. It gives up when ctx ends, after 60 s,
// or as soon as the process exits, and then returns an error carrying the
// tail of MinIO's log; nothing is left running or on disk (apart from a
// caller-given DataDir/CertsDir) when it fails. If the ports were picked
// here and MinIO could not bind them, it retries with new ones (3 tries).
// The caller must call Stop (or, with Detach, StopProcessGroup later).
func StartMinIO(ctx context.Context, opts MinIOOptions) (*MinIO, error) {
	bin, err := MinIOBinary()
	if err != nil {
		return nil, fmt.Errorf("start minio: %w", err)
	}
	if err := checkDetachLog(opts.Detach, opts.Log); err != nil {
		return nil, fmt.Errorf("start minio: %w", err)
	}
	if opts.RootUser == "" {
		if opts.RootUser, err = RandomString(20); err != nil {
			return nil, fmt.Errorf("start minio: %w", err)
		}
	}
	if opts.RootPassword == "" {
		if opts.RootPassword, err = RandomString(40); err != nil {
			return nil, fmt.Errorf("start minio: %w", err)
		}
	}
	tries := 1
	if opts.Port == 0 || opts.ConsolePort == 0 {
		tries = 3
	}
	for try := 1; ; try++ {
		m, err := startMinIO(ctx, bin, opts)
		if err == nil {
			return m, nil
		}
		if try >= tries || !errors.Is(err, errEarlyExit) || !strings.Contains(err.Error(), "in use") {
			return nil, err
		}
	}
}

func startMinIO(ctx context.Context, bin string, opts MinIOOptions) (_ *MinIO, err error) {
	m := &MinIO{
		Port:        opts.Port,
		ConsolePort: opts.ConsolePort,
		AccessKey:   opts.RootUser,
		SecretKey:   opts.RootPassword,
		DataDir:     opts.DataDir,
	}
	defer func() {
		if err != nil {
			m.removeTempDirs()
		}
	}()

	if m.Port == 0 {
		if m.Port, err = FreePort(); err != nil {
			return nil, fmt.Errorf("start minio: %w", err)
		}
	}
	for m.ConsolePort == 0 || m.ConsolePort == m.Port {
		if m.ConsolePort, err = FreePort(); err != nil {
			return nil, fmt.Errorf("start minio: %w", err)
		}
	}
	m.Endpoint = "http://127.0.0.1:" + strconv.Itoa(m.Port)

	if m.DataDir, err = m.dir(opts.DataDir, "hoist-minio-data-"); err != nil {
		return nil, err
	}
	certsDir, err := m.dir(opts.CertsDir, "hoist-minio-certs-")
	if err != nil {
		return nil, err
	}

	cmd := exec.Command(bin, "server",
		"--address", "127.0.0.1:"+strconv.Itoa(m.Port),
		"--console-address", "127.0.0.1:"+strconv.Itoa(m.ConsolePort),
		"--certs-dir", certsDir,
		m.DataDir)
	cmd.Env = minioEnv(opts, os.Environ())
	if m.proc, err = startChild(cmd, opts.Detach, opts.Log); err != nil {
		return nil, fmt.Errorf("start minio: %w", err)
	}
	m.PID = m.proc.pid

	if err := m.waitHealthy(ctx); err != nil {
		m.proc.kill()
		return nil, fmt.Errorf("start minio on %s: %w\n--- minio log tail ---\n%s", m.Endpoint, err, m.proc.tail())
	}
	return m, nil
}

// dir returns given (created if missing) or a new temporary directory that
// Stop will remove.
func (m *MinIO) dir(given, pattern string) (string, error) {
	if given != "" {
		if err := os.MkdirAll(given, 0o700); err != nil {
			return "", fmt.Errorf("start minio: %w", err)
		}
		return given, nil
	}
	d, err := os.MkdirTemp("", pattern)
	if err != nil {
		return "", fmt.Errorf("start minio: %w", err)
	}
	m.tempDirs = append(m.tempDirs, d)
	return d, nil
}

// minioEnv builds MinIO's environment: the caller's minus any MINIO_*
// variable, then the root credentials and quiet defaults, then opts.Env.
func minioEnv(opts MinIOOptions, environ []string) []string {
	env := make([]string, 0, len(environ)+6+len(opts.Env))
	for _, kv := range environ {
		if !strings.HasPrefix(kv, "MINIO_") {
			env = append(env, kv)
		}
	}
	env = append(env,
		"MINIO_ROOT_USER="+opts.RootUser,
		"MINIO_ROOT_PASSWORD="+opts.RootPassword,
		"MINIO_BROWSER=off",
		"MINIO_UPDATE=off",
		"MINIO_CALLHOME_ENABLE=off",
	)
	return append(env, opts.Env...)
}

// waitHealthy polls the liveness endpoint until it answers 200, the process
// exits, ctx ends or startTimeout passes.
func (m *MinIO) waitHealthy(ctx context.Context) error {
	ctx, cancel := context.WithTimeout(ctx, startTimeout)
	defer cancel()
	client := &http.Client{
		Transport: &http.Transport{Proxy: nil, DisableKeepAlives: true},
		Timeout:   2 * time.Second,
	}
	tick := time.NewTicker(100 * time.Millisecond)
	defer tick.Stop()
	for {
		if ok, _ := healthy(ctx, client, m.Endpoint); ok {
			return nil
		}
		select {
		case <-m.proc.done:
			return fmt.Errorf("%w (%v)", errEarlyExit, m.proc.waitErr)
		case <-ctx.Done():
			return fmt.Errorf("wait for health check: %w", context.Cause(ctx))
		case <-tick.C:
		}
	}
}

// Healthy reports whether the MinIO at endpoint (http://host:port) answers
// GET /minio/health/live with 200 within ctx.
func Healthy(ctx context.Context, endpoint string) bool {
	client := &http.Client{
		Transport: &http.Transport{Proxy: nil, DisableKeepAlives: true},
		Timeout:   2 * time.Second,
	}
	ok, _ := healthy(ctx, client, endpoint)
	return ok
}

func healthy(ctx context.Context, client *http.Client, endpoint string) (bool, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, endpoint+"/minio/health/live", nil)
	if err != nil {
		return false, err
	}
	resp, err := client.Do(req)
	if err != nil {
		return false, err
	}
	_, _ = io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	return resp.StatusCode == http.StatusOK, nil
}

// Stop stops the server: SIGTERM to its process group, SIGKILL after 5 s,
// then waits for it and removes the temporary directories StartMinIO made.
// It is idempotent; later calls return the first call's result. It returns
// an error if MinIO had already exited on its own (it crashed) or a
// directory could not be removed.
func (m *MinIO) Stop() error {
	if m.proc == nil {
		return errors.New("stop minio: not started by StartMinIO (use StopProcessGroup)")
	}
	m.stopOnce.Do(func() {
		m.stopErr = errors.Join(m.proc.terminate("minio", stopGrace), m.removeTempDirs())
	})
	return m.stopErr
}

func (m *MinIO) removeTempDirs() error {
	var errs []error
	for _, d := range m.tempDirs {
		if err := os.RemoveAll(d); err != nil {
			errs = append(errs, fmt.Errorf("remove minio temp dir: %w", err))
		}
	}
	m.tempDirs = nil
	return errors.Join(errs...)
}

// Exited is closed when the server process has exited, whether through Stop
// or on its own.
func (m *MinIO) Exited() <-chan struct{} {
	if m.proc == nil {
		return nil
	}
	return m.proc.done
}

// LogTail returns the last few KiB of MinIO's output, when it is kept (Log
// nil without Detach, any non-file writer, or a regular *os.File).
func (m *MinIO) LogTail() string {
	if m.proc == nil {
		return ""
	}
	return m.proc.tail()
}

// Addr returns the S3 API's host:port, 127.0.0.1:PORT.
func (m *MinIO) Addr() string { return net.JoinHostPort("127.0.0.1", strconv.Itoa(m.Port)) }

// S3Client returns an S3 client for this server with the root credentials,
// region us-east-1, the endpoint and path-style addressing; optFns adjust it
// further. It is built from s3.Options directly, not config.LoadDefaultConfig,
// so nothing in the environment (AWS_CA_BUNDLE, AWS_PROFILE, AWS_REGION…)
// changes it, and it keeps the SDK's default HTTP client.
func (m *MinIO) S3Client(optFns ...func(*s3.Options)) *s3.Client {
	return s3.New(s3.Options{
		Region:       Region,
		BaseEndpoint: aws.String(m.Endpoint),
		UsePathStyle: true,
		Credentials:  credentials.NewStaticCredentialsProvider(m.AccessKey, m.SecretKey, ""),
	}, optFns...)
}

// CreateBucket creates the bucket name. It is idempotent: a bucket that
// already exists and belongs to the root user is not an error.
func (m *MinIO) CreateBucket(ctx context.Context, name string) error {
	_, err := m.S3Client().CreateBucket(ctx, &s3.CreateBucketInput{Bucket: aws.String(name)})
	var owned *types.BucketAlreadyOwnedByYou
	if err != nil && !errors.As(err, &owned) {
		return fmt.Errorf("create bucket %q: %w", name, err)
	}
	return nil
}
