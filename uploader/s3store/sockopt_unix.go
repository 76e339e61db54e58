//go:build linux || darwin

package s3store

import (
	"syscall"

	"golang.org/x/sys/unix"
)

// limitUnsent caps, on connections it controls, how many bytes may wait
// unsent in the socket's send buffer (TCP_NOTSENT_LOWAT). Without it the
// kernel takes megabytes of a part at once over a slow uplink, so progress
// and speed would count bytes that are still on this machine. Bytes in
// flight are not limited, so a fast link keeps its throughput. Best effort:
// a kernel without the option leaves the connection as it is.
func limitUnsent(_, _ string, c syscall.RawConn) error {
	return c.Control(func(fd uintptr) {
		_ = unix.SetsockoptInt(int(fd), unix.IPPROTO_TCP, unix.TCP_NOTSENT_LOWAT, unsentLimit)
	})
}

// unsentLimit is the most bytes left waiting unsent in a socket: enough to
// keep the link busy between two writes of the HTTP client.
const unsentLimit = 128 << 10
