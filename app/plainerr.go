package app

import (
	"errors"
	"fmt"

	"fyne.io/fyne/v2/lang"

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
	return &plainError{msg: signInMessage(err), details: signin.Details(err), cause: err}
}

// providerProblem is signin.UserMessage's wording of a provider's own
// error code.
const providerProblem = "Your organisation's sign-in service reported a problem (%s). Try again; if it keeps happening, tell your IT support."

// signInMessage is signin.UserMessage in the customer's language (the
// sign-in package has no UI, so its sentences are translated here; each is
// a key of app.*.json, which plainerr_test.go checks). A sentence Hoist has
// no translation for stays as signin words it.
func signInMessage(err error) string {
	msg := signin.UserMessage(err)
	var pe *signin.ProviderError
	if errors.As(err, &pe) && msg == fmt.Sprintf(providerProblem, pe.Code) {
		return lang.L("Your organisation's sign-in service reported a problem ({{.Code}}). Try again; if it keeps happening, tell your IT support.",
			map[string]any{"Code": pe.Code})
	}
	if msg == "" {
		return ""
	}
	return lang.L(msg) // i18n:dynamic: signin's sentences, checked by plainerr_test.go
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
