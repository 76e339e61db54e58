package devstack

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"runtime"
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

// procState describes pid for an error message: its state letter (R
// running, S sleeping, D disk wait, Z zombie…) and the kernel function it
// waits in, from /proc; "unknown" when that cannot be read.
func procState(pid int) string {
	stat, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
	i := bytes.LastIndexByte(stat, ')')
	if err != nil || i < 0 || i+2 >= len(stat) {
		return "unknown"
	}
	wchan, _ := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/wchan")
	return fmt.Sprintf("%c, waiting in %q", stat[i+2], wchan)
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

// child is a server process started by startChild and waited for by its own
// goroutine.
type child struct {
	pid     int
	done    chan struct{} // closed once the process has been waited for
	waitErr error         // valid after done is closed
	tail    func() string // the last few KiB of its output, or ""
}

// checkDetachLog rejects a Log that cannot outlive the caller: with detach,
// log must be nil or an *os.File (a pipe would break when the caller exits).
func checkDetachLog(detach bool, log io.Writer) error {
	if !detach || log == nil {
		return nil
	}
	if _, ok := log.(*os.File); !ok {
		return fmt.Errorf("option Detach needs Log to be nil or an *os.File, not %T", log)
	}
	return nil
}

// startChild starts cmd with stdout and stderr going to log (nil discards
// them, keeping a tail in memory unless detach is set). With detach the
// process gets its own session and outlives the caller; without it, its own
// process group, and the kernel SIGKILLs it if the caller dies. The caller
// must have checked log with checkDetachLog.
func startChild(cmd *exec.Cmd, detach bool, log io.Writer) (*child, error) {
	c := &child{done: make(chan struct{})}
	if detach {
		cmd.SysProcAttr = &syscall.SysProcAttr{Setsid: true}
	} else {
		cmd.SysProcAttr = childAttr()
	}
	switch lw := log.(type) {
	case nil:
		if detach {
			c.tail = func() string { return "" }
		} else {
			tb := newTailBuffer(logTailBytes)
			cmd.Stdout, cmd.Stderr, c.tail = tb, tb, tb.String
		}
	case *os.File:
		cmd.Stdout, cmd.Stderr = lw, lw
		name := lw.Name()
		c.tail = func() string { return fileTail(name, logTailBytes) }
	default:
		tb := newTailBuffer(logTailBytes)
		w := io.MultiWriter(lw, tb)
		cmd.Stdout, cmd.Stderr, c.tail = w, w, tb.String
	}
	started := make(chan error, 1)
	go func() {
		if !detach {
			// Pdeathsig fires when the thread that forked the child exits,
			// not the process; pin this goroutine to its thread and keep it
			// blocked in Wait for the child's lifetime. The thread is
			// discarded when the goroutine returns still locked.
			runtime.LockOSThread()
		}
		if err := cmd.Start(); err != nil {
			started <- err
			return
		}
		started <- nil
		c.waitErr = cmd.Wait()
		close(c.done)
	}()
	if err := <-started; err != nil {
		return nil, err
	}
	c.pid = cmd.Process.Pid
	return c, nil
}

// kill SIGKILLs the process group and waits for the process.
func (c *child) kill() {
	_ = syscall.Kill(-c.pid, syscall.SIGKILL)
	<-c.done
}

// terminate sends SIGTERM to the process group, SIGKILL after grace, and
// waits for the process. It returns an error carrying the log tail if the
// process had already exited on its own.
func (c *child) terminate(name string, grace time.Duration) error {
	select {
	case <-c.done:
		return fmt.Errorf("stop %s: it had already exited: %v\n--- %s log tail ---\n%s", name, c.waitErr, name, c.tail())
	default:
	}
	_ = syscall.Kill(-c.pid, syscall.SIGTERM)
	select {
	case <-c.done:
	case <-time.After(grace):
		c.kill()
	}
	return nil
}
