package uploader

import "time"

// State is where a job is in its life. Queued, Running, Verifying and Paused
// are unfinished; the others are final and kept as history.
type State string

// Job states.
const (
	StateQueued    State = "queued"
	StateRunning   State = "running"
	StateVerifying State = "verifying"
	StatePaused    State = "paused"
	StateDone      State = "done"
	StateSkipped   State = "skipped"
	StateFailed    State = "failed"
	StateCancelled State = "cancelled"
)

// Final reports whether the state ends the job (it is then history).
func (s State) Final() bool {
	switch s {
	case StateDone, StateSkipped, StateFailed, StateCancelled:
		return true
	}
	return false
}

// JobRecord is what the journal keeps of one job: enough to resume it after a
// crash and to show it in history.
type JobRecord struct {
	ID uint64 `json:"id"`
	// Source is the absolute path of the local file.
	Source string `json:"source"`
	// Rel is the file's slash-separated path relative to what was dropped;
	// the key is built from it.
	Rel string `json:"rel"`
	// Key is the destination object key. It may change before the upload
	// starts if the collision policy renames it.
	Key string `json:"key"`
	// Size and ModTime are the source's at the time the job was recorded; a
	// source that no longer matches them has changed.
	Size    int64     `json:"size"`
	ModTime time.Time `json:"mtime"`
	State   State     `json:"state"`
	// Reason says in plain words why the job failed, was skipped, cancelled
	// or restarted. Empty for a plain success.
	Reason string `json:"reason,omitempty"`
	// Code is the reason code of a failed, skipped or cancelled job (see
	// CodeOf); empty for a success.
	Code string `json:"code,omitempty"`
	// Batch is the ID of the batch (drop or send) the job belongs to.
	Batch string `json:"batch,omitempty"`
	// Detail is the technical error behind Reason, for support.
	Detail string `json:"detail,omitempty"`
	// UploadID is the multipart upload in progress, if any.
	UploadID string `json:"upload_id,omitempty"`
	PartSize int64  `json:"part_size,omitempty"`
	// Completed marks a multipart upload the store has assembled but Hoist
	// has not yet verified; a restart then only verifies it.
	Completed bool `json:"completed,omitempty"`
	// Checksum is the object's CRC32C once done (composite for multipart).
	Checksum string    `json:"checksum,omitempty"`
	Created  time.Time `json:"created"`
	Started  time.Time `json:"started,omitzero"`
	Finished time.Time `json:"finished,omitzero"`
	// Attempts counts how many times the job was started (retries included).
	Attempts int `json:"attempts,omitempty"`
	// Paused marks a job the user paused; it stays paused across restarts.
	Paused bool `json:"paused,omitempty"`
	// WaitingSignIn marks a paused job that continues when its owner signs
	// in again (paused by a sign-out). It survives restarts; Resume clears
	// it.
	WaitingSignIn bool `json:"waiting_signin,omitempty"`
}

// PartRecord is a part known to have arrived on the server.
type PartRecord struct {
	Number   int32  `json:"n"`
	Size     int64  `json:"size"`
	ETag     string `json:"etag"`
	Checksum string `json:"crc32c,omitempty"`
}

// DiscardedUpload is a multipart upload Hoist no longer wants (its job was
// cancelled, or its file changed): its parts take space on the server until
// it is aborted. The journal keeps it until an abort succeeds, so an abort
// that fails (offline, say) is tried again, even after a restart.
type DiscardedUpload struct {
	Key      string    `json:"key"`
	UploadID string    `json:"upload_id"`
	JobID    uint64    `json:"job_id"`
	Since    time.Time `json:"since"`
}

// Journal persists jobs and their finished parts. Implementations must be
// safe for concurrent use, and every method that returns nil must have made
// its change durable (it survives a crash of the process or the machine).
type Journal interface {
	// AddJobs records new jobs, assigning each an ID (set in place), in one
	// durable write.
	AddJobs(jobs []*JobRecord) error
	// UpdateJob replaces the stored record with the same ID. When the new
	// state is final the job's parts are dropped.
	UpdateJob(job JobRecord) error
	// PutPart records a finished part of a job.
	PutPart(jobID uint64, part PartRecord) error
	// Parts returns the job's recorded parts ordered by number.
	Parts(jobID uint64) ([]PartRecord, error)
	// ClearParts drops every recorded part of the job.
	ClearParts(jobID uint64) error
	// DiscardUpload, in one durable write, adds d to the uploads waiting to
	// be aborted, drops the recorded parts of d's job, and stores job (the
	// job's record, which no longer names the upload) when the journal
	// holds that job.
	DiscardUpload(d DiscardedUpload, job JobRecord) error
	// DiscardedUploads returns the uploads waiting to be aborted.
	DiscardedUploads() ([]DiscardedUpload, error)
	// AbortDone removes an upload from those waiting to be aborted.
	// Removing one that is not there is not an error.
	AbortDone(uploadID string) error
	// Job returns one job; ErrUnknownJob if there is none with that ID.
	Job(id uint64) (JobRecord, error)
	// Jobs returns every job, ordered by ID.
	Jobs() ([]JobRecord, error)
	// Close releases the journal.
	Close() error
}
