package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"runtime/debug"
	"syscall"
	"time"
)

// measurement is what one run of one tool cost.
//
// CPU and peak RSS come from wait4 on the direct child: they include the
// descendants the child itself waited for, but not orphans, and peak RSS is
// that of the largest single process, not a sum. All four tools upload from
// one process (aws is one python process with threads), so this is complete.
type measurement struct {
	wall      time.Duration
	cpu       time.Duration // user + sys
	maxRSS    int64         // bytes
	serverCPU time.Duration // MinIO's user + sys during the run
	otherCPU  time.Duration // CPU used by everything else on the machine meanwhile
	trace     string        // Hoist's parallelism over time, from its log
}

// runTimed runs inv with stdout and stderr going to logPath and measures it.
// The child gets its own process group, killed whole when ctx ends or the
// timeout passes, so Ctrl-C reaches the bench (which cleans up) and not the
// tool directly.
func runTimed(ctx context.Context, inv invocation, logPath string, timeout time.Duration) (measurement, error) {
	log, err := os.Create(logPath)
	if err != nil {
		return measurement{}, fmt.Errorf("create log: %w", err)
	}
	defer log.Close()

	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, inv.args[0], inv.args[1:]...)
	cmd.Env = inv.env
	cmd.Stdout, cmd.Stderr = log, log
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	cmd.Cancel = func() error { return syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL) }
	cmd.WaitDelay = 10 * time.Second

	// On Linux a child's peak RSS starts from the bench's own: Go starts
	// children with vfork, and exec carries the shared memory's high-water
	// mark over (the highest the bench ever reached, not what it holds
	// now). Give memory back first, then reset the bench's high-water mark
	// to what it holds now, so the figure is the tool's.
	debug.FreeOSMemory()
	resetPeakRSS()
	start := time.Now()
	if err := cmd.Start(); err != nil {
		return measurement{}, fmt.Errorf("start %s: %w", inv.args[0], err)
	}
	err = cmd.Wait()
	m := measurement{wall: time.Since(start)}
	if ru, ok := cmd.ProcessState.SysUsage().(*syscall.Rusage); ok {
		m.cpu = time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
		m.maxRSS = ru.Maxrss * kiB // Linux reports KiB
	}
	switch {
	case errors.Is(ctx.Err(), context.DeadlineExceeded):
		return m, fmt.Errorf("timed out after %s", timeout)
	case ctx.Err() != nil:
		return m, ctx.Err()
	case err != nil:
		return m, fmt.Errorf("exited: %w", err)
	}
	return m, nil
}

// logTail returns the last n lines of the file at path, for failure reports.
func logTail(path string, n int) string {
	b, err := os.ReadFile(path)
	if err != nil {
		return ""
	}
	// Progress bars redraw with \r; keep only the last state of each line.
	lines := bytes.Split(bytes.TrimRight(b, "\n"), []byte("\n"))
	for i, l := range lines {
		if j := bytes.LastIndexByte(bytes.TrimRight(l, "\r"), '\r'); j >= 0 {
			lines[i] = l[j+1:]
		}
	}
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return string(bytes.Join(lines, []byte("\n")))
}

// resetPeakRSS sets the bench's own peak RSS to its current RSS (Linux
// 4.0 and later; elsewhere, or when refused, it does nothing).
func resetPeakRSS() {
	_ = os.WriteFile("/proc/self/clear_refs", []byte("5"), 0)
}
