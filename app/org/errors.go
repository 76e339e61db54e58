package org

// Error is a problem connecting to an organisation. Message is one or two
// plain sentences for the customer, saying what to do; Cause is the
// technical reason, for Details and the log (never a secret).
type Error struct {
	Message string
	Cause   error
}

func (e *Error) Error() string {
	if e.Cause == nil {
		return e.Message
	}
	return e.Message + " (" + e.Cause.Error() + ")"
}

func (e *Error) Unwrap() error { return e.Cause }

// Details is the technical cause, or "".
func (e *Error) Details() string {
	if e.Cause == nil {
		return ""
	}
	return e.Cause.Error()
}
