//go:build !(linux || darwin)

package s3store

import "syscall"

// limitUnsent is not available here: connections keep the system's
// send buffering.
var limitUnsent func(network, address string, c syscall.RawConn) error
