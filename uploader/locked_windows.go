package uploader

import (
	"errors"
	"syscall"
)

// Windows error codes for a file another program holds open in a way that
// keeps others from reading it.
const (
	errorSharingViolation syscall.Errno = 32 // ERROR_SHARING_VIOLATION: opened without FILE_SHARE_READ
	errorLockViolation    syscall.Errno = 33 // ERROR_LOCK_VIOLATION: a region locked with LockFileEx
)

// lockedByAnotherProgram reports whether err says another program holds the
// file open so that Hoist cannot read it (Word, Outlook's .pst, a database).
// It is not a permission problem: closing the program is the cure.
func lockedByAnotherProgram(err error) bool {
	return errors.Is(err, errorSharingViolation) || errors.Is(err, errorLockViolation)
}
