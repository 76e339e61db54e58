package main

// Peak RSS of a small process, measured by a small parent. A child's peak
// RSS as wait4 reports it never falls below its parent's RSS when it was
// started (Go starts children with vfork, and exec keeps the shared
// memory's mark), and the bench, which has just listed 100,000 objects,
// holds about as much as an idle `hoist resume` needs. So the many-files
// part starts Hoist through the bench's own binary in a helper mode: the
// helper, small, runs the command and writes its peak RSS to a file.

import (
	"errors"
	"fmt"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"syscall"
)

// childRSSEnv names the file a helper writes the command's peak RSS (in
// KiB) to; set, the bench binary runs as that helper.
const childRSSEnv = "HOIST_BENCH_CHILD_RSS_FILE"

// viaHelper returns inv run by the helper, which writes the peak RSS to
// rssFile.
func viaHelper(inv invocation, rssFile string) (invocation, error) {
	self, err := os.Executable()
	if err != nil {
		return inv, fmt.Errorf("find the bench's own binary: %w", err)
	}
	out := inv
	out.args = append([]string{self}, inv.args...)
	out.env = append(append([]string(nil), inv.env...), childRSSEnv+"="+rssFile)
	return out, nil
}

// runHelper runs os.Args[1:] with the helper's standard streams, writes its
// peak RSS to the file $HOIST_BENCH_CHILD_RSS_FILE and returns its exit
// code.
func runHelper(rssFile string) int {
	if len(os.Args) < 2 {
		return 2
	}
	cmd := exec.Command(os.Args[1], os.Args[2:]...)
	cmd.Stdin, cmd.Stdout, cmd.Stderr = os.Stdin, os.Stdout, os.Stderr
	cmd.Env = withoutHelperEnv(os.Environ())
	err := cmd.Run()
	var exit *exec.ExitError
	if err != nil && !errors.As(err, &exit) {
		fmt.Fprintln(os.Stderr, "bench helper:", err)
		return 2
	}
	if ru, ok := cmd.ProcessState.SysUsage().(*syscall.Rusage); ok {
		_ = os.WriteFile(rssFile, []byte(strconv.FormatInt(ru.Maxrss, 10)), 0o600)
	}
	return cmd.ProcessState.ExitCode()
}

func withoutHelperEnv(env []string) []string {
	out := env[:0:0]
	for _, kv := range env {
		if !strings.HasPrefix(kv, childRSSEnv+"=") {
			out = append(out, kv)
		}
	}
	return out
}

// helperRSS reads the peak RSS the helper wrote, in bytes.
func helperRSS(rssFile string) (int64, error) {
	b, err := os.ReadFile(rssFile)
	if err != nil {
		return 0, fmt.Errorf("read the peak RSS the helper measured: %w", err)
	}
	kb, err := strconv.ParseInt(strings.TrimSpace(string(b)), 10, 64)
	if err != nil {
		return 0, fmt.Errorf("read the peak RSS the helper measured: %w", err)
	}
	return kb * kiB, nil
}
