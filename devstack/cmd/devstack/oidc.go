package main

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"time"

	"hoist/devstack"
)

// oidcComponent is the dev stack's OpenID provider: detached, port 9400
// when free, signing key kept in the stack directory, demo users.
type oidcComponent struct{}

const preferredOIDCPort = 9400

// oidcPaths are the component's files in the stack directory.
type oidcPaths struct {
	pid, port, keys, log string
}

func (oidcComponent) name() string { return "oidc" }

func (oidcComponent) paths(s *stack) oidcPaths {
	f := func(name string) string { return filepath.Join(s.dir, name) }
	return oidcPaths{pid: f("oidc.pid"), port: f("oidc.port"), keys: f("oidc-jwks.json"), log: f("oidc.log")}
}

// running returns the pid and port of the stack's provider if the pid file
// names a live node process serving this stack (its key file).
func (c oidcComponent) running(s *stack) (pid, port int, ok bool) {
	p := c.paths(s)
	pid, err := readInt(p.pid)
	if err != nil || !devstack.ProcessAlive(pid) || !isProviderFor(pid, p.keys) {
		return 0, 0, false
	}
	port, err = readInt(p.port)
	if err != nil {
		return pid, 0, true
	}
	return pid, port, true
}

// isProviderFor reports whether pid runs `node …/server.js` with keys as its
// key file, so a stale pid file never makes us signal an unrelated process.
func isProviderFor(pid int, keys string) bool {
	args := cmdline(pid)
	if len(args) < 2 || filepath.Base(args[0]) != "node" || filepath.Base(args[1]) != "server.js" {
		return false
	}
	return hasEnv(pid, "OIDC_KEYS_FILE="+keys)
}

// hasEnv reports whether pid's environment holds the variable kv
// ("NAME=value").
func hasEnv(pid int, kv string) bool {
	env, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/environ")
	return err == nil && bytes.Contains(append([]byte{0}, env...), []byte("\x00"+kv+"\x00"))
}

func (c oidcComponent) up(ctx context.Context, s *stack) error {
	p := c.paths(s)
	if pid, port, ok := c.running(s); ok {
		issuer := "http://127.0.0.1:" + strconv.Itoa(port)
		if !hasEnv(pid, "OIDC_HOIST_DESCRIPTOR="+filepath.Join(s.dir, devstack.DescriptorFileName)) {
			fmt.Fprintf(s.out, "oidc provider (pid %d) serves no organisation descriptor; restarting it\n", pid)
			if err := devstack.StopProcessGroup(pid, stopGrace); err != nil {
				return err
			}
		} else if port > 0 && waitReady(ctx, issuer, 15*time.Second) {
			s.oidc = &devstack.OIDC{Issuer: issuer, Port: port, ClientID: devstack.DefaultClientID, PID: pid}
			fmt.Fprintf(s.out, "oidc provider already running (pid %d)\n", pid)
			return nil
		} else {
			fmt.Fprintf(s.out, "oidc provider (pid %d) is not answering; restarting it\n", pid)
			if err := devstack.StopProcessGroup(pid, stopGrace); err != nil {
				return err
			}
		}
	}
	port := 0
	if devstack.PortFree(preferredOIDCPort) {
		port = preferredOIDCPort
	}
	lf, err := os.OpenFile(p.log, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o600)
	if err != nil {
		return err
	}
	defer lf.Close() // the provider has its own copy of the descriptor
	fmt.Fprintf(lf, "\n==== devstack up %s ====\n", time.Now().Format(time.RFC3339))
	o, err := devstack.StartOIDC(ctx, devstack.OIDCOptions{Port: port, DataDir: s.dir, Log: lf, Detach: true,
		DescriptorFile: filepath.Join(s.dir, devstack.DescriptorFileName)})
	if err != nil {
		return err
	}
	if err := writeInt(p.pid, o.PID); err != nil {
		_ = devstack.StopProcessGroup(o.PID, stopGrace)
		return err
	}
	if err := writeInt(p.port, o.Port); err != nil {
		_ = devstack.StopProcessGroup(o.PID, stopGrace)
		_ = removeFiles(p.pid)
		return err
	}
	s.oidc = o
	fmt.Fprintf(s.out, "oidc provider started (pid %d, log %s)\n", o.PID, s.rel(p.log))
	return nil
}

func (c oidcComponent) down(s *stack) error {
	p := c.paths(s)
	if pid, _, ok := c.running(s); ok {
		if err := devstack.StopProcessGroup(pid, stopGrace); err != nil {
			return err
		}
		fmt.Fprintf(s.out, "oidc provider stopped (pid %d)\n", pid)
	} else {
		fmt.Fprintln(s.out, "oidc provider not running")
	}
	return removeFiles(p.pid, p.port)
}

func (c oidcComponent) status(ctx context.Context, s *stack) (bool, string) {
	pid, port, ok := c.running(s)
	if !ok {
		return false, "not running"
	}
	issuer := "http://127.0.0.1:" + strconv.Itoa(port)
	hctx, cancel := context.WithTimeout(ctx, 3*time.Second)
	defer cancel()
	if port == 0 || !devstack.OIDCReady(hctx, issuer) {
		return false, fmt.Sprintf("pid %d, not answering at %s", pid, issuer)
	}
	return true, fmt.Sprintf("running at %s (pid %d)", issuer, pid)
}

// waitReady polls the provider's discovery until it answers or d passes.
func waitReady(ctx context.Context, issuer string, d time.Duration) bool {
	ctx, cancel := context.WithTimeout(ctx, d)
	defer cancel()
	for {
		if devstack.OIDCReady(ctx, issuer) {
			return true
		}
		select {
		case <-ctx.Done():
			return false
		case <-time.After(200 * time.Millisecond):
		}
	}
}
