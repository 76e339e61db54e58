// Package journal is the durable uploader.Journal of Hoist, kept in a single
// bbolt file in the data folder.
//
// Every write is committed with an fsync before the method returns, so a nil
// error means the change survives a crash of the process or of the machine.
// Part completions, which arrive concurrently from many upload workers, are
// coalesced with bbolt's batching: many of them share one commit and one
// fsync.
//
// # File layout (format version 1)
//
//   - bucket "meta": key "version" holds the format version as a big-endian
//     uint64 (currently 1). A file with a newer version is refused.
//
//   - bucket "jobs": key is the job ID as a big-endian uint64, value is the
//     JSON of an uploader.JobRecord. IDs come from the bucket's sequence, so
//     they are never reused, even after a job is deleted.
//
//   - bucket "parts": one nested bucket per job, named by the job ID as a
//     big-endian uint64; inside it the key is the part number as a
//     big-endian uint32 and the value the JSON of an uploader.PartRecord.
//
//   - bucket "aborts": multipart uploads waiting to be aborted on the
//     server; the key is the upload ID, the value the JSON of an
//     uploader.DiscardedUpload. Files written before it existed get it,
//     empty, on open (an additive change: the format version stays 1).
//
//   - bucket "open": the index of unfinished jobs: key is the job ID (as in
//     "jobs") of every job whose state is not final, value one byte 0x01. It lets a
//     start read only the unfinished jobs, whatever the size of history.
//     Files written before it existed get it, built from "jobs", on open
//     (additive: the format version stays 1).
//
//   - bucket "batches": batches and their receipts; the key is the batch ID,
//     the value the JSON of an uploader.BatchRecord (its receipt lists every
//     file of the batch).
//
//   - bucket "waiting": the index of the batches a start has to look after
//     (not sealed, without a receipt, or with a receipt not yet written to
//     the store): key is the batch ID (as in "batches"), value one byte
//     0x01. It lets a start read only those, not every receipt of history.
//     Files written before it existed get it, built from "batches", on open
//     (additive: the format version stays 1).
//
// Big-endian keys make bbolt's byte order the numeric order, so jobs and
// parts are read back sorted without extra work.
package journal

import (
	"bytes"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"runtime/debug"
	"sync/atomic"
	"time"

	bolt "go.etcd.io/bbolt"
	berrors "go.etcd.io/bbolt/errors"

	"hoist/uploader"
)

// FormatVersion is the version of the file layout this package writes and
// reads. Files with a higher version are refused with ErrNewerVersion.
const FormatVersion = 1

// lockTimeout is how long Open waits for another process to release the
// file before giving up with ErrLocked.
const lockTimeout = time.Second

var (
	bucketMeta   = []byte("meta")
	bucketJobs   = []byte("jobs")
	bucketParts  = []byte("parts")
	bucketAborts = []byte("aborts")
	// bucketBatches holds batches and their receipts, by batch ID (added
	// within format 1: a file without it gets it at Open).
	bucketBatches = []byte("batches")
	// bucketOpen indexes the unfinished jobs (added within format 1).
	bucketOpen = []byte("open")
	// bucketWaiting indexes the batches not done with (added within
	// format 1).
	bucketWaiting = []byte("waiting")
	keyVersion    = []byte("version")
	// keyAgeWalk in "meta" holds when Retain last walked history for age
	// (unix nanoseconds, big-endian).
	keyAgeWalk = []byte("retain_age_walk")
)

// releaseEvery is how many records a walk through history reads, or how
// many job updates are written, between two releases of the journal's
// mapped pages (see releaseMapped): a send of 100,000 files touches every
// page of the file, and the pages a process has mapped count as its
// memory.
const releaseEvery = 2000

// ErrLocked is returned (wrapped) by Open when another process holds the
// journal file. Its message is meant to be shown to the user as it is.
var ErrLocked = errors.New("another Hoist is already running with this data folder")

// ErrCorrupt is returned (wrapped) when the journal file, or a record in it,
// cannot be read: the file is damaged, truncated, or not a Hoist journal at
// all. The wrapped chain also holds the underlying cause when there is one.
var ErrCorrupt = errors.New("the journal file is damaged or is not a Hoist journal")

