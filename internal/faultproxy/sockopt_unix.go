//go:build unix

package faultproxy

import "syscall"

// setRecvBuf sets a socket's receive buffer size.
func setRecvBuf(fd uintptr, size int) error {
	return syscall.SetsockoptInt(int(fd), syscall.SOL_SOCKET, syscall.SO_RCVBUF, size)
}
