package uploader

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"sync"
	"sync/atomic"
	"time"
)

// errChanged means the source no longer matches the job's record.
var errChanged = errors.New("the source file changed")

const changedReason = "The file changed while it was being sent. Send it again once nothing is editing it."

// checksumReason is the failure of a part or a file whose stored bytes
// differ from the sent ones.
const checksumReason = "The stored file does not match what was sent. Press Retry to send it again."

// transfer sends the job's file. It returns nil when the object is stored
// and verified, a *Failure for reasons people can act on, or the error
// that ended it.
func (e *Engine) transfer(ctx context.Context, j *job) error {
	rec, err := e.prepare(ctx, j)
	if err != nil {
		return err
	}
	if rec.Size < e.opts.MultipartThreshold && rec.UploadID == "" {
		return e.single(ctx, j, rec)
	}
	return e.multipart(ctx, j, rec)
}

// prepare checks the source before a run. A file that changed since it was
// queued is taken as it is now; one that changed after its upload began
// restarts cleanly, the old upload aborted, and says why.
func (e *Engine) prepare(ctx context.Context, j *job) (JobRecord, error) {
	rec := e.record(j)
	fi, err := os.Stat(rec.Source)
	if err != nil {
		return rec, explain(err, e.bucket)
	}
	if !fi.Mode().IsRegular() {
		return rec, failCode(CodeNotRegular, "This is no longer a regular file.", nil)
	}
	if fi.Size() == rec.Size && fi.ModTime().Equal(rec.ModTime) {
		return rec, nil
	}
	if rec.UploadID != "" {
		e.discardUpload(j)
		j.setNote("The file changed since the upload began; starting again.")
	}
	rec = e.update(j, func(r *JobRecord) {
		r.Size, r.ModTime, r.UploadID, r.PartSize = fi.Size(), fi.ModTime(), "", 0
		if rec.UploadID != "" {
			r.Reason = "The file changed since the upload began, so it was sent again from the start."
		}
	})
	if err := e.save(j); err != nil {
		return rec, fmt.Errorf("record changed source: %w", err)
	}
	return rec, nil
}

// unchanged fails when the file no longer matches the record.
func unchanged(rec JobRecord) error {
	fi, err := os.Stat(rec.Source)
	if err != nil {
		return explain(err, "")
	}
	if fi.Size() != rec.Size || !fi.ModTime().Equal(rec.ModTime) {
		return fail(changedReason, errChanged)
	}
	return nil
}

// single sends a small file with one PUT, resolving key collisions.
func (e *Engine) single(ctx context.Context, j *job, rec JobRecord) error {
	f, err := os.Open(rec.Source)
	if err != nil {
		return explain(err, e.bucket)
	}
	defer f.Close()
	var sum string
	if e.opts.Checksums {
		if sum, err = crcOf(ctx, io.NewSectionReader(f, 0, rec.Size)); err != nil {
			return explain(err, e.bucket)
		}
	}
	key := rec.Key
	for n := 1; ; n++ {
		conditional := e.opts.Collision != Overwrite
		if conditional && e.noConditional.Load() {
			// The store ignores If-None-Match: look before writing.
			next, err := e.freeKey(ctx, j, key)
			if err != nil {
				return err
			}
			key, conditional = next, false
		}
		info, err := e.putOnce(ctx, j, f, rec, key, sum, conditional)
		if err == nil {
			return e.finishSingle(j, rec, key, sum, info)
		}
		if conditional && isNotImplemented(err) {
			e.noConditional.Store(true)
			continue
		}
		if KindOf(err) != KindPrecondition {
			return err
		}
		// The key is taken: the same bytes already there count as sent.
		existing, found, herr := e.head(ctx, j, key)
		if herr != nil && KindOf(herr) != KindAccessDenied {
			return herr
		}
		if found && sum != "" && ours(existing, rec.Size, sum) {
			return e.finishSingle(j, rec, key, sum, existing)
		}
		switch e.opts.Collision {
		case Skip:
			return &Failure{Reason: "A file with this name is already there, so it was skipped.", skip: true}
		default:
			key = renamed(rec.Key, n)
		}
		if n > 1000 {
			return failCode(CodeNoFreeName, "Could not find a free name for this file.", nil)
		}
	}
}

