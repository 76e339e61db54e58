//go:build !windows

package uploader

// lockedByAnotherProgram is false outside Windows: Unix file locks are
// advisory and never keep Hoist from reading a file.
func lockedByAnotherProgram(error) bool { return false }