// ErrNewerVersion is returned (wrapped) by Open when the file was written by
// a newer Hoist with a file format this version does not understand. The
// file is left untouched.
var ErrNewerVersion = errors.New("the journal was written by a newer version of Hoist")

// ErrJobFinished is returned (wrapped) by PutPart for a job whose stored
// state is final: its parts were dropped when it finished, and recording new
// ones would only leave garbage behind.
var ErrJobFinished = errors.New("the job is already finished")

// Journal is an uploader.Journal stored in a bbolt file. It is safe for
// concurrent use by many goroutines. Only one Journal (in any process) can
// have a given file open at a time.
type Journal struct {
	db   *bolt.DB
	path string
	// updates counts job updates, to let go of the mapped pages now and
	// then (see releaseEvery).
	updates atomic.Uint64
	// private is a temporary folder holding a copy that OpenReadOnly
	// made; Close removes it. "" for a journal opened in place.
	private string
}

var (
	_ uploader.Journal             = (*Journal)(nil)
	_ uploader.BatchJournal        = (*Journal)(nil)
	_ uploader.WaitingBatchJournal = (*Journal)(nil)
)

// DefaultPath returns the journal's file path inside the data folder:
// filepath.Join(dataDir, "journal.db").
func DefaultPath(dataDir string) string {
	return filepath.Join(dataDir, "journal.db")
}

// Open opens the journal file at path, creating it (mode 0600) and its
// missing parent folders (mode 0700) if needed, and brings a new file to the
// current format.
//
// The file is locked for the life of the Journal. If another process (or
// another Journal in this process) holds it, Open gives up after about a
// second with an error wrapping ErrLocked. A file that is damaged or is not
// a Hoist journal gives an error wrapping ErrCorrupt (never a panic); a file
// of a newer format gives one wrapping ErrNewerVersion. Any error is
// prefixed with "open journal <path>".
func Open(path string) (j *Journal, err error) {
	defer func() {
		if err != nil {
			err = fmt.Errorf("open journal %s: %w", path, err)
		}
	}()
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return nil, fmt.Errorf("create its folder: %w", err)
	}
	if err := removeHalfCreated(path); err != nil {
		return nil, err
	}

	db, err := openBolt(path, false)
	if err != nil {
		return nil, err
	}
	j = &Journal{db: db, path: path}
	if err := j.init(); err != nil {
		_ = db.Close()
		return nil, err
	}
	return j, nil
}

// openBolt opens the bbolt file, turning lock timeouts into ErrLocked and
// both bbolt's validation errors and its panics or memory faults on a
// garbage file into ErrCorrupt.
func openBolt(path string, readOnly bool) (db *bolt.DB, err error) {
	// Keep the file bbolt opens, so that it can be closed (and its lock
	// released) if bbolt panics halfway through Open.
	var file *os.File
	opts := *bolt.DefaultOptions
	opts.Timeout = lockTimeout
	opts.ReadOnly = readOnly
	// The map freelist keeps runs of free pages, not every free page: after
	// history was trimmed the file holds many, and every open loads them.
	opts.FreelistType = bolt.FreelistMapType
	opts.OpenFile = func(name string, flag int, perm os.FileMode) (*os.File, error) {
		f, err := os.OpenFile(name, flag, perm)
		file = f
		return f, err
	}
	defer func() {
		if r := recover(); r != nil {
			if file != nil {
				_ = file.Close()
			}
			db, err = nil, fmt.Errorf("%w: %v", ErrCorrupt, r)
		}
	}()
	defer debug.SetPanicOnFault(debug.SetPanicOnFault(true))

	db, err = bolt.Open(path, 0o600, &opts)
	switch {
	case err == nil:
		return db, nil
	case errors.Is(err, berrors.ErrTimeout):
		return nil, ErrLocked
	case errors.Is(err, berrors.ErrInvalid), errors.Is(err, berrors.ErrVersionMismatch),
		errors.Is(err, berrors.ErrChecksum), errors.Is(err, berrors.ErrInvalidMapping):
		return nil, fmt.Errorf("%w: %w", ErrCorrupt, err)
	default:
		return nil, err
	}
}