// putOnce sends the file with retries.
func (e *Engine) putOnce(ctx context.Context, j *job, f *os.File, rec JobRecord, key, sum string, conditional bool) (ObjectInfo, error) {
	var info ObjectInfo
	err := e.do(ctx, j, func(ctx context.Context, a *attempt) error {
		if err := unchanged(rec); err != nil {
			return err
		}
		done, err := e.admit(ctx, a, nil)
		if err != nil {
			return err
		}
		info, err = e.store.Put(ctx, key, a.track(io.NewSectionReader(f, 0, rec.Size)), rec.Size, sum, conditional)
		done()
		if err == nil {
			a.answered()
		}
		if KindOf(err) == KindBadDigest {
			if cerr := unchanged(rec); cerr != nil {
				return cerr
			}
		}
		return err
	})
	return info, err
}

// finishSingle verifies and records a finished PUT. The server has already
// checked the bytes against the checksum sent.
func (e *Engine) finishSingle(j *job, rec JobRecord, key, sum string, info ObjectInfo) error {
	if info.Checksum != "" && sum != "" && !sameChecksum(sum, info.Checksum) {
		return failCode(CodeChecksumMismatch, checksumReason, fmt.Errorf("checksum %s, expected %s", info.Checksum, sum))
	}
	if err := unchanged(rec); err != nil {
		return err
	}
	e.update(j, func(r *JobRecord) {
		r.Key, r.Checksum = key, sum
		if key != rec.Key {
			r.Reason = "A file with the same name was already there, so this one was stored as " + baseName(key) + "."
		}
	})
	return nil
}

// head looks key up with retries. found is false for a missing object;
// err is set only for failures other than "not found".
func (e *Engine) head(ctx context.Context, j *job, key string) (info ObjectInfo, found bool, err error) {
	err = e.do(ctx, j, func(ctx context.Context, _ *attempt) error {
		var herr error
		info, herr = e.store.Head(ctx, key)
		return herr
	})
	if KindOf(err) == KindNotFound {
		return ObjectInfo{}, false, nil
	}
	return info, err == nil, err
}

// ours reports whether the object at key is the one this job sent: same
// size and, when checksums are known, the same checksum.
func ours(info ObjectInfo, size int64, want ...string) bool {
	if info.Size != size {
		return false
	}
	known := false
	for _, w := range want {
		if w == "" {
			continue
		}
		known = true
		if sameChecksum(w, info.Checksum) {
			return true
		}
	}
	return !known
}

func isNotImplemented(err error) bool {
	var se *StoreError
	return errors.As(err, &se) && se.Code == "NotImplemented"
}

// freeKey finds the key to write under by looking at what exists: key
// itself if free, a renamed key under Rename, key under Overwrite, and a
// skip Failure under Skip.
func (e *Engine) freeKey(ctx context.Context, j *job, key string) (string, error) {
	cand := key
	for n := 1; n <= 1000; n++ {
		_, found, err := e.head(ctx, j, cand)
		switch {
		case KindOf(err) == KindAccessDenied:
			return cand, nil // not ours to look at: the conditional write decides
		case err != nil:
			return "", err
		case !found:
			return cand, nil
		case e.opts.Collision == Overwrite:
			return cand, nil
		case e.opts.Collision == Skip:
			return "", &Failure{Reason: "A file with this name is already there, so it was skipped.", skip: true}
		}
		cand = renamed(key, n)
	}
	return "", failCode(CodeNoFreeName, "Could not find a free name for this file.", nil)
}

