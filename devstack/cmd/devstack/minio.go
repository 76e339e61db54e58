package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"hoist/devstack"
)

// minioComponent is the dev stack's MinIO: detached, persistent data, fixed
// credentials, port 9000 when free, STS trusting the stack's provider.
type minioComponent struct{}

const (
	preferredMinIOPort = 9000
	stopGrace          = 10 * time.Second
)

// minioPaths are the component's files in the stack directory.
type minioPaths struct {
	pid, port, openid, creds, data, certs, log string
}

func (minioComponent) name() string { return "minio" }

func (minioComponent) paths(s *stack) minioPaths {
	f := func(name string) string { return filepath.Join(s.dir, name) }
	return minioPaths{pid: f("minio.pid"), port: f("minio.port"), openid: f("minio.openid"),
		creds: f("minio-credentials.json"), data: f("minio-data"), certs: f("minio-certs"), log: f("minio.log")}
}

// running returns the pid and port of the dev stack's MinIO if the pid file
// names a live MinIO serving this stack's data directory.
func (c minioComponent) running(s *stack) (pid, port int, ok bool) {
	p := c.paths(s)
	pid, err := readInt(p.pid)
	if err != nil || !devstack.ProcessAlive(pid) || !isMinIOFor(pid, p.data) {
		return 0, 0, false
	}
	port, err = readInt(p.port)
	if err != nil {
		return pid, 0, true
	}
	return pid, port, true
}

// openIDEnv is the OpenID part of MinIO's environment for this stack.
func openIDEnv(s *stack) []string {
	return devstack.OpenIDEnv(s.oidc, devstack.UploadPolicyName)
}

func (c minioComponent) up(ctx context.Context, s *stack) error {
	p := c.paths(s)
	creds, err := loadOrCreateCredentials(p.creds)
	if err != nil {
		return err
	}
	m, err := c.reuse(ctx, s, creds)
	if err != nil {
		return err
	}
	started := m == nil
	if started {
		if m, err = c.start(ctx, s, creds); err != nil {
			return err
		}
	}
	if err := c.configure(ctx, m); err != nil {
		if started {
			_ = devstack.StopProcessGroup(m.PID, stopGrace)
			_ = removeFiles(p.pid, p.port, p.openid)
		}
		return err
	}
	s.minio = m
	return nil
}

// reuse returns the running MinIO if it is healthy and was started with the
// stack's current OpenID settings; otherwise it stops it (if any) and
// returns nil.
func (c minioComponent) reuse(ctx context.Context, s *stack, creds credentials) (*devstack.MinIO, error) {
	p := c.paths(s)
	pid, port, ok := c.running(s)
	if !ok {
		return nil, nil
	}
	endpoint := "http://127.0.0.1:" + strconv.Itoa(port)
	prev, _ := os.ReadFile(p.openid)
	switch {
	case port == 0 || !waitHealthy(ctx, endpoint, 30*time.Second):
		fmt.Fprintf(s.out, "minio (pid %d) is not healthy; restarting it\n", pid)
	case string(prev) != envFile(openIDEnv(s)):
		fmt.Fprintf(s.out, "minio (pid %d) trusts another identity provider; restarting it\n", pid)
	default:
		fmt.Fprintf(s.out, "minio already running (pid %d)\n", pid)
		return &devstack.MinIO{Endpoint: endpoint, Port: port, AccessKey: creds.RootUser,
			SecretKey: creds.RootPassword, DataDir: p.data, PID: pid}, nil
	}
	return nil, devstack.StopProcessGroup(pid, stopGrace)
}

// start starts a detached MinIO trusting the stack's provider and records
// its pid, port and OpenID settings.
func (c minioComponent) start(ctx context.Context, s *stack, creds credentials) (*devstack.MinIO, error) {
	p := c.paths(s)
	port := 0
	if devstack.PortFree(preferredMinIOPort) {
		port = preferredMinIOPort
	}
	lf, err := os.OpenFile(p.log, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o600)
	if err != nil {
		return nil, err
	}
	defer lf.Close() // MinIO has its own copy of the descriptor
	fmt.Fprintf(lf, "\n==== devstack up %s ====\n", time.Now().Format(time.RFC3339))
	m, err := devstack.StartMinIO(ctx, devstack.MinIOOptions{
		Port:         port,
		DataDir:      p.data,
		CertsDir:     p.certs,
		RootUser:     creds.RootUser,
		RootPassword: creds.RootPassword,
		Env:          openIDEnv(s),
		Log:          lf,
		Detach:       true,
	})
	if err != nil {
		return nil, err
	}
	err = errors.Join(writeInt(p.pid, m.PID), writeInt(p.port, m.Port),
		os.WriteFile(p.openid, []byte(envFile(openIDEnv(s))), 0o600))
	if err != nil {
		_ = devstack.StopProcessGroup(m.PID, stopGrace)
		_ = removeFiles(p.pid, p.port, p.openid)
		return nil, err
	}
	fmt.Fprintf(s.out, "minio started (pid %d, data %s, log %s)\n", m.PID, s.rel(p.data), s.rel(p.log))
	return m, nil
}

// configure creates the bucket and the signed-in users' policy (both
// idempotent).
func (minioComponent) configure(ctx context.Context, m *devstack.MinIO) error {
	if err := m.CreateBucket(ctx, devstack.DefaultBucket); err != nil {
		return err
	}
	policy := devstack.UploadPolicyFor(devstack.DefaultBucket, devstack.UploadKeyPrefix)
	return m.CreatePolicy(ctx, devstack.UploadPolicyName, policy)
}

func (c minioComponent) down(s *stack) error {
	p := c.paths(s)
	if pid, _, ok := c.running(s); ok {
		if err := devstack.StopProcessGroup(pid, stopGrace); err != nil {
			return err
		}
		fmt.Fprintf(s.out, "minio stopped (pid %d)\n", pid)
	} else {
		fmt.Fprintln(s.out, "minio not running")
	}
	return removeFiles(p.pid, p.port, p.openid)
}

func (c minioComponent) status(ctx context.Context, s *stack) (bool, string) {
	pid, port, ok := c.running(s)
	if !ok {
		return false, "not running"
	}
	endpoint := "http://127.0.0.1:" + strconv.Itoa(port)
	hctx, cancel := context.WithTimeout(ctx, 3*time.Second)
	defer cancel()
	if port == 0 || !devstack.Healthy(hctx, endpoint) {
		return false, fmt.Sprintf("pid %d, not healthy at %s", pid, endpoint)
	}
	return true, fmt.Sprintf("running at %s (pid %d)", endpoint, pid)
}

// isMinIOFor reports whether pid runs `minio server … dataDir`, so a pid
// file left from before a reboot never makes us signal an unrelated process.
func isMinIOFor(pid int, dataDir string) bool {
	args := cmdline(pid)
	return len(args) > 2 && filepath.Base(args[0]) == "minio" && args[1] == "server" && args[len(args)-1] == dataDir
}

// envFile renders KEY=value lines, one per line.
func envFile(env []string) string { return strings.Join(env, "\n") + "\n" }
