//go:build unix && !linux

package devstack

import "syscall"

// childAttr puts a child in its own process group. Only Linux can have the
// kernel kill it when the caller dies: elsewhere a crashed test may leave
// its servers running (the dev stack targets Debian; this keeps it
// compiling on a Mac).
func childAttr() *syscall.SysProcAttr {
	return &syscall.SysProcAttr{Setpgid: true}
}
