//go:build unix

package instance

import (
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"strconv"
	"syscall"
)

// dir is a folder only this user can open: $XDG_RUNTIME_DIR/hoist when the
// session has one (it is private by definition), else
// <temp>/hoist-<uid>, created 0700 and checked to be the user's own and
// closed to others.
func dir() (string, error) {
	if rt := os.Getenv("XDG_RUNTIME_DIR"); rt != "" && filepath.IsAbs(rt) {
		if d, err := privateDir(filepath.Join(rt, "hoist")); err == nil {
			return d, nil
		}
	}
	return privateDir(filepath.Join(os.TempDir(), "hoist-"+strconv.Itoa(os.Getuid())))
}

func privateDir(d string) (string, error) {
	if err := os.MkdirAll(d, 0o700); err != nil {
		return "", fmt.Errorf("create the instance folder: %w", err)
	}
	fi, err := os.Lstat(d)
	if err != nil {
		return "", fmt.Errorf("check the instance folder: %w", err)
	}
	st, ok := fi.Sys().(*syscall.Stat_t)
	if !fi.IsDir() || !ok || int(st.Uid) != os.Getuid() {
		return "", fmt.Errorf("the instance folder %s is not this user's own", d)
	}
	if fi.Mode().Perm()&0o077 != 0 {
		if err := os.Chmod(d, 0o700); err != nil {
			return "", fmt.Errorf("close the instance folder %s to others: %w", d, err)
		}
	}
	return d, nil
}

func socketPath(k string) (string, error) {
	d, err := dir()
	if err != nil {
		return "", err
	}
	return filepath.Join(d, k+".sock"), nil
}

func listen(k string) (net.Listener, func(), error) {
	path, err := socketPath(k)
	if err != nil {
		return nil, nil, err
	}
	// One process at a time decides who listens.
	lock, err := os.OpenFile(path+".lock", os.O_CREATE|os.O_RDWR, 0o600)
	if err != nil {
		return nil, nil, fmt.Errorf("lock the instance endpoint: %w", err)
	}
	defer lock.Close()
	if err := syscall.Flock(int(lock.Fd()), syscall.LOCK_EX); err != nil {
		return nil, nil, fmt.Errorf("lock the instance endpoint: %w", err)
	}
	if c, err := net.Dial("unix", path); err == nil {
		c.Close()
		return nil, nil, fmt.Errorf("listen on %s: %w", path, ErrRunning)
	}
	if err := os.Remove(path); err != nil && !errors.Is(err, os.ErrNotExist) {
		return nil, nil, fmt.Errorf("remove a stale instance socket: %w", err)
	}
	l, err := net.Listen("unix", path)
	if err != nil {
		return nil, nil, fmt.Errorf("listen for other Hoist launches: %w", err)
	}
	if err := os.Chmod(path, 0o600); err != nil {
		l.Close()
		return nil, nil, fmt.Errorf("listen for other Hoist launches: %w", err)
	}
	ul := l.(*net.UnixListener)
	ul.SetUnlinkOnClose(true)
	return l, func() {}, nil
}

func dial(ctx context.Context, k string) (net.Conn, error) {
	path, err := socketPath(k)
	if err != nil {
		return nil, err
	}
	var d net.Dialer
	c, err := d.DialContext(ctx, "unix", path)
	if err != nil {
		return nil, fmt.Errorf("%w (%v)", ErrNotRunning, err)
	}
	return c, nil
}
