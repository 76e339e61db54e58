// Command devstack starts and stops the local dev stack that `make run`,
// manual testing and the benchmark use: an OpenID provider (port 9400 when
// free) with the demo users, and a MinIO (port 9000 when free) with bucket
// "hoist" whose STS trusts the provider and gives each signed-in user the
// policy devstack.UploadPolicy. Its state lives in <repo>/.devstack:
//
//	oidc.pid, oidc.port     the running provider (removed by down)
//	oidc-jwks.json          the provider's signing key, generated once
//	oidc.log                provider output (appended)
//	minio.pid, minio.port   the running server (removed by down)
//	minio.openid            the OpenID settings MinIO was started with
//	minio-credentials.json  root user and password, generated once
//	minio-data/             objects, kept across up/down
//	minio.log               server output (appended)
//	env, hoist.toml         written by up, for `source .devstack/env`
//	hoist.json              the organisation descriptor the provider serves at
//	                        /.well-known/hoist.json (type the issuer in Hoist)
//
// The provider keeps sessions and tokens in memory: restarting it signs
// everybody out. MinIO is restarted when the provider's address changed.
//
// Usage:
//
//	devstack up      start what is not running (idempotent), write env
//	devstack down    stop what is running (idempotent)
//	devstack status  report; exit status 1 if something is not running
package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"

	"hoist/devstack"
)

const usage = "usage: devstack up|down|status"

func main() {
	if len(os.Args) != 2 {
		fmt.Fprintln(os.Stderr, usage)
		os.Exit(2)
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, os.Args[1], os.Stdout); err != nil {
		fmt.Fprintf(os.Stderr, "devstack: %v\n", err)
		stop()
		os.Exit(1)
	}
}

func run(ctx context.Context, cmd string, out io.Writer) error {
	root, err := devstack.RepoRoot()
	if err != nil {
		return err
	}
	s := &stack{root: root, dir: filepath.Join(root, ".devstack"), out: out}
	switch cmd {
	case "up":
		return s.up(ctx)
	case "down":
		return s.down()
	case "status":
		return s.status(ctx)
	default:
		return fmt.Errorf("unknown command %q; %s", cmd, usage)
	}
}

// stack is the dev stack in one directory. Components fill in what the env
// files need as they come up.
type stack struct {
	root, dir string
	out       io.Writer

	oidc  *devstack.OIDC  // set by the oidc component's up
	minio *devstack.MinIO // set by the minio component's up
}

// component is one process of the stack. up starts it unless it already runs
// (and then only records its details in the stack); it cleans up after
// itself when it fails. down stops it if it runs; both are idempotent.
// The OIDC provider comes before MinIO: MinIO reads the provider's
// discovery document when it starts.
type component interface {
	name() string
	up(ctx context.Context, s *stack) error
	down(s *stack) error
	status(ctx context.Context, s *stack) (running bool, detail string)
}

// components lists the stack's parts in start order; down goes in reverse.
func components() []component {
	return []component{oidcComponent{}, minioComponent{}}
}

func (s *stack) up(ctx context.Context) error {
	if err := os.MkdirAll(s.dir, 0o700); err != nil {
		return fmt.Errorf("up: %w", err)
	}
	unlock, err := s.lock()
	if err != nil {
		return err
	}
	defer unlock()
	for _, c := range components() {
		if err := c.up(ctx, s); err != nil {
			return fmt.Errorf("up %s: %w", c.name(), err)
		}
	}
	signin := &devstack.DevSignIn{
		Issuer: s.oidc.Issuer, ClientID: s.oidc.ClientID,
		STSEndpoint: s.minio.Endpoint, RoleARN: devstack.RoleARN(s.oidc.ClientID, ""),
		DemoUser: devstack.DemoUser, DemoPassword: devstack.DemoPassword,
	}
	if err := devstack.WriteDevEnv(s.dir, s.minio, devstack.DefaultBucket, signin); err != nil {
		return fmt.Errorf("up: %w", err)
	}
	fmt.Fprintf(s.out, "  endpoint  %s\n  bucket    %s\n  issuer    %s\n  connect   %s   (type this in a fresh Hoist's connect screen)\n  sign in   %s / %s   (support staff: %s / %s)\n  config    %s\n  env       %s\n\nrun: source %s\n",
		s.minio.Endpoint, devstack.DefaultBucket, s.oidc.Issuer, s.oidc.Issuer, devstack.DemoUser, devstack.DemoPassword, devstack.StaffUser, devstack.StaffPassword,
		filepath.Join(s.dir, devstack.ConfigFileName), filepath.Join(s.dir, devstack.EnvFileName),
		s.rel(filepath.Join(s.dir, devstack.EnvFileName)))
	return nil
}

