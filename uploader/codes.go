package uploader

import (
	"errors"
	"os"
)

// Reason codes: a short, stable name for why a job failed (or was skipped
// or cancelled), for receipts and for support staff who filter and count
// failures, and for the window, which shows a job's reason from its code in
// the customer's language. The plain-words Reason says the same to people
// in English; it is kept next to the code (journals from before the codes
// have only the text). Each code has one English text, so a translation
// says exactly what the English does.
const (
	CodeFileMissing      = "file_missing"      // the source file is gone
	CodeFileUnreadable   = "file_unreadable"   // Hoist may not read the source
	CodeFileLocked       = "file_locked"       // another program keeps Hoist from reading the source (Windows)
	CodeFileChanged      = "file_changed"      // the source changed while it was sent
	CodeNotRegular       = "not_regular"       // the source is not a regular file
	CodeTooLarge         = "too_large"         // larger than the store accepts
	CodeAccessDenied     = "access_denied"     // the store refused access
	CodeNoSuchBucket     = "no_such_bucket"    // the configured bucket does not exist
	CodeSignedOut        = "signed_out"        // no valid credentials
	CodeNameTaken        = "name_taken"        // another object took the key meanwhile
	CodeNoFreeName       = "no_free_name"      // no free name found for a renamed file
	CodeExists           = "exists"            // skipped: the key was taken (policy "skip")
	CodeNetwork          = "network"           // retries ran out on network trouble
	CodeUploadDiscarded  = "upload_discarded"  // the server dropped the multipart upload
	CodeChecksumMismatch = "checksum_mismatch" // the stored bytes differ from the sent ones
	CodeChecksumLost     = "checksum_lost"     // a recorded part checksum is unusable
	CodeSizeMismatch     = "size_mismatch"     // the stored object has the wrong size
	CodeCancelled        = "cancelled"         // cancelled by the user
	CodeRejected         = "rejected"          // any other refusal by the store
	CodeSignInRefused    = "sign_in_refused"   // the storage's STS refused the sign-in (set by app)
)

// failCode is fail with an explicit reason code.
func failCode(code, reason string, err error) error {
	return &Failure{Code: code, Reason: reason, Err: err}
}

// CodeOf returns the reason code of a job's failure: the code a Failure
// carries, else one derived from the cause (file errors, store error
// kinds). nil gives "".
func CodeOf(err error) string {
	if err == nil {
		return ""
	}
	var f *Failure
	if errors.As(err, &f) {
		if f.Code != "" {
			return f.Code
		}
		if f.skip {
			return CodeExists
		}
	}
	switch {
	case errors.Is(err, errChanged):
		return CodeFileChanged
	case errors.Is(err, os.ErrNotExist):
		return CodeFileMissing
	case errors.Is(err, os.ErrPermission):
		return CodeFileUnreadable
	case errors.Is(err, errCancelled):
		return CodeCancelled
	}
	switch KindOf(err) {
	case KindAccessDenied:
		return CodeAccessDenied
	case KindNoSuchBucket:
		return CodeNoSuchBucket
	case KindCredentials:
		return CodeSignedOut
	case KindPrecondition:
		return CodeNameTaken
	case KindNoSuchUpload:
		return CodeUploadDiscarded
	case KindRetryable, KindOffline, KindBadDigest:
		if f != nil && f.Err == nil {
			return CodeRejected // a Failure with no cause: a plain refusal
		}
		return CodeNetwork
	}
	return CodeRejected
}
