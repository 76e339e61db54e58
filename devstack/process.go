package devstack

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"strconv"
	"sync"
	"syscall"
	"time"
)

// ProcessAlive reports whether pid names a live process. A zombie (exited but
// not yet reaped, which happens to detached processes in containers whose
// init does not reap) counts as dead.
func ProcessAlive(pid int) bool {
	if pid <= 0 {
		return false
	}
	if err := syscall.Kill(pid, 0); err != nil && !errors.Is(err, syscall.EPERM) {
		return false
	}
	stat, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
	if err != nil {
		// No procfs: trust kill(0); a vanished /proc entry means it is gone.
		return !errors.Is(err, os.ErrNotExist)
	}
	// The state is the first field after the command name, which is in
	// parentheses and may itself contain spaces or parentheses.
	i := bytes.LastIndexByte(stat, ')')
	if i < 0 || i+2 >= len(stat) {
		return true
	}
	state := stat[i+2]
	return state != 'Z' && state != 'X'
}

// StopProcessGroup stops a process that leads its own process group, such as
// a server started with MinIOOptions.Detach by an earlier run: it sends
// SIGTERM to the group, waits up to grace for pid to exit, then sends SIGKILL
// and waits up to 5 s more. It also works for a process that is not a group
// leader (it then signals only that process). Stopping a process that is not
// running is not an error. It returns an error only if pid is still alive at
// the end or cannot be signalled.
func StopProcessGroup(pid int, grace time.Duration) error {
	if !ProcessAlive(pid) {
		return nil
	}
	if err := signalGroup(pid, syscall.SIGTERM); err != nil {
		return fmt.Errorf("stop process %d: %w", pid, err)
	}
	if waitGone(pid, grace) {
		return nil
	}
	if err := signalGroup(pid, syscall.SIGKILL); err != nil {
		return fmt.Errorf("kill process %d: %w", pid, err)
	}
	if waitGone(pid, 5*time.Second) {
		return nil
	}
	return fmt.Errorf("stop process %d: still alive after SIGKILL", pid)
}

// signalGroup signals the process group led by pid, or pid alone if it leads
// no group. ESRCH (already gone) is not an error.
func signalGroup(pid int, sig syscall.Signal) error {
	err := syscall.Kill(-pid, sig)
	if errors.Is(err, syscall.ESRCH) {
		err = syscall.Kill(pid, sig)
	}
	if errors.Is(err, syscall.ESRCH) {
		return nil
	}
	return err
}

func waitGone(pid int, d time.Duration) bool {
	deadline := time.Now().Add(d)
	for {
		if !ProcessAlive(pid) {
			return true
		}
		if time.Now().After(deadline) {
			return false
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// tailBuffer keeps the last max bytes written to it. It is safe for
// concurrent use.
type tailBuffer struct {
	mu  sync.Mutex
	max int
	buf []byte
}

func newTailBuffer(max int) *tailBuffer { return &tailBuffer{max: max} }

func (t *tailBuffer) Write(p []byte) (int, error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.buf = append(t.buf, p...)
	if over := len(t.buf) - t.max; over > 0 {
		t.buf = append(t.buf[:0], t.buf[over:]...)
	}
	return len(p), nil
}

func (t *tailBuffer) String() string {
	t.mu.Lock()
	defer t.mu.Unlock()
	return string(t.buf)
}

// fileTail returns up to the last n bytes of the regular file at path, or ""
// if it cannot be read.
func fileTail(path string, n int64) string {
	f, err := os.Open(path)
	if err != nil {
		return ""
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil || !st.Mode().IsRegular() {
		return ""
	}
	off := max(st.Size()-n, 0)
	b, err := io.ReadAll(io.NewSectionReader(f, off, st.Size()-off))
	if err != nil {
		return ""
	}
	return string(b)
}