// init checks the format version and, on a new file, creates the buckets
// and writes the version. A file of a newer version is not modified.
func (j *Journal) init() error {
	fresh, missing, err := j.check()
	if err != nil || !(fresh || missing) {
		return err
	}
	err = j.update(func(tx *bolt.Tx) error {
		for _, name := range [][]byte{bucketJobs, bucketParts, bucketAborts, bucketBatches} {
			if _, err := tx.CreateBucketIfNotExists(name); err != nil {
				return err
			}
		}
		if tx.Bucket(bucketOpen) == nil {
			if err := buildOpenIndex(tx); err != nil {
				return err
			}
		}
		if tx.Bucket(bucketWaiting) == nil {
			if err := buildWaitingIndex(tx); err != nil {
				return err
			}
		}
		if !fresh {
			return nil
		}
		meta, err := tx.CreateBucketIfNotExists(bucketMeta)
		if err != nil {
			return err
		}
		return meta.Put(keyVersion, binary.BigEndian.AppendUint64(nil, FormatVersion))
	})
	if err != nil {
		return fmt.Errorf("initialise: %w", err)
	}
	return nil
}

// check reads the format version without writing: fresh is a file with no
// bucket yet, missing one that lacks a bucket added since format 1 began.
func (j *Journal) check() (fresh, missing bool, err error) {
	err = j.view(func(tx *bolt.Tx) error {
		meta := tx.Bucket(bucketMeta)
		if meta == nil {
			empty := true
			_ = tx.ForEach(func([]byte, *bolt.Bucket) error {
				empty = false
				return errors.New("stop")
			})
			if !empty {
				return fmt.Errorf("%w: it holds data but no version", ErrCorrupt)
			}
			fresh = true
			return nil
		}
		raw := meta.Get(keyVersion)
		if len(raw) != 8 {
			return fmt.Errorf("%w: unreadable version", ErrCorrupt)
		}
		switch v := binary.BigEndian.Uint64(raw); {
		case v > FormatVersion:
			return fmt.Errorf("%w (format %d; this version reads format %d)", ErrNewerVersion, v, FormatVersion)
		case v < 1:
			return fmt.Errorf("%w: unknown version %d", ErrCorrupt, v)
		}
		if tx.Bucket(bucketJobs) == nil || tx.Bucket(bucketParts) == nil {
			return fmt.Errorf("%w: buckets are missing", ErrCorrupt)
		}
		missing = tx.Bucket(bucketAborts) == nil || tx.Bucket(bucketBatches) == nil ||
			tx.Bucket(bucketOpen) == nil || tx.Bucket(bucketWaiting) == nil
		return nil
	})
	return fresh, missing, err
}

// Close releases the file and its lock. It waits for running transactions
// to end; every write that returned nil is already durable. Calls after
// Close fail.
func (j *Journal) Close() error {
	err := j.db.Close()
	if j.private != "" {
		_ = os.RemoveAll(j.private)
	}
	if err != nil {
		return fmt.Errorf("close journal %s: %w", j.path, err)
	}
	return nil
}

