package uploader

import (
	"context"
	"sync/atomic"
	"time"
)

// Discarded multipart uploads are aborted in the background, so that a
// Cancel returns at once, offline or not, and an abort that fails is tried
// again (after a restart too) instead of leaving parts on the server.

const (
	// abortTimeout bounds one abort request.
	abortTimeout = 30 * time.Second
	// parallelAborts is how many abort requests may be in flight at once.
	parallelAborts = 4
)

// takeUploadLocked detaches the job's multipart upload from its record, so
// that nothing resumes it, and hands it to the aborter; ok is false when the
// job had none. The caller then saves the job's record with saveDiscard.
// Called with e.mu held.
func (e *Engine) takeUploadLocked(j *job) (d DiscardedUpload, ok bool) {
	if j.rec.UploadID == "" {
		return d, false
	}
	d = DiscardedUpload{Key: j.rec.Key, UploadID: j.rec.UploadID, JobID: j.id, Since: time.Now()}
	j.rec.UploadID, j.rec.Completed = "", false
	j.done.Store(0)
	e.discards[d.UploadID] = d
	e.notifyLocked()
	return d, true
}

// saveDiscard records the discarded upload d together with the job's
// record (which no longer names it) in one journal write, and wakes the
// aborter. If the write fails the abort is still tried in this session.
func (e *Engine) saveDiscard(d DiscardedUpload, j *job) {
	j.saving.Lock()
	err := e.journal.DiscardUpload(d, e.record(j))
	j.saving.Unlock()
	if err != nil {
		e.log.Error("record discarded upload", "job", d.JobID, "error", err)
	}
	e.pokeAborter()
}

// discardUpload gives up the job's multipart upload, if it has one: its
// parts are forgotten, the job no longer names an upload (its next run
// starts from the beginning), and the upload is aborted in the background.
func (e *Engine) discardUpload(j *job) {
	e.mu.Lock()
	d, ok := e.takeUploadLocked(j)
	e.mu.Unlock()
	if ok {
		e.saveDiscard(d, j)
	}
}

// loadDiscards brings back the uploads a previous session could not abort.
func (e *Engine) loadDiscards() error {
	ds, err := e.journal.DiscardedUploads()
	if err != nil {
		return err
	}
	for _, d := range ds {
		e.discards[d.UploadID] = d
	}
	return nil
}

func (e *Engine) pokeAborter() {
	select {
	case e.abortWake <- struct{}{}:
	default:
	}
}

// abortLoop aborts discarded uploads until Close, backing off while they
// fail and pausing while the engine waits for a new sign-in.
func (e *Engine) abortLoop() {
	defer e.wg.Done()
	failures := 0
	for {
		var retry <-chan time.Time
		if pending := e.pendingAborts(); len(pending) > 0 && !e.Held() {
			if e.abortAll(pending) == 0 {
				failures = 0
				continue // see whether more arrived meanwhile
			}
			retry = time.After(e.retry.backoff(failures))
			failures++
		}
		select {
		case <-e.ctx.Done():
			return
		case <-e.abortWake:
		case <-retry:
		}
	}
}

func (e *Engine) pendingAborts() []DiscardedUpload {
	e.mu.Lock()
	defer e.mu.Unlock()
	out := make([]DiscardedUpload, 0, len(e.discards))
	for _, d := range e.discards {
		out = append(out, d)
	}
	return out
}

// abortAll sends the aborts, a few at a time, and returns how many are
// left to try again.
func (e *Engine) abortAll(ds []DiscardedUpload) int {
	var left atomic.Int32
	forEach(ds, parallelAborts, func(d DiscardedUpload) {
		if !e.abortOne(d) {
			left.Add(1)
		}
	})
	return int(left.Load())
}

// abortOne aborts one upload on the server and reports whether it is
// settled: aborted, already gone, or refused for good (then the bucket's
// lifecycle rule for unfinished uploads is what removes it).
func (e *Engine) abortOne(d DiscardedUpload) bool {
	ctx, cancel := context.WithTimeout(e.ctx, abortTimeout)
	defer cancel()
	err := e.store.AbortMultipart(ctx, d.Key, d.UploadID)
	kind := KindOf(err)
	switch {
	case err == nil || kind == KindNoSuchUpload:
	case e.ctx.Err() != nil:
		return false // shutting down: tried again on the next start
	case kind.retryable():
		e.log.Debug("abort multipart upload; will try again", "job", d.JobID, "error", err)
		return false
	default:
		e.log.Warn("abort multipart upload refused; giving up", "job", d.JobID, "key", d.Key, "error", err)
	}
	if err := e.journal.AbortDone(d.UploadID); err != nil {
		e.log.Error("forget aborted upload", "job", d.JobID, "error", err)
	}
	e.mu.Lock()
	delete(e.discards, d.UploadID)
	e.notifyLocked()
	e.mu.Unlock()
	return true
}

// PendingAborts returns how many discarded multipart uploads (of cancelled
// jobs, or of files that changed) are still waiting to be aborted on the
// server. They are retried in the background, and after a restart.
func (e *Engine) PendingAborts() int {
	e.mu.Lock()
	defer e.mu.Unlock()
	return len(e.discards)
}

// WaitAborts blocks until no discarded upload waits to be aborted, or ctx
// ends.
func (e *Engine) WaitAborts(ctx context.Context) error {
	for {
		e.mu.Lock()
		n, ch := len(e.discards), e.changed
		e.mu.Unlock()
		if n == 0 {
			return nil
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-ch:
		}
	}
}

// DiscardedUploads returns the multipart uploads waiting to be aborted
// (for a support report).
func (e *Engine) DiscardedUploads() []DiscardedUpload { return e.pendingAborts() }
