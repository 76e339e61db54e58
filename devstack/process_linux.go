package devstack

import "syscall"

// childAttr puts a child in its own process group and has the kernel
// SIGKILL it if the caller dies.
func childAttr() *syscall.SysProcAttr {
	return &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGKILL}
}