// multipart sends a large file in parts, resuming an upload in progress.
func (e *Engine) multipart(ctx context.Context, j *job, rec JobRecord) error {
	partSize, err := PartSize(rec.Size, e.opts.PartSize)
	if e.opts.PartSize == 0 {
		partSize, err = e.autoPartSize(rec.Size)
	}
	if err != nil {
		return failCode(CodeTooLarge, "This file is larger than the 5 TiB the storage accepts.", err)
	}
	done := map[int32]PartRecord{}
	if rec.UploadID != "" {
		if rec, done, err = e.reconcile(ctx, j, rec); err != nil {
			return err
		}
	}
	if rec.UploadID == "" {
		if there, err := e.inPlace(ctx, j, rec, partSize); err != nil || there {
			return err
		}
		if rec, err = e.begin(ctx, j, rec, partSize); err != nil {
			return err
		}
	}
	f, err := os.Open(rec.Source)
	if err != nil {
		return explain(err, e.bucket)
	}
	defer f.Close()
	var sent int64
	for _, p := range done {
		sent += p.Size
	}
	e.mu.Lock()
	j.done.Store(sent)
	j.confirmed.Store(sent)
	j.restartMeterLocked()
	e.mu.Unlock()
	if err := e.sendParts(ctx, j, f, rec, done); err != nil {
		return err
	}
	return e.complete(ctx, j, rec, done)
}

// inPlace reports whether the file is already stored, byte for byte, at
// its key (or, under Rename, at one of its renamed keys): then the job
// ends as sent without uploading anything, as a single PUT does. An
// object of the same size is compared by checksum, the file read once to
// compute both its full CRC32C and its composite one for this part size.
// Without checksums nothing counts as in place.
func (e *Engine) inPlace(ctx context.Context, j *job, rec JobRecord, partSize int64) (bool, error) {
	if !e.opts.Checksums {
		return false, nil
	}
	var full, composite string
	cand := rec.Key
	for n := 1; n <= 1000; n++ {
		info, found, err := e.head(ctx, j, cand)
		switch {
		case KindOf(err) == KindAccessDenied:
			return false, nil // not ours to look at: the upload decides
		case err != nil:
			return false, err
		case !found:
			return false, nil
		}
		if info.Size == rec.Size && info.Checksum != "" {
			if full == "" {
				if full, composite, err = e.sumsOf(ctx, rec, partSize); err != nil {
					return false, err
				}
			}
			if matchesEither(info.Checksum, full, composite) {
				// Recorded as the file's own CRC32C, whichever type the
				// store reported: it is what the receipt shows.
				e.update(j, func(r *JobRecord) {
					r.Key, r.Checksum, r.Finished = cand, full, time.Now()
					r.Reason = "An identical file was already in place as " + baseName(cand) + ", so it was not sent again."
				})
				j.done.Store(rec.Size)
				return true, nil
			}
		}
		if e.opts.Collision != Rename {
			return false, nil
		}
		cand = renamed(rec.Key, n)
	}
	return false, nil
}

// sumsOf reads the job's file for fileSums, failing if it changed.
func (e *Engine) sumsOf(ctx context.Context, rec JobRecord, partSize int64) (full, composite string, err error) {
	f, err := os.Open(rec.Source)
	if err != nil {
		return "", "", explain(err, e.bucket)
	}
	defer f.Close()
	if full, composite, err = fileSums(ctx, f, rec.Size, partSize); err != nil {
		return "", "", explain(err, e.bucket)
	}
	if err := unchanged(rec); err != nil {
		return "", "", err
	}
	return full, composite, nil
}

// begin picks the key and starts a multipart upload, journaling its ID
// before any part is sent.
func (e *Engine) begin(ctx context.Context, j *job, rec JobRecord, partSize int64) (JobRecord, error) {
	key := rec.Key
	if e.opts.Collision != Overwrite {
		var err error
		if key, err = e.freeKey(ctx, j, rec.Key); err != nil {
			return rec, err
		}
	}
	var id string
	err := e.do(ctx, j, func(ctx context.Context, _ *attempt) error {
		var err error
		id, err = e.store.CreateMultipart(ctx, key)
		return err
	})
	if err != nil {
		return rec, err
	}
	rec = e.update(j, func(r *JobRecord) {
		if key != r.Key {
			r.Reason = "A file with the same name was already there, so this one is stored as " + baseName(key) + "."
		}
		r.Key, r.UploadID, r.PartSize, r.Completed = key, id, partSize, false
	})
	if err := e.save(j); err != nil {
		return rec, fmt.Errorf("record upload ID: %w", err)
	}
	return rec, nil
}

