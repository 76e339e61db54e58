package app

import (
	"errors"

	"hoist/app/signin"
)

// plainError is a failure in plain words with its technical cause kept
// apart: for the log, --verbose and the window's Details button.
type plainError struct {
	msg     string
	details string
	cause   error // for errors.Is/As
}

func (e *plainError) Error() string   { return e.msg }
func (e *plainError) Details() string { return e.details }
func (e *plainError) Unwrap() error   { return e.cause }

// plainSignInError words a sign-in failure for a person and keeps its
// cause (without tokens) as the details.
func plainSignInError(err error) error {
	return &plainError{msg: signin.UserMessage(err), details: signin.Details(err), cause: err}
}

// verboseError is err's text followed by its technical details.
type verboseError struct{ err error }

func (e verboseError) Error() string {
	var d interface{ Details() string }
	if errors.As(e.err, &d) && d.Details() != "" {
		return e.err.Error() + "\n  Details: " + d.Details()
	}
	return e.err.Error()
}

func (e verboseError) Unwrap() error { return e.err }

// withDetails returns err, made to print its details too when verbose.
func withDetails(err error, verbose bool) error {
	if err == nil || !verbose {
		return err
	}
	return verboseError{err}
}