func (s *stack) down() error {
	if _, err := os.Stat(s.dir); errors.Is(err, os.ErrNotExist) {
		fmt.Fprintln(s.out, "dev stack not running")
		return nil
	}
	unlock, err := s.lock()
	if err != nil {
		return err
	}
	defer unlock()
	cs := components()
	var errs []error
	for i := len(cs) - 1; i >= 0; i-- {
		if err := cs[i].down(s); err != nil {
			errs = append(errs, fmt.Errorf("down %s: %w", cs[i].name(), err))
		}
	}
	return errors.Join(errs...)
}

func (s *stack) status(ctx context.Context) error {
	all := true
	for _, c := range components() {
		running, detail := c.status(ctx, s)
		all = all && running
		fmt.Fprintf(s.out, "%-8s %s\n", c.name(), detail)
	}
	if !all {
		return errors.New("not everything is running; run `make devstack`")
	}
	return nil
}

// lock takes an exclusive lock on .devstack/lock so that two ups (or an up
// and a down) do not race.
func (s *stack) lock() (unlock func(), err error) {
	if err := os.MkdirAll(s.dir, 0o700); err != nil {
		return nil, fmt.Errorf("lock dev stack: %w", err)
	}
	f, err := os.OpenFile(filepath.Join(s.dir, "lock"), os.O_CREATE|os.O_RDWR, 0o600)
	if err != nil {
		return nil, fmt.Errorf("lock dev stack: %w", err)
	}
	if err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX); err != nil {
		f.Close()
		return nil, fmt.Errorf("lock dev stack: %w", err)
	}
	return func() { f.Close() }, nil
}

// rel returns path relative to the repository root when it is inside it.
func (s *stack) rel(path string) string {
	if r, err := filepath.Rel(s.root, path); err == nil && !strings.HasPrefix(r, "..") {
		return r
	}
	return path
}

// waitHealthy polls endpoint's health until it answers or d passes.
func waitHealthy(ctx context.Context, endpoint string, d time.Duration) bool {
	ctx, cancel := context.WithTimeout(ctx, d)
	defer cancel()
	for {
		if devstack.Healthy(ctx, endpoint) {
			return true
		}
		select {
		case <-ctx.Done():
			return false
		case <-time.After(200 * time.Millisecond):
		}
	}
}

// cmdline returns the arguments pid was started with, or nil.
func cmdline(pid int) []string {
	b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/cmdline")
	if err != nil || len(b) == 0 {
		return nil
	}
	return strings.Split(strings.TrimRight(string(b), "\x00"), "\x00")
}

// removeFiles removes the files that exist among paths.
func removeFiles(paths ...string) error {
	var errs []error
	for _, f := range paths {
		if err := os.Remove(f); err != nil && !errors.Is(err, os.ErrNotExist) {
			errs = append(errs, err)
		}
	}
	return errors.Join(errs...)
}

type credentials struct {
	RootUser     string `json:"root_user"`
	RootPassword string `json:"root_password"`
}

// loadOrCreateCredentials reads the stack's MinIO root credentials, creating
// them on first use: the data directory only accepts the credentials it was
// first started with.
func loadOrCreateCredentials(path string) (credentials, error) {
	var c credentials
	b, err := os.ReadFile(path)
	switch {
	case err == nil:
		if err := json.Unmarshal(b, &c); err != nil {
			return c, fmt.Errorf("read %s: %w", path, err)
		}
		if c.RootUser == "" || c.RootPassword == "" {
			return c, fmt.Errorf("read %s: root_user or root_password is empty", path)
		}
		return c, nil
	case !errors.Is(err, os.ErrNotExist):
		return c, err
	}
	if c.RootUser, err = devstack.RandomString(20); err != nil {
		return c, err
	}
	if c.RootPassword, err = devstack.RandomString(40); err != nil {
		return c, err
	}
	b, err = json.MarshalIndent(c, "", "  ")
	if err != nil {
		return c, err
	}
	if err := os.WriteFile(path, append(b, '\n'), 0o600); err != nil {
		return c, err
	}
	return c, nil
}

func readInt(path string) (int, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return 0, err
	}
	n, err := strconv.Atoi(strings.TrimSpace(string(b)))
	if err != nil {
		return 0, fmt.Errorf("read %s: %w", path, err)
	}
	return n, nil
}

func writeInt(path string, n int) error {
	return os.WriteFile(path, []byte(strconv.Itoa(n)+"\n"), 0o600)
}
