//go:build windows

package instance

import "testing"

// checkPrivate: the pipe's access list is set when it is created.
func checkPrivate(*testing.T, string) {}

// leaveStale: a pipe disappears with its process.
func leaveStale(*testing.T, string) {}