// AddJobs records new jobs in one durable transaction: either all are
// stored or none. Each job gets a new ID, larger than any given before by
// this file (IDs are never reused); the ID is set in place only when the
// write succeeded, replacing whatever ID the record held. Records are
// stored as given otherwise. An empty slice is a no-op.
func (j *Journal) AddJobs(jobs []*uploader.JobRecord) error {
	if len(jobs) == 0 {
		return nil
	}
	for i, job := range jobs {
		if job == nil {
			return fmt.Errorf("add %d jobs: job %d of the list is nil", len(jobs), i)
		}
	}
	ids := make([]uint64, len(jobs))
	err := j.update(func(tx *bolt.Tx) error {
		b := tx.Bucket(bucketJobs)
		for i, job := range jobs {
			id, err := b.NextSequence()
			if err != nil {
				return err
			}
			rec := *job
			rec.ID = id
			v, err := json.Marshal(rec)
			if err != nil {
				return fmt.Errorf("encode job: %w", err)
			}
			if err := b.Put(jobKey(id), v); err != nil {
				return err
			}
			if err := markOpen(tx, jobKey(id), rec.State); err != nil {
				return err
			}
			ids[i] = id
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("add %d jobs: %w", len(jobs), err)
	}
	for i, job := range jobs {
		job.ID = ids[i]
	}
	return nil
}

// UpdateJob durably replaces the stored record that has job.ID with job.
// If the new state is final, the job's recorded parts are dropped in the
// same transaction. An ID the journal does not hold gives an error wrapping
// uploader.ErrUnknownJob. Concurrent calls share commits (see PutPart).
func (j *Journal) UpdateJob(job uploader.JobRecord) error {
	v, err := json.Marshal(job)
	if err != nil {
		return fmt.Errorf("update job %d: encode: %w", job.ID, err)
	}
	key := jobKey(job.ID)
	err = j.db.Batch(func(tx *bolt.Tx) error {
		b := tx.Bucket(bucketJobs)
		if b.Get(key) == nil {
			return uploader.ErrUnknownJob
		}
		if err := b.Put(key, v); err != nil {
			return err
		}
		if err := markOpen(tx, key, job.State); err != nil {
			return err
		}
		if job.State.Final() {
			return deleteParts(tx, key)
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("update job %d: %w", job.ID, err)
	}
	if j.updates.Add(1)%releaseEvery == 0 {
		_ = j.view(func(tx *bolt.Tx) error { releaseMapped(tx); return nil })
	}
	return nil
}

// PutPart durably records a finished part of a job, replacing any record of
// the same part number. Concurrent calls from many goroutines are
// coalesced into shared transactions, one fsync for the lot, so each call
// may wait up to about 10 ms for its batch to fill.
//
// The part number must be positive. A job the journal does not hold gives
// an error wrapping uploader.ErrUnknownJob; a job whose stored state is
// final gives one wrapping ErrJobFinished.
func (j *Journal) PutPart(jobID uint64, part uploader.PartRecord) error {
	if part.Number < 1 {
		return fmt.Errorf("record part %d of job %d: part numbers start at 1", part.Number, jobID)
	}
	v, err := json.Marshal(part)
	if err != nil {
		return fmt.Errorf("record part %d of job %d: encode: %w", part.Number, jobID, err)
	}
	key := jobKey(jobID)
	err = j.db.Batch(func(tx *bolt.Tx) error {
		raw := tx.Bucket(bucketJobs).Get(key)
		if raw == nil {
			return uploader.ErrUnknownJob
		}
		var head struct {
			State uploader.State `json:"state"`
		}
		if err := json.Unmarshal(raw, &head); err != nil {
			return fmt.Errorf("%w: job record: %w", ErrCorrupt, err)
		}
		if head.State.Final() {
			return fmt.Errorf("%w (%s)", ErrJobFinished, head.State)
		}
		parts, err := tx.Bucket(bucketParts).CreateBucketIfNotExists(key)
		if err != nil {
			return err
		}
		return parts.Put(partKey(part.Number), v)
	})
	if err != nil {
		return fmt.Errorf("record part %d of job %d: %w", part.Number, jobID, err)
	}
	return nil
}

// Parts returns the job's recorded parts ordered by part number (empty if
// none are recorded). A job the journal does not hold gives an error
// wrapping uploader.ErrUnknownJob.
func (j *Journal) Parts(jobID uint64) ([]uploader.PartRecord, error) {
	var out []uploader.PartRecord
	key := jobKey(jobID)
	err := j.view(func(tx *bolt.Tx) error {
		if tx.Bucket(bucketJobs).Get(key) == nil {
			return uploader.ErrUnknownJob
		}
		b := tx.Bucket(bucketParts).Bucket(key)
		if b == nil {
			return nil
		}
		return b.ForEach(func(k, v []byte) error {
			var p uploader.PartRecord
			if err := json.Unmarshal(v, &p); err != nil {
				return fmt.Errorf("%w: part %x: %w", ErrCorrupt, k, err)
			}
			out = append(out, p)
			return nil
		})
	})
	if err != nil {
		return nil, fmt.Errorf("read parts of job %d: %w", jobID, err)
	}
	return out, nil
}

// ClearParts durably drops every recorded part of the job. A job with no
// parts, or one the journal does not hold, is not an error: afterwards the
// journal holds no part of it either way. Concurrent calls share commits
// (see PutPart).
func (j *Journal) ClearParts(jobID uint64) error {
	key := jobKey(jobID)
	err := j.db.Batch(func(tx *bolt.Tx) error {
		return deleteParts(tx, key)
	})
	if err != nil {
		return fmt.Errorf("clear parts of job %d: %w", jobID, err)
	}
	return nil
}

// DiscardUpload durably records that the multipart upload d is no longer
// wanted, in one transaction: d joins DiscardedUploads until AbortDone, the
// parts recorded for d's job are dropped, and job, the job's new record
// (which must not name the upload any more), replaces the stored one. A job
// the journal does not hold is not an error: its upload is still recorded.
// Concurrent calls share commits (see PutPart).
func (j *Journal) DiscardUpload(d uploader.DiscardedUpload, job uploader.JobRecord) error {
	switch {
	case d.UploadID == "":
		return fmt.Errorf("discard upload of job %d: no upload ID", d.JobID)
	case job.ID != d.JobID || job.UploadID == d.UploadID:
		return fmt.Errorf("discard upload of job %d: the record given is not the job's without the upload", d.JobID)
	}
	dv, err := json.Marshal(d)
	if err != nil {
		return fmt.Errorf("discard upload of job %d: encode: %w", d.JobID, err)
	}
	jv, err := json.Marshal(job)
	if err != nil {
		return fmt.Errorf("discard upload of job %d: encode job: %w", d.JobID, err)
	}
	key := jobKey(d.JobID)
	err = j.db.Batch(func(tx *bolt.Tx) error {
		if err := tx.Bucket(bucketAborts).Put([]byte(d.UploadID), dv); err != nil {
			return err
		}
		if err := deleteParts(tx, key); err != nil {
			return err
		}
		jobs := tx.Bucket(bucketJobs)
		if jobs.Get(key) == nil {
			return nil
		}
		if err := markOpen(tx, key, job.State); err != nil {
			return err
		}
		return jobs.Put(key, jv)
	})
	if err != nil {
		return fmt.Errorf("discard upload of job %d: %w", d.JobID, err)
	}
	return nil
}

// DiscardedUploads returns the uploads waiting to be aborted, ordered by
// upload ID.
func (j *Journal) DiscardedUploads() ([]uploader.DiscardedUpload, error) {
	var out []uploader.DiscardedUpload
	err := j.view(func(tx *bolt.Tx) error {
		return tx.Bucket(bucketAborts).ForEach(func(k, v []byte) error {
			var d uploader.DiscardedUpload
			if err := json.Unmarshal(v, &d); err != nil {
				return fmt.Errorf("%w: discarded upload %q: %w", ErrCorrupt, k, err)
			}
			out = append(out, d)
			return nil
		})
	})
	if err != nil {
		return nil, fmt.Errorf("read discarded uploads: %w", err)
	}
	return out, nil
}

// AbortDone durably removes an upload from DiscardedUploads. An upload ID
// that is not there is not an error. Concurrent calls share commits.
func (j *Journal) AbortDone(uploadID string) error {
	err := j.db.Batch(func(tx *bolt.Tx) error {
		return tx.Bucket(bucketAborts).Delete([]byte(uploadID))
	})
	if err != nil {
		return fmt.Errorf("forget aborted upload: %w", err)
	}
	return nil
}

// Job returns the stored record of one job. An ID the journal does not hold
// gives an error wrapping uploader.ErrUnknownJob.
func (j *Journal) Job(id uint64) (uploader.JobRecord, error) {
	var rec uploader.JobRecord
	err := j.view(func(tx *bolt.Tx) error {
		v := tx.Bucket(bucketJobs).Get(jobKey(id))
		if v == nil {
			return uploader.ErrUnknownJob
		}
		return decodeJob(id, v, &rec)
	})
	if err != nil {
		return uploader.JobRecord{}, fmt.Errorf("read job %d: %w", id, err)
	}
	return rec, nil
}

// Jobs returns every stored job, finished or not, ordered by ID (which is
// the order they were added in), as one consistent snapshot. A record that cannot be decoded fails the
// whole call with an error wrapping ErrCorrupt.
func (j *Journal) Jobs() ([]uploader.JobRecord, error) {
	var out []uploader.JobRecord
	err := j.view(func(tx *bolt.Tx) error {
		defer releaseMapped(tx)
		n := 0
		b := tx.Bucket(bucketJobs)
		return b.ForEach(func(k, v []byte) error {
			walked(tx, &n)
			var rec uploader.JobRecord
			if err := decodeJob(idOf(k), v, &rec); err != nil {
				return err
			}
			out = append(out, rec)
			return nil
		})
	})
	if err != nil {
		return nil, fmt.Errorf("list jobs: %w", err)
	}
	return out, nil
}

// DeleteJob durably removes a job and its parts, whatever its state; the
// caller must make sure nothing is still working on it. Its ID is not
// reused. An ID the journal does not hold gives an error wrapping
// uploader.ErrUnknownJob.
func (j *Journal) DeleteJob(id uint64) error {
	key := jobKey(id)
	err := j.update(func(tx *bolt.Tx) error {
		b := tx.Bucket(bucketJobs)
		if b.Get(key) == nil {
			return uploader.ErrUnknownJob
		}
		if err := b.Delete(key); err != nil {
			return err
		}
		if err := tx.Bucket(bucketOpen).Delete(key); err != nil {
			return err
		}
		return deleteParts(tx, key)
	})
	if err != nil {
		return fmt.Errorf("delete job %d: %w", id, err)
	}
	return nil
}

// Unfinished returns the jobs whose state is not final, ordered by ID,
// reading only them (through the "open" index) however long history is.
// A record that cannot be decoded fails the call with an error wrapping
// ErrCorrupt.
func (j *Journal) Unfinished() ([]uploader.JobRecord, error) {
	var out []uploader.JobRecord
	err := j.view(func(tx *bolt.Tx) error {
		jobs := tx.Bucket(bucketJobs)
		return tx.Bucket(bucketOpen).ForEach(func(k, _ []byte) error {
			v := jobs.Get(k)
			if v == nil {
				return nil // deleted; the index entry is dropped on the next write
			}
			var rec uploader.JobRecord
			if err := decodeJob(idOf(k), v, &rec); err != nil {
				return err
			}
			if !rec.State.Final() {
				out = append(out, rec)
			}
			return nil
		})
	})
	if err != nil {
		return nil, fmt.Errorf("list unfinished jobs: %w", err)
	}
	return out, nil
}

// EachBatchJob calls fn with each job of one batch, ordered by ID. Jobs
// for which skip (if not nil) returns true are left out without being
// decoded, and so is every record that does not name the batch: going
// through one batch's files out of a long history decodes only those, one
// at a time.
func (j *Journal) EachBatchJob(batch string, skip func(id uint64) bool, fn func(uploader.JobRecord)) error {
	needle, err := json.Marshal(batch)
	if err != nil {
		return fmt.Errorf("list jobs of batch %s: %w", batch, err)
	}
	err = j.view(func(tx *bolt.Tx) error {
		defer releaseMapped(tx)
		n := 0
		return tx.Bucket(bucketJobs).ForEach(func(k, v []byte) error {
			id := idOf(k)
			walked(tx, &n)
			if (skip != nil && skip(id)) || !bytes.Contains(v, needle) {
				return nil
			}
			var rec uploader.JobRecord
			if err := decodeJob(id, v, &rec); err != nil {
				return err
			}
			if rec.Batch == batch {
				fn(rec)
			}
			return nil
		})
	})
	if err != nil {
		return fmt.Errorf("list jobs of batch %s: %w", batch, err)
	}
	return nil
}

// Retain bounds history, durably: of the jobs in a final state it removes
// (with any parts left) those that finished before the given time (a final
// job without a finish time counts from its creation), and then the oldest
// (by ID, the order they were added) beyond the newest maxEntries. A zero
// before or a maxEntries below 1 sets no bound of that kind. Unfinished
// jobs are never removed, nor jobs for which keep returns true (a nil keep
// keeps none: a batch whose receipt is not written yet, say, passes a keep
// that protects its files), nor a job retried while Retain runs. It
// chooses in one read transaction and removes in transactions of at most
// removeChunk jobs, so trimming 90,000 jobs never holds them all in one
// transaction. It returns how many jobs were removed; on error, those
// removed before it (by earlier transactions) stay removed.
//
// It reads history only when there may be something to remove: when more
// jobs were ever added since the oldest one still held than maxEntries
// allows, or, for age, when its last walk for age is a day old or more (so
// a job may stay up to a day past the age bound). A start with nothing to
// trim touches a few pages of the file, not all of history.
func (j *Journal) Retain(maxEntries int, before time.Time, keep func(uploader.JobRecord) bool) (int, error) {
	var byCount, byAge bool
	err := j.view(func(tx *bolt.Tx) error {
		b := tx.Bucket(bucketJobs)
		first, _ := b.Cursor().First()
		if first == nil {
			return nil
		}
		byCount = maxEntries > 0 && b.Sequence()-idOf(first)+1 > uint64(maxEntries)
		if !before.IsZero() {
			last := tx.Bucket(bucketMeta).Get(keyAgeWalk)
			byAge = len(last) != 8 || time.Since(time.Unix(0, int64(binary.BigEndian.Uint64(last)))) >= 24*time.Hour
		}
		return nil
	})
	if err != nil || !(byCount || byAge) {
		return 0, err
	}
	doomed, err := j.doomed(maxEntries, before, keep)
	if err != nil {
		return 0, fmt.Errorf("trim history: %w", err)
	}
	n := 0
	for len(doomed) > 0 || byAge {
		chunk := doomed[:min(len(doomed), removeChunk)]
		doomed = doomed[len(chunk):]
		removed := 0
		err := j.update(func(tx *bolt.Tx) error {
			removed = 0
			if byAge {
				if err := tx.Bucket(bucketMeta).Put(keyAgeWalk, binary.BigEndian.AppendUint64(nil, uint64(time.Now().UnixNano()))); err != nil {
					return err
				}
			}
			b, open := tx.Bucket(bucketJobs), tx.Bucket(bucketOpen)
			for _, key := range chunk {
				if b.Get(key) == nil || open.Get(key) != nil {
					continue // gone, or retried since: no longer history
				}
				if err := b.Delete(key); err != nil {
					return err
				}
				if err := deleteParts(tx, key); err != nil {
					return err
				}
				removed++
			}
			return nil
		})
		if err != nil {
			return n, fmt.Errorf("trim history: %w", err)
		}
		n += removed
		byAge = false
		// The commit read the pages it freed: let them go before the next.
		_ = j.view(func(tx *bolt.Tx) error { releaseMapped(tx); return nil })
	}
	return n, nil
}

// removeChunk is how many jobs Retain removes in one transaction: a
// transaction's memory, and the pages its commit reads, stay bounded
// however much history goes.
const removeChunk = 2000

// doomed walks history in a read transaction and returns the keys of the
// finished jobs Retain removes (see there), in ID order.
func (j *Journal) doomed(maxEntries int, before time.Time, keep func(uploader.JobRecord) bool) ([][]byte, error) {
	type entry struct {
		key  []byte
		gone bool
	}
	var finals []entry // in ID order
	err := j.view(func(tx *bolt.Tx) error {
		defer releaseMapped(tx)
		open := tx.Bucket(bucketOpen)
		ageGone, walk := 0, 0
		err := tx.Bucket(bucketJobs).ForEach(func(k, v []byte) error {
			walked(tx, &walk)
			if open.Get(k) != nil {
				return nil // unfinished: not history
			}
			var rec uploader.JobRecord
			if err := decodeJob(idOf(k), v, &rec); err != nil {
				return err
			}
			if !rec.State.Final() || (keep != nil && keep(rec)) {
				return nil
			}
			end := rec.Finished
			if end.IsZero() {
				end = rec.Created
			}
			e := entry{key: append([]byte(nil), k...), gone: !before.IsZero() && end.Before(before)}
			if e.gone {
				ageGone++
			}
			finals = append(finals, e)
			return nil
		})
		if err != nil {
			return err
		}
		if maxEntries > 0 {
			over := len(finals) - ageGone - maxEntries
			for i := 0; i < len(finals) && over > 0; i++ {
				if !finals[i].gone {
					finals[i].gone = true
					over--
				}
			}
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	var out [][]byte
	for _, e := range finals {
		if e.gone {
			out = append(out, e.key)
		}
	}
	return out, nil
}

// walked counts one more record read by a walk in tx, letting go of the
// mapped pages every releaseEvery records.
func walked(tx *bolt.Tx, n *int) {
	if *n++; *n%releaseEvery == 0 {
		releaseMapped(tx)
	}
}

// openMark is the value of an "open" index entry (a byte, not empty, so
// Get tells it from a missing key without doubt).
var openMark = []byte{1}

// markOpen keeps the "open" index in step with a job's new state.
func markOpen(tx *bolt.Tx, key []byte, state uploader.State) error {
	open := tx.Bucket(bucketOpen)
	if state.Final() {
		return open.Delete(key)
	}
	return open.Put(key, openMark)
}

// buildOpenIndex creates the "open" bucket from the jobs a file written
// before it existed holds.
func buildOpenIndex(tx *bolt.Tx) error {
	open, err := tx.CreateBucket(bucketOpen)
	if err != nil {
		return err
	}
	return tx.Bucket(bucketJobs).ForEach(func(k, v []byte) error {
		var head struct {
			State uploader.State `json:"state"`
		}
		if err := json.Unmarshal(v, &head); err != nil {
			return fmt.Errorf("%w: job %d: %w", ErrCorrupt, idOf(k), err)
		}
		if head.State.Final() {
			return nil
		}
		return open.Put(append([]byte(nil), k...), openMark)
	})
}

// view runs a read transaction, turning a panic or memory fault on a
// damaged file into ErrCorrupt.
func (j *Journal) view(fn func(*bolt.Tx) error) (err error) {
	defer guard(&err)()
	return j.db.View(fn)
}

// update runs a write transaction, turning a panic or memory fault on a
// damaged file into ErrCorrupt.
func (j *Journal) update(fn func(*bolt.Tx) error) (err error) {
	defer guard(&err)()
	return j.db.Update(fn)
}

// guard makes memory faults panic on this goroutine and returns the func
// to defer that recovers such a panic into *err and restores the setting.
func guard(err *error) func() {
	old := debug.SetPanicOnFault(true)
	return func() {
		debug.SetPanicOnFault(old)
		if r := recover(); r != nil {
			*err = fmt.Errorf("%w: %v", ErrCorrupt, r)
		}
	}
}

// deleteParts removes the job's nested parts bucket if there is one.
func deleteParts(tx *bolt.Tx, key []byte) error {
	err := tx.Bucket(bucketParts).DeleteBucket(key)
	if errors.Is(err, berrors.ErrBucketNotFound) {
		return nil
	}
	return err
}

func decodeJob(id uint64, v []byte, rec *uploader.JobRecord) error {
	if err := json.Unmarshal(v, rec); err != nil {
		return fmt.Errorf("%w: job %d: %w", ErrCorrupt, id, err)
	}
	return nil
}

func jobKey(id uint64) []byte { return binary.BigEndian.AppendUint64(nil, id) }

func partKey(n int32) []byte { return binary.BigEndian.AppendUint32(nil, uint32(n)) }

func idOf(k []byte) uint64 {
	if len(k) != 8 {
		return 0
	}
	return binary.BigEndian.Uint64(k)
}
