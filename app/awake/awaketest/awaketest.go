//go:build linux

// Package awaketest runs a private D-Bus daemon with a stand-in for
// logind, for tests of keeping the computer awake: logind does not run on
// test machines, but the D-Bus daemon and the protocol are the real ones.
package awaketest

import (
	"bufio"
	"errors"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/godbus/dbus/v5"
)

// Bus starts a dbus-daemon of its own and returns its address; it is
// stopped when the test ends.
func Bus(t testing.TB) string {
	t.Helper()
	sock := filepath.Join(t.TempDir(), "bus")
	cmd := exec.Command("dbus-daemon", "--session", "--nofork", "--nopidfile", "--print-address=1", "--address=unix:path="+sock)
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatalf("start dbus-daemon (scripts/deps.sh installs it): %v", err)
	}
	t.Cleanup(func() { _ = cmd.Process.Kill(); _ = cmd.Wait() })
	line, err := bufio.NewReader(out).ReadString('\n')
	if err != nil {
		t.Fatalf("read the bus address: %v", err)
	}
	return strings.TrimSpace(line)
}

// Logind is the part of org.freedesktop.login1.Manager Hoist uses. Each
// Inhibit call is recorded and gets the write end of a new pipe as its
// lock; once Hoist holds it, the service's own copy is closed, so the read
// end sees EOF exactly when Hoist releases the lock.
type Logind struct {
	mu    sync.Mutex
	calls [][4]string
	locks []*os.File // read ends, one per call
}

// ServeLogind exports a Logind on the bus at addr.
func ServeLogind(t testing.TB, addr string) *Logind {
	t.Helper()
	conn, err := dbus.Connect(addr)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close() })
	l := &Logind{}
	if err := conn.Export(l, "/org/freedesktop/login1", "org.freedesktop.login1.Manager"); err != nil {
		t.Fatal(err)
	}
	if reply, err := conn.RequestName("org.freedesktop.login1", dbus.NameFlagDoNotQueue); err != nil || reply != dbus.RequestNameReplyPrimaryOwner {
		t.Fatalf("request name: %v %v", reply, err)
	}
	t.Cleanup(func() {
		l.mu.Lock()
		defer l.mu.Unlock()
		for _, r := range l.locks {
			r.Close()
		}
	})
	return l
}

// Inhibit is the D-Bus method.
func (l *Logind) Inhibit(what, who, why, mode string) (dbus.UnixFD, *dbus.Error) {
	r, w, err := os.Pipe()
	if err != nil {
		return 0, dbus.MakeFailedError(err)
	}
	l.mu.Lock()
	l.calls = append(l.calls, [4]string{what, who, why, mode})
	l.locks = append(l.locks, r)
	l.mu.Unlock()
	// The reply carries a copy of w to the caller; the service's own copy
	// goes once the reply is out.
	fd := dbus.UnixFD(w.Fd())
	go func() {
		time.Sleep(500 * time.Millisecond)
		w.Close()
	}()
	return fd, nil
}

// Calls returns the arguments of every Inhibit call so far: what, who,
// why, mode.
func (l *Logind) Calls() [][4]string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return append([][4]string(nil), l.calls...)
}

// Held reports whether the lock of call i is still held, waiting up to
// wait for it to be released.
func (l *Logind) Held(i int, wait time.Duration) bool {
	l.mu.Lock()
	r := l.locks[i]
	l.mu.Unlock()
	_ = r.SetReadDeadline(time.Now().Add(wait))
	_, err := r.Read(make([]byte, 1))
	return !errors.Is(err, io.EOF)
}