// reconcile compares the journal with the server's parts of the upload in
// progress. Parts on both are kept; parts only on the server are kept when
// their checksum matches the local bytes (they arrived but the journal did
// not hear of it before a crash); everything else is sent again. An upload
// the server no longer knows is either already complete (the object
// matches) or starts over.
func (e *Engine) reconcile(ctx context.Context, j *job, rec JobRecord) (JobRecord, map[int32]PartRecord, error) {
	journaled, err := e.journal.Parts(rec.ID)
	if err != nil {
		return rec, nil, fmt.Errorf("read recorded parts: %w", err)
	}
	var remote []RemotePart
	err = e.do(ctx, j, func(ctx context.Context, _ *attempt) error {
		remote, err = e.store.ListParts(ctx, rec.Key, rec.UploadID)
		return err
	})
	if KindOf(err) == KindNoSuchUpload {
		return e.uploadGone(ctx, j, rec, journaled)
	}
	if err != nil {
		return rec, nil, err
	}
	mine := map[int32]PartRecord{}
	for _, p := range journaled {
		mine[p.Number] = p
	}
	done := map[int32]PartRecord{}
	f, err := os.Open(rec.Source)
	if err != nil {
		return rec, nil, explain(err, e.bucket)
	}
	defer f.Close()
	for _, r := range remote {
		off, length := partRange(r.Number, rec.Size, rec.PartSize)
		if r.Number < 1 || r.Number > PartCount(rec.Size, rec.PartSize) || r.Size != length {
			continue
		}
		if p, ok := mine[r.Number]; ok && p.ETag == r.ETag && (p.Checksum != "" || !e.opts.Checksums) {
			done[r.Number] = p
			continue
		}
		if r.Checksum == "" || !e.opts.Checksums {
			continue
		}
		sum, err := crcOf(ctx, io.NewSectionReader(f, off, length))
		if err != nil {
			return rec, nil, explain(err, e.bucket)
		}
		if sum == r.Checksum {
			p := PartRecord{Number: r.Number, Size: r.Size, ETag: r.ETag, Checksum: sum}
			done[r.Number] = p
			if err := e.journal.PutPart(rec.ID, p); err != nil {
				return rec, nil, fmt.Errorf("record part %d: %w", p.Number, err)
			}
		}
	}
	return rec, done, nil
}

// uploadGone handles an upload ID the server no longer knows: it completed
// (crash between completion and journaling) or it was aborted or expired.
func (e *Engine) uploadGone(ctx context.Context, j *job, rec JobRecord, journaled []PartRecord) (JobRecord, map[int32]PartRecord, error) {
	if int32(len(journaled)) == PartCount(rec.Size, rec.PartSize) {
		want, full := "", ""
		if e.opts.Checksums {
			want, _ = partsChecksum(journaled)
			full, _ = fullChecksum(journaled)
		}
		info, found, err := e.head(ctx, j, rec.Key)
		if err != nil {
			return rec, nil, err
		}
		if found && (rec.Completed || want != "") && ours(info, rec.Size, want, full) {
			done := map[int32]PartRecord{}
			for _, p := range journaled {
				done[p.Number] = p
			}
			return rec, done, nil // complete() sees every part done and only verifies
		}
	}
	if err := e.journal.ClearParts(rec.ID); err != nil {
		return rec, nil, fmt.Errorf("forget parts: %w", err)
	}
	rec = e.update(j, func(r *JobRecord) {
		r.UploadID, r.Completed = "", false
		r.Reason = "The unfinished upload had expired on the server, so it was sent again from the start."
	})
	return rec, map[int32]PartRecord{}, nil
}

func partsChecksum(parts []PartRecord) (string, error) {
	sums := make([]string, len(parts))
	for i, p := range parts {
		sums[i] = p.Checksum
	}
	return compositeChecksum(sums)
}

