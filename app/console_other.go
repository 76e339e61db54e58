//go:build !windows

package app

// attachConsole does nothing outside Windows: the standard handles are
// always there.
func attachConsole() {}
