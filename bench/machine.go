package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"runtime"
	"strconv"
	"time"
)

// waitQuiet waits, up to -settle, for a second in which the machine is
// nearly idle (MinIO finishing deletes, write-back, other people's builds),
// so a run does not start while something else holds the cores.
func (b *bench) waitQuiet(ctx context.Context) {
	deadline := time.Now().Add(b.opts.settle)
	for first := true; ; first = false {
		share, err := busyShareOver(ctx, time.Second)
		if err != nil || share <= busyWarn {
			return
		}
		if time.Now().After(deadline) {
			progress("  machine still busy (%.0f%% of CPU) after %s; running anyway", 100*share, b.opts.settle)
			return
		}
		if first {
			progress("  machine busy (%.0f%% of CPU); waiting up to %s for it to settle", 100*share, b.opts.settle)
		}
	}
}

// busyShareOver samples the machine's busy CPU share over d.
func busyShareOver(ctx context.Context, d time.Duration) (float64, error) {
	before, err := machineCPU()
	if err != nil {
		return 0, err
	}
	start := time.Now()
	select {
	case <-ctx.Done():
		return 0, ctx.Err()
	case <-time.After(d):
	}
	after, err := machineCPU()
	if err != nil {
		return 0, err
	}
	return (after - before).Seconds() / (time.Since(start).Seconds() * float64(runtime.NumCPU())), nil
}

// probe measures what the rest of the machine did during a run: MinIO's CPU
// and everybody else's.
type probe struct {
	pid             int
	server, machine time.Duration
	err             error
}

func (b *bench) startProbe() probe {
	p := probe{pid: b.mini.PID}
	var err1, err2 error
	p.server, err1 = procCPU(p.pid)
	p.machine, err2 = machineCPU()
	p.err = errors.Join(err1, err2)
	return p
}

// finish fills m's server and other CPU; the other CPU is the machine's busy
// time minus the tool's and MinIO's, so it is only as exact as the 10 ms
// ticks of /proc.
func (p probe) finish(m *measurement) {
	server, err1 := procCPU(p.pid)
	machine, err2 := machineCPU()
	if p.err != nil || err1 != nil || err2 != nil {
		return
	}
	m.serverCPU = server - p.server
	m.otherCPU = max(0, machine-p.machine-m.serverCPU-m.cpu)
}

// userHZ is the unit of the CPU times in /proc/PID/stat (USER_HZ, which
// Linux fixes at 100 for user space whatever the kernel's HZ).
const userHZ = 100

// procCPU returns the user + sys CPU time process pid has used so far, all
// threads included.
func procCPU(pid int) (time.Duration, error) {
	b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
	if err != nil {
		return 0, fmt.Errorf("read CPU time of %d: %w", pid, err)
	}
	// Fields after the command name, which is in parentheses and may hold
	// spaces: state is field 3, utime 14, stime 15.
	var f [][]byte
	if i := bytes.LastIndexByte(b, ')'); i >= 0 {
		f = bytes.Fields(b[i+1:])
	}
	if len(f) < 13 {
		return 0, fmt.Errorf("read CPU time of %d: unexpected /proc stat format", pid)
	}
	utime, err1 := strconv.ParseInt(string(f[11]), 10, 64)
	stime, err2 := strconv.ParseInt(string(f[12]), 10, 64)
	if err1 != nil || err2 != nil {
		return 0, fmt.Errorf("read CPU time of %d: unexpected /proc stat format", pid)
	}
	return time.Duration(utime+stime) * time.Second / userHZ, nil
}

// machineCPU returns the busy CPU time of the whole machine so far, all
// cores summed: user, nice, system, irq and softirq from /proc/stat.
func machineCPU() (time.Duration, error) {
	b, err := os.ReadFile("/proc/stat")
	if err != nil {
		return 0, fmt.Errorf("read machine CPU time: %w", err)
	}
	line, _, _ := bytes.Cut(b, []byte("\n"))
	f := bytes.Fields(line)
	if len(f) < 8 || string(f[0]) != "cpu" {
		return 0, errors.New("read machine CPU time: unexpected /proc/stat format")
	}
	var ticks int64
	for _, i := range []int{1, 2, 3, 6, 7} { // user nice system irq softirq
		n, err := strconv.ParseInt(string(f[i]), 10, 64)
		if err != nil {
			return 0, fmt.Errorf("read machine CPU time: %w", err)
		}
		ticks += n
	}
	return time.Duration(ticks) * time.Second / userHZ, nil
}

// loadAvg returns the 1, 5 and 15-minute load averages, "" if unknown.
func loadAvg() string {
	b, err := os.ReadFile("/proc/loadavg")
	if err != nil {
		return ""
	}
	f := bytes.Fields(b)
	if len(f) < 3 {
		return ""
	}
	return fmt.Sprintf("%s %s %s", f[0], f[1], f[2])
}