// sendParts uploads every part not in done, ParallelParts at a time, adding
// each finished part to done and the journal. The first failure stops the
// others.
func (e *Engine) sendParts(ctx context.Context, j *job, f *os.File, rec JobRecord, done map[int32]PartRecord) error {
	count := PartCount(rec.Size, rec.PartSize)
	todo := make(chan int32, count)
	for n := int32(1); n <= count; n++ {
		if _, ok := done[n]; !ok {
			todo <- n
		}
	}
	close(todo)
	ctx, cancel := context.WithCancelCause(ctx)
	defer cancel(nil)
	e.mu.Lock()
	pausing := j.pausing
	e.mu.Unlock()
	var mu sync.Mutex
	var wg sync.WaitGroup
	var stopped atomic.Bool
	flight := newInFlight()
	finished := make(chan struct{})
	defer close(finished)
	go func() {
		select {
		case <-pausing:
			e.mu.Lock()
			speed := j.meter.speed()
			e.mu.Unlock()
			kept, stopped := flight.triage(speed, e.opts.PauseGrace)
			e.log.Debug("pause: parts on their way", "job", j.id, "finishing", kept, "stopped", stopped, "speed_bytes_per_s", int64(speed))
		case <-ctx.Done():
		case <-finished:
		}
	}()
	for range min(e.parallelParts(), len(todo)) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for n := range todo {
				if ctx.Err() != nil {
					return
				}
				select {
				case <-pausing: // a Pause: finish what is on its way, start nothing new
					stopped.Store(true)
					return
				default:
				}
				pctx, stop := context.WithCancelCause(ctx)
				_, length := partRange(n, rec.Size, rec.PartSize)
				fp := flight.add(n, length, stop)
				p, err := e.sendPart(pctx, j, f, rec, n, pausing, fp)
				flight.remove(n)
				stoppedEarly := ctx.Err() == nil && errors.Is(context.Cause(pctx), errStoppedForPause)
				stop(nil)
				if errors.Is(err, errNotStarted) || stoppedEarly {
					stopped.Store(true) // paused while waiting for a slot, or stopped for the pause
					return
				}
				if err != nil {
					cancel(err)
					return
				}
				mu.Lock()
				done[n] = p
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	if ctx.Err() != nil {
		return context.Cause(ctx)
	}
	if stopped.Load() {
		return errPaused
	}
	return nil
}

// sendPart uploads part n with retries and journals it.
// A Pause (pausing closed) before the request got a slot ends it with
// errNotStarted.
// fp counts the bytes the request reads, for a Pause's triage.
func (e *Engine) sendPart(ctx context.Context, j *job, f *os.File, rec JobRecord, n int32, pausing <-chan struct{}, fp *flightPart) (PartRecord, error) {
	off, length := partRange(n, rec.Size, rec.PartSize)
	var sum, etag string
	if e.opts.Checksums {
		// Read before the request so a slow disk does not count as a stall.
		var err error
		if sum, err = crcOf(ctx, io.NewSectionReader(f, off, length)); err != nil {
			return PartRecord{}, explain(err, e.bucket)
		}
	}
	err := e.do(ctx, j, func(ctx context.Context, a *attempt) error {
		if err := unchanged(rec); err != nil {
			return err
		}
		if e.opts.Checksums && sum == "" {
			var err error
			if sum, err = crcOf(ctx, io.NewSectionReader(f, off, length)); err != nil {
				return explain(err, e.bucket)
			}
		}
		done, err := e.admit(ctx, a, pausing)
		if err != nil {
			return err
		}
		fp.sent.Store(0)
		body := countedSection{r: io.NewSectionReader(f, off, length), part: fp}
		etag, err = e.store.UploadPart(ctx, rec.Key, rec.UploadID, n, a.track(body), length, sum)
		done()
		if err == nil {
			a.answered()
		}
		if KindOf(err) == KindBadDigest {
			sum = "" // read it again: the bytes may have changed under us
			if cerr := unchanged(rec); cerr != nil {
				return cerr
			}
		}
		return err
	})
	if err != nil {
		if KindOf(err) == KindNoSuchUpload {
			return PartRecord{}, fail("The upload was discarded on the server. Press Retry to send the file again.", err)
		}
		return PartRecord{}, err
	}
	p := PartRecord{Number: n, Size: length, ETag: etag, Checksum: sum}
	if err := e.journal.PutPart(rec.ID, p); err != nil {
		return p, fmt.Errorf("record part %d: %w", n, err)
	}
	j.confirmed.Add(length)
	return p, nil
}

// complete checks the source once more, assembles the parts and verifies
// the stored object's size and checksum.
func (e *Engine) complete(ctx context.Context, j *job, rec JobRecord, done map[int32]PartRecord) error {
	if err := unchanged(rec); err != nil {
		e.discardUpload(j)
		return err
	}
	e.update(j, func(r *JobRecord) { r.State = StateVerifying })
	count := PartCount(rec.Size, rec.PartSize)
	parts := make([]RemotePart, 0, count)
	sums := make([]string, 0, count)
	for n := int32(1); n <= count; n++ {
		p := done[n]
		parts = append(parts, RemotePart{Number: n, Size: p.Size, ETag: p.ETag, Checksum: p.Checksum})
		sums = append(sums, p.Checksum)
	}
	var want, full string
	if e.opts.Checksums {
		var err error
		if want, err = compositeChecksum(sums); err != nil {
			return failCode(CodeChecksumLost, "A part's checksum was lost. Press Retry.", err)
		}
		if full, err = FullObjectChecksum(parts); err != nil {
			return failCode(CodeChecksumLost, "A part's checksum was lost. Press Retry.", err)
		}
	}
	if rec.Completed {
		return e.verify(ctx, j, rec, want, full) // completed before a restart
	}
	conditional := e.opts.Collision != Overwrite && !e.noConditional.Load()
	err := e.do(ctx, j, func(ctx context.Context, _ *attempt) error {
		_, err := e.store.CompleteMultipart(ctx, rec.Key, rec.UploadID, parts, conditional)
		if conditional && isNotImplemented(err) {
			e.noConditional.Store(true) // the store has no conditional writes
			conditional = false
			_, err = e.store.CompleteMultipart(ctx, rec.Key, rec.UploadID, parts, false)
		}
		return err
	})
	if k := KindOf(err); k == KindNoSuchUpload || k == KindPrecondition {
		// Perhaps an earlier try completed it and its answer was lost: then
		// the object in place is ours.
		info, found, herr := e.head(ctx, j, rec.Key)
		if herr != nil {
			return herr
		}
		if found && want != "" && ours(info, rec.Size, want, full) {
			err = nil
		} else if k == KindPrecondition {
			e.discardUpload(j)
			return err
		} else {
			return fail("The upload was discarded on the server. Press Retry to send the file again.", err)
		}
	}
	if err != nil {
		return err
	}
	// Completed: remember it before anything else can stop the job, so a
	// restart only verifies instead of sending the file again.
	rec = e.update(j, func(r *JobRecord) { r.Completed = true })
	if err := e.save(j); err != nil {
		e.log.Error("record completion", "job", j.id, "error", err)
	}
	return e.verify(ctx, j, rec, want, full)
}

// verify compares the stored object with what was sent and records the
// checksum the store reports. A multipart object's checksum is the
// full-object CRC32C (full) or the composite one (want), depending on the
// type the upload was created with; either is accepted.
func (e *Engine) verify(ctx context.Context, j *job, rec JobRecord, want, full string) error {
	var info ObjectInfo
	err := e.do(ctx, j, func(ctx context.Context, _ *attempt) error {
		var err error
		info, err = e.store.Head(ctx, rec.Key)
		return err
	})
	if err != nil {
		return err
	}
	if info.Size != rec.Size {
		return failCode(CodeSizeMismatch, "The stored file has the wrong size. Press Retry to send it again.", fmt.Errorf("stored %d bytes, sent %d", info.Size, rec.Size))
	}
	if want != "" && info.Checksum != "" && !ours(info, rec.Size, want, full) {
		return failCode(CodeChecksumMismatch, checksumReason, fmt.Errorf("stored checksum %s, sent %s (composite) or %s (full object)", info.Checksum, want, full))
	}
	sum := want
	if info.Checksum != "" && sameChecksum(full, info.Checksum) {
		sum = full
	}
	e.update(j, func(r *JobRecord) {
		r.UploadID, r.Completed, r.Checksum, r.Finished = "", false, sum, time.Now()
	})
	return nil
}
