package uploader

import (
	"context"
	"errors"
	"fmt"
	"io"
)

// Store is the engine's view of the object store. Implementations must be safe
// for concurrent use. Every error returned should be classifiable with
// KindOf; errors that are not wrapped in a *StoreError are treated as
// retryable network trouble.
type Store interface {
	// Head returns the object's size and checksum. A missing object returns an
	// error of KindNotFound.
	Head(ctx context.Context, key string) (ObjectInfo, error)
	// Put uploads body (exactly size bytes) as one object. checksum is the
	// base64 CRC32C of body, or "" when checksums are disabled. With
	// ifNoneMatch the write fails with KindPrecondition if the key exists.
	Put(ctx context.Context, key string, body io.ReadSeeker, size int64, checksum string, ifNoneMatch bool) (ObjectInfo, error)
	// CreateMultipart starts a multipart upload and returns its upload ID.
	CreateMultipart(ctx context.Context, key string) (string, error)
	// UploadPart sends one part (exactly size bytes) and returns its ETag.
	UploadPart(ctx context.Context, key, uploadID string, number int32, body io.ReadSeeker, size int64, checksum string) (string, error)
	// ListParts lists the parts the server holds for the upload. An unknown
	// upload ID returns an error of KindNoSuchUpload.
	ListParts(ctx context.Context, key, uploadID string) ([]RemotePart, error)
	// CompleteMultipart assembles the parts (sorted by number). With
	// ifNoneMatch the completion fails with KindPrecondition if the key exists.
	CompleteMultipart(ctx context.Context, key, uploadID string, parts []RemotePart, ifNoneMatch bool) (ObjectInfo, error)
	// AbortMultipart discards the upload and its parts. Aborting an unknown
	// upload is not an error.
	AbortMultipart(ctx context.Context, key, uploadID string) error
}

// ObjectInfo describes a stored object.
type ObjectInfo struct {
	Size int64
	// Checksum is the CRC32C the server reports: the object's own for a single
	// PUT, or the composite "<base64>-<parts>" for a multipart upload. Empty
	// when the server reported none.
	Checksum string
}

// RemotePart is a part as the server knows it.
type RemotePart struct {
	Number   int32
	Size     int64
	ETag     string
	Checksum string
}

// ErrorKind classifies store errors so the engine can decide between
// retrying, pausing and failing.
type ErrorKind int

const (
	// KindRetryable is transient trouble: network errors, timeouts, 5xx,
	// throttling. The request is retried with backoff.
	KindRetryable ErrorKind = iota
	// KindOffline is a network that cannot be reached at all (connection
	// refused, no route, DNS). Retried without limit: the job waits it out.
	KindOffline
	// KindCredentials means the credentials expired or could not be
	// refreshed; retried (a refresh may fix it) and, when persistent, the
	// engine pauses for a new sign-in.
	KindCredentials
	// KindAccessDenied is a permanent refusal by the server.
	KindAccessDenied
	// KindNoSuchBucket means the configured bucket does not exist.
	KindNoSuchBucket
	// KindNotFound is a missing object.
	KindNotFound
	// KindNoSuchUpload is an unknown or expired multipart upload ID.
	KindNoSuchUpload
	// KindPrecondition means a conditional write found the key taken.
	KindPrecondition
	// KindBadDigest means the server rejected a checksum: the bytes sent were
	// not the bytes read. Retried a few times.
	KindBadDigest
	// KindPermanent is any other error that retrying will not fix.
	KindPermanent
)

// StoreError carries the kind of a store failure alongside the cause.
type StoreError struct {
	Kind ErrorKind
	// Code is the server's error code when there is one (e.g. "AccessDenied").
	Code string
	Err  error
}

func (e *StoreError) Error() string {
	if e.Code != "" {
		return fmt.Sprintf("%s: %v", e.Code, e.Err)
	}
	return e.Err.Error()
}

func (e *StoreError) Unwrap() error { return e.Err }

// KindOf reports the kind of err. Errors without a *StoreError in their chain
// are KindRetryable, except context cancellation which is KindPermanent.
func KindOf(err error) ErrorKind {
	var se *StoreError
	if errors.As(err, &se) {
		return se.Kind
	}
	if errors.Is(err, context.Canceled) {
		return KindPermanent
	}
	return KindRetryable
}

// retryable reports whether a failed request of this kind may be tried again.
func (k ErrorKind) retryable() bool {
	switch k {
	case KindRetryable, KindOffline, KindCredentials, KindBadDigest:
		return true
	}
	return false
}

// ErrUnknownJob is returned for a job ID that the journal does not hold.
var ErrUnknownJob = errors.New("no such job")
