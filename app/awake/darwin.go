//go:build darwin

package awake

import (
	"fmt"
	"os"
	"os/exec"
	"strconv"
)

// New returns the system's inhibitor: caffeinate -i, which holds a
// PreventUserIdleSystemSleep power assertion (the display may still
// sleep) for as long as it runs, and exits by itself should Hoist die.
func New() Inhibitor { return caffeinate{} }

type caffeinate struct{}

// Inhibit implements Inhibitor.
func (caffeinate) Inhibit(string) (func(), error) {
	cmd := exec.Command("/usr/bin/caffeinate", "-i", "-w", strconv.Itoa(os.Getpid()))
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("start caffeinate: %w", err)
	}
	return func() {
		_ = cmd.Process.Kill()
		_ = cmd.Wait()
	}, nil
}
