package uploader

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"time"
)

// Problem is a dropped path that was not queued, with the reason in plain
// words.
type Problem struct {
	Path   string
	Reason string
}

func (p Problem) Error() string { return p.Path + ": " + p.Reason }

// Added reports what Enqueue did.
type Added struct {
	// IDs of the jobs queued (including jobs that failed at once because the
	// file cannot be read: they are in history, with the reason).
	IDs []uint64
	// Continued are jobs already unfinished for a file given again (queued,
	// paused or uploading, perhaps from before a restart): that upload goes
	// on (a paused one is resumed) instead of a second copy being queued.
	Continued []uint64
	// Problems are paths that were not queued at all.
	Problems []Problem
}

// Enqueue queues the files among roots, each file or folder as dropped
// (links and special files follow the rules of collector: what is not sent
// is in Added.Problems with the reason).
// A folder's files keep their structure under the folder's own name. Keys
// are prefix + the sanitised relative path. A file already queued, paused
// or uploading is not queued twice: its upload continues (see
// Added.Continued). Unreadable files become failed jobs with the reason,
// so nothing is silently lost.
//
// The files make one batch (see OpenBatch to make a batch of several calls).
func (e *Engine) Enqueue(ctx context.Context, prefix string, roots ...string) (Added, error) {
	b := e.OpenBatch(BatchOptions{})
	defer b.Close()
	return b.Add(ctx, prefix, roots...)
}

// enqueue queues files as part of batch bs.
func (e *Engine) enqueue(ctx context.Context, bs *batchState, prefix string, roots ...string) (Added, error) {
	var added Added
	var files []found
	for _, root := range roots {
		c := collector{ctx: ctx, ownFolders: e.ownFolders}
		c.collect(root)
		added.Problems = append(added.Problems, c.problems...)
		files = append(files, c.files...)
	}
	return e.enqueueFound(ctx, bs, prefix, files, added)
}

// addChunk is how many new jobs enqueueFound records in one journal
// write: a folder of 100,000 files is recorded (and starts uploading) a
// chunk at a time, so neither its records nor the journal's transaction
// are ever all in memory at once.
const addChunk = 1000

// enqueueFound queues found files as part of batch bs, adding to added.
// The files are recorded a chunk at a time; if the journal fails, the
// chunks already recorded stay queued (their IDs are in added) and the
// rest is not queued.
func (e *Engine) enqueueFound(ctx context.Context, bs *batchState, prefix string, files []found, added Added) (Added, error) {
	recs := make([]*JobRecord, 0, min(len(files), addChunk))
	seen := e.unfinishedSources()
	continued := map[uint64]bool{}
	for i, f := range files {
		if err := ctx.Err(); err != nil {
			return added, err
		}
		files[i] = found{} // its record holds what is needed from now on
		if id, ok := seen[f.path]; ok {
			if id != 0 && !continued[id] {
				continued[id] = true
				added.Continued = append(added.Continued, id)
			}
			continue
		}
		seen[f.path] = 0 // queued now, in this call
		rec, problem := newRecord(f, prefix)
		if problem != nil {
			added.Problems = append(added.Problems, *problem)
			continue
		}
		rec.Batch = bs.rec.ID
		recs = append(recs, rec)
		if len(recs) == addChunk {
			if err := e.addRecords(bs, recs, &added); err != nil {
				return added, err
			}
			recs = recs[:0]
		}
	}
	e.Resume(added.Continued...)
	if err := e.addRecords(bs, recs, &added); err != nil {
		return added, err
	}
	return added, nil
}

// addRecords records new jobs of batch bs in the journal (the batch first,
// if these are its first jobs) and queues them.
func (e *Engine) addRecords(bs *batchState, recs []*JobRecord, added *Added) error {
	if len(recs) == 0 {
		return nil
	}
	e.mu.Lock()
	first := bs.added == 0 && len(bs.jobs) == 0 && e.batches[bs.rec.ID] == bs
	batch := bs.rec
	e.mu.Unlock()
	if first {
		e.saveBatch(batch) // before its jobs: a restart then finds the batch
	}
	if err := e.journal.AddJobs(recs); err != nil {
		return fmt.Errorf("record new jobs: %w", err)
	}
	var failed []*job
	e.mu.Lock()
	for _, rec := range recs {
		j := e.addLocked(*rec)
		bs.jobs = append(bs.jobs, j)
		bs.added++
		added.IDs = append(added.IDs, rec.ID)
		if rec.State == StateFailed {
			failed = append(failed, j)
		}
	}
	e.notifyLocked()
	e.mu.Unlock()
	for _, j := range failed {
		e.event(JobEnded, j)
	}
	e.poke()
	return nil
}

// unfinishedSources maps the source paths of unfinished jobs to their IDs.
func (e *Engine) unfinishedSources() map[string]uint64 {
	e.mu.Lock()
	defer e.mu.Unlock()
	seen := make(map[string]uint64, len(e.order))
	for _, j := range e.order {
		if !j.rec.State.Final() {
			seen[j.rec.Source] = j.id
		}
	}
	return seen
}

// found is a regular file found under a dropped root.
//
// It keeps only the size and modification time of the file's information:
// a folder of 100,000 files lists them all before any is queued.
type found struct {
	path string // absolute
	rel  string // slash-separated, relative to the root's parent
	size int64
	mod  time.Time
	err  error // set when the file cannot be read
}

// foundFile makes the found entry of a readable-or-not regular file.
func foundFile(path, rel string, info fs.FileInfo) found {
	return found{path: path, rel: rel, size: info.Size(), mod: info.ModTime(), err: readable(path)}
}

// Reasons given for entries that are not sent.
const (
	reasonOwnFolder  = "this is Hoist's own data or settings (your sign-in, its list of uploads, its log): it is never sent"
	reasonLinkFolder = "a link to a folder: links to folders are not followed (they can loop); drop the folder itself to send it"
	reasonLinkOut    = "a link to a file outside the folder being sent: only links within it are followed; drop the file itself to send it"
	reasonLinkBroken = "a link to something that no longer exists"
)

// kindReason explains why an entry of this type is not sent.
func kindReason(m fs.FileMode) string {
	switch {
	case m&fs.ModeNamedPipe != 0:
		return "a named pipe (FIFO), not a file: only files and folders can be sent"
	case m&fs.ModeSocket != 0:
		return "a socket, not a file: only files and folders can be sent"
	case m&fs.ModeDevice != 0:
		return "a device, not a file: only files and folders can be sent"
	}
	return "not a regular file (only files and folders can be sent)"
}

// collector lists what a dropped root holds, by Hoist's rules for links
// and special files:
//
//   - a dropped root that is a link is followed (to a file or a folder);
//   - inside a folder, a link to a regular file within the dropped tree is
//     followed and sent under the link's own name;
//   - links to folders inside the tree are never followed (they can loop),
//     nor are links to files outside it;
//   - named pipes, sockets and devices are not sent;
//   - Hoist's own folders (ownFolders) and anything under them are never
//     sent.
//
// Every entry not sent becomes a Problem with the reason.
type collector struct {
	ctx        context.Context
	ownFolders []string // absolute, links resolved
	files      []found
	problems   []Problem
}

func (c *collector) problem(path, reason string) {
	c.problems = append(c.problems, Problem{path, reason})
}

// own reports whether the resolved path p is, or is inside, one of Hoist's
// own folders.
func (c *collector) own(p string) bool {
	for _, dir := range c.ownFolders {
		if within(p, dir) {
			return true
		}
	}
	return false
}

// within reports whether path p is dir or inside it (both clean, absolute).
func within(p, dir string) bool {
	if p == dir {
		return true
	}
	rel, err := filepath.Rel(dir, p)
	return err == nil && rel != ".." && !strings.HasPrefix(rel, ".."+string(filepath.Separator)) && !filepath.IsAbs(rel)
}

// resolveFolders makes folders absolute with their links resolved (as far
// as they exist), for comparing with resolved paths.
func resolveFolders(dirs []string) []string {
	var out []string
	for _, d := range dirs {
		if d == "" {
			continue
		}
		abs, err := filepath.Abs(d)
		if err != nil {
			continue
		}
		out = append(out, abs)
		if real, err := filepath.EvalSymlinks(abs); err == nil && real != abs {
			out = append(out, real)
		}
	}
	return out
}

// collect lists the regular files of root (a file or a folder).
func (c *collector) collect(root string) {
	abs, err := filepath.Abs(root)
	if err != nil {
		c.problem(root, "not a usable path")
		return
	}
	if _, err := os.Lstat(abs); err != nil {
		c.problem(root, statReason(err))
		return
	}
	real, err := filepath.EvalSymlinks(abs) // a dropped link is followed
	if err != nil {
		c.problem(root, reasonLinkBroken)
		return
	}
	info, err := os.Stat(real)
	if err != nil {
		c.problem(root, statReason(err))
		return
	}
	if c.own(real) {
		c.problem(root, reasonOwnFolder)
		return
	}
	if !info.IsDir() {
		if !info.Mode().IsRegular() {
			c.problem(root, kindReason(info.Mode()))
			return
		}
		c.files = append(c.files, foundFile(abs, filepath.Base(abs), info))
		return
	}
	before := len(c.files) + len(c.problems)
	name := filepath.Base(abs) // the name as dropped, even for a link
	walkErr := filepath.WalkDir(real, func(p string, d fs.DirEntry, err error) error {
		if ctxErr := c.ctx.Err(); ctxErr != nil {
			return ctxErr
		}
		if err != nil {
			c.problem(p, statReason(err))
			return nil
		}
		relInside, _ := filepath.Rel(real, p)
		rel := filepath.ToSlash(filepath.Join(name, relInside))
		switch t := d.Type(); {
		case d.IsDir():
			if p != real && c.own(p) {
				c.problem(p, reasonOwnFolder)
				return filepath.SkipDir
			}
		case t.IsRegular():
			if c.own(p) {
				c.problem(p, reasonOwnFolder)
				return nil
			}
			fi, err := d.Info()
			if err != nil {
				c.problem(p, statReason(err))
				return nil
			}
			c.files = append(c.files, foundFile(p, rel, fi))
		case t&fs.ModeSymlink != 0:
			c.link(p, rel, real)
		default:
			c.problem(p, kindReason(t))
		}
		return nil
	})
	if walkErr != nil {
		c.problem(root, walkErr.Error())
	}
	if len(c.files)+len(c.problems) == before {
		c.problem(root, "the folder is empty")
	}
}

// link applies the rules for a link found inside the dropped folder tree.
func (c *collector) link(p, rel, tree string) {
	target, err := filepath.EvalSymlinks(p)
	if err != nil {
		c.problem(p, reasonLinkBroken)
		return
	}
	ti, err := os.Stat(target)
	switch {
	case err != nil:
		c.problem(p, statReason(err))
	case ti.IsDir():
		c.problem(p, reasonLinkFolder)
	case c.own(target):
		c.problem(p, reasonOwnFolder)
	case !ti.Mode().IsRegular():
		c.problem(p, kindReason(ti.Mode()))
	case !within(target, tree):
		c.problem(p, reasonLinkOut)
	default:
		c.files = append(c.files, foundFile(p, rel, ti))
	}
}

func readable(path string) error {
	f, err := os.Open(path)
	if err != nil {
		return err
	}
	return f.Close()
}

func statReason(err error) string {
	switch {
	case errors.Is(err, os.ErrNotExist):
		return "it no longer exists"
	case errors.Is(err, os.ErrPermission):
		return "Hoist isn't allowed to read it"
	case lockedByAnotherProgram(err):
		return "another program has it open and does not let Hoist read it"
	}
	return err.Error()
}

// newRecord builds the job record for a found file.
func newRecord(f found, prefix string) (*JobRecord, *Problem) {
	key, note, err := keyFor(prefix, f.rel)
	if err != nil {
		return nil, &Problem{f.path, err.Error()}
	}
	rec := &JobRecord{
		Source: f.path, Rel: f.rel, Key: key,
		Size: f.size, ModTime: f.mod,
		State: StateQueued, Created: time.Now(), Reason: note,
	}
	if f.err != nil {
		failed := explain(f.err, "").(*Failure)
		rec.State, rec.Code, rec.Reason, rec.Detail, rec.Finished = StateFailed, CodeOf(failed), failed.Reason, f.err.Error(), rec.Created
	}
	return rec, nil
}

// Pause pauses jobs: a running job starts no new part, lets the parts on
// their way finish for up to Options.PauseGrace, then stops the rest (what
// arrived is kept); a queued one waits. Paused jobs stay paused across
// restarts.
func (e *Engine) Pause(ids ...uint64) { e.pause(false, ids) }

// PauseForSignIn pauses jobs as Pause does and marks them as waiting for
// their owner's next sign-in (JobRecord.WaitingSignIn), in the journal, so
// the promise "they continue when you sign in again" survives a restart.
// Jobs already paused by the user stay as they are.
func (e *Engine) PauseForSignIn(ids ...uint64) { e.pause(true, ids) }

func (e *Engine) pause(forSignIn bool, ids []uint64) {
	e.mu.Lock()
	var persist []*job
	for _, id := range ids {
		j := e.jobs[id]
		switch {
		case j == nil:
		case j.cancel != nil:
			if j.wish != wishCancel {
				j.wish = wishPause
			}
			if forSignIn {
				// Recorded now: a quit before the run has stopped keeps
				// the promise too.
				j.rec.WaitingSignIn = true
				persist = append(persist, j)
			}
			e.softStopLocked(j)
		case j.rec.State == StateQueued:
			j.rec.State, j.rec.Paused, j.rec.WaitingSignIn = StatePaused, true, forSignIn
			persist = append(persist, j)
		}
	}
	e.notifyLocked()
	e.mu.Unlock()
	e.persistAll(persist)
}

// softStopLocked asks a running job to pause: no new part starts, and the
// run is cancelled after the grace period (at once without one). Called
// with e.mu held.
func (e *Engine) softStopLocked(j *job) {
	select {
	case <-j.pausing:
		return // already stopping
	default:
	}
	close(j.pausing)
	cancel := j.cancel
	if e.opts.PauseGrace <= 0 {
		cancel(errPaused)
		return
	}
	time.AfterFunc(e.opts.PauseGrace, func() { cancel(errPaused) })
}

// TryNow ends the wait before the next try of the jobs' failed requests:
// they try again at once.
func (e *Engine) TryNow(ids ...uint64) {
	e.mu.Lock()
	defer e.mu.Unlock()
	for _, id := range ids {
		if j := e.jobs[id]; j != nil {
			select {
			case j.nudge <- struct{}{}:
			default:
			}
		}
	}
}

// ClearFinished takes the finished jobs (done, skipped, failed, cancelled)
// out of this session's list; they stay in history. It returns how many
// were taken out.
func (e *Engine) ClearFinished() int {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.compactLocked()
	n := e.forgetRetiredLocked()
	kept := e.order[:0]
	for _, j := range e.order {
		if j.rec.State.Final() && j.cancel == nil {
			delete(e.jobs, j.id)
			n++
			continue
		}
		kept = append(kept, j)
	}
	clear(e.order[len(kept):])
	e.order = kept
	e.restartTotalLocked()
	e.notifyLocked()
	return n
}

// persistAll records many jobs at once: concurrent writes share the
// journal's batched commits, so pausing 10,000 queued files costs a few
// fsyncs rather than 10,000.
func (e *Engine) persistAll(jobs []*job) {
	forEach(jobs, parallelWrites, e.persist)
}

// Resume queues paused jobs again; they continue where they stopped. A job
// still stopping after a Pause runs again once it has stopped.
func (e *Engine) Resume(ids ...uint64) {
	e.mu.Lock()
	var persist []*job
	for _, id := range ids {
		j := e.jobs[id]
		switch {
		case j == nil:
		case j.cancel != nil:
			if j.wish == wishPause {
				j.wish = wishResume
				j.rec.WaitingSignIn = false
			}
		case j.rec.State == StatePaused:
			j.rec.State, j.rec.Paused, j.rec.WaitingSignIn = StateQueued, false, false
			e.queue = append(e.queue, j)
			persist = append(persist, j)
		}
	}
	e.notifyLocked()
	e.mu.Unlock()
	e.persistAll(persist)
	e.poke()
}

// Cancel cancels jobs: running parts stop, the job ends as cancelled, and
// its multipart upload is aborted on the server in the background (see
// PendingAborts). It does not wait for the network.
func (e *Engine) Cancel(ids ...uint64) {
	e.mu.Lock()
	var idle []cancelled
	for _, id := range ids {
		j := e.jobs[id]
		switch {
		case j == nil || j.rec.State.Final():
		case j.cancel != nil:
			j.wish = wishCancel // wins over a Pause still stopping
			j.cancelledAt.Store(j.done.Load())
			j.cancel(errCancelled)
		default:
			j.cancelledAt.Store(j.done.Load())
			idle = append(idle, e.cancelLocked(j))
		}
	}
	e.mu.Unlock()
	e.saveCancelled(idle)
	for _, c := range idle {
		e.event(JobEnded, c.j)
	}
}

// cancelled is a job just cancelled, with the upload it gave up.
type cancelled struct {
	j         *job
	upload    DiscardedUpload
	hasUpload bool
}

// cancelLocked ends a job that is not running as cancelled and detaches its
// upload; saveCancelled records the outcome. Called with e.mu held.
func (e *Engine) cancelLocked(j *job) cancelled {
	c := cancelled{j: j}
	c.upload, c.hasUpload = e.takeUploadLocked(j)
	j.rec.State, j.rec.Code, j.rec.Reason, j.rec.Detail, j.rec.Finished = StateCancelled, CodeCancelled, "Cancelled.", "", time.Now()
	e.notifyLocked()
	return c
}

// saveCancelled records cancelled jobs, each with its discarded upload in
// the same journal write; concurrent writes share the journal's commits, so
// cancelling thousands of jobs costs a few fsyncs.
func (e *Engine) saveCancelled(cs []cancelled) {
	forEach(cs, parallelWrites, func(c cancelled) {
		if c.hasUpload {
			e.saveDiscard(c.upload, c.j)
		} else {
			e.persist(c.j)
		}
	})
}

// ids returns the IDs of this session's jobs that match keep, which runs
// with e.mu held.
func (e *Engine) ids(keep func(*job) bool) []uint64 {
	e.mu.Lock()
	defer e.mu.Unlock()
	var ids []uint64
	for _, j := range e.order {
		if keep(j) {
			ids = append(ids, j.id)
		}
	}
	return ids
}

// PauseAll pauses every unfinished job.
func (e *Engine) PauseAll() {
	e.Pause(e.ids(func(j *job) bool { return !j.rec.State.Final() })...)
}

// ResumeAll resumes every paused job, and every job still stopping after a
// Pause.
func (e *Engine) ResumeAll() {
	e.Resume(e.ids(func(j *job) bool {
		return j.rec.State == StatePaused || (j.cancel != nil && j.wish == wishPause)
	})...)
}

// CancelAll cancels every unfinished job.
func (e *Engine) CancelAll() {
	e.Cancel(e.ids(func(j *job) bool { return !j.rec.State.Final() })...)
}

// Retry queues failed, cancelled or skipped jobs again (from this session
// or from history). A multipart upload kept from the failed run continues
// where it stopped. Unknown IDs and jobs that are not finished are errors.
func (e *Engine) Retry(ids ...uint64) error {
	var errs []error
	for _, id := range ids {
		if err := e.retryOne(id); err != nil {
			errs = append(errs, fmt.Errorf("retry job %d: %w", id, err))
		}
	}
	e.poke()
	return errors.Join(errs...)
}

func (e *Engine) retryOne(id uint64) error {
	e.mu.Lock()
	j := e.jobs[id]
	e.mu.Unlock()
	if j == nil {
		rec, err := e.journal.Job(id)
		if err != nil {
			return err
		}
		e.mu.Lock()
		j = e.addLocked(rec)
		e.mu.Unlock()
	}
	var was State
	rec := e.update(j, func(r *JobRecord) {
		was = r.State
		if was != StateFailed && was != StateCancelled && was != StateSkipped {
			return
		}
		r.State, r.Code, r.Reason, r.Detail, r.Finished, r.Paused = StateQueued, "", "", "", time.Time{}, false
	})
	if rec.State != StateQueued || was == StateQueued {
		return fmt.Errorf("it is %s, not failed", was)
	}
	j.done.Store(0)
	j.cancelledAt.Store(0)
	// Journaled before it can start: parts are only recorded for a job the
	// journal holds as unfinished.
	if err := e.save(j); err != nil {
		e.update(j, func(r *JobRecord) {
			if r.State == StateQueued && j.cancel == nil {
				r.State = was
			}
		})
		return fmt.Errorf("record retry: %w", err)
	}
	e.mu.Lock()
	if j.rec.State == StateQueued && j.cancel == nil { // not paused or cancelled meanwhile
		e.queue = append(e.queue, j)
	}
	e.attachLocked(j) // a new receipt of its batch follows when it ends
	e.mu.Unlock()
	return nil
}

// RetryFailed queues every failed job in history again and returns their IDs.
func (e *Engine) RetryFailed() ([]uint64, error) {
	recs, err := e.History(true)
	if err != nil {
		return nil, err
	}
	ids := make([]uint64, 0, len(recs))
	for _, r := range recs {
		ids = append(ids, r.ID)
	}
	return ids, e.Retry(ids...)
}

// History returns finished jobs (done, skipped, failed, cancelled), newest
// first; with failedOnly, only failed ones.
func (e *Engine) History(failedOnly bool) ([]JobRecord, error) {
	recs, err := e.journal.Jobs()
	if err != nil {
		return nil, fmt.Errorf("read history: %w", err)
	}
	e.mu.Lock()
	var out []JobRecord
	for _, r := range recs {
		if j := e.jobs[r.ID]; j != nil {
			r = j.rec
		}
		if !r.State.Final() || (failedOnly && r.State != StateFailed) {
			continue
		}
		out = append(out, r)
	}
	e.mu.Unlock()
	sort.SliceStable(out, func(a, b int) bool { return out[a].Finished.After(out[b].Finished) })
	return out, nil
}

// Snapshot returns the state of this session's jobs. It is cheap enough to
// call several times a second and never blocks a transfer for long; with
// many jobs, Progress is cheaper still.
func (e *Engine) Snapshot() Snapshot {
	e.mu.Lock()
	defer e.mu.Unlock()
	return e.snapshotLocked(len(e.order), func(JobSnapshot) bool { return true })
}

// Progress returns the totals of this session's jobs as Snapshot does, but
// with only the jobs worth showing one by one: those running or verifying,
// and the unfinished ones with a Note. It copies no other job, so a
// progress display of 100,000 files can call it several times a second.
func (e *Engine) Progress() Snapshot {
	e.mu.Lock()
	defer e.mu.Unlock()
	return e.snapshotLocked(e.active, func(js JobSnapshot) bool {
		return js.State == StateRunning || js.State == StateVerifying || (js.Note != "" && !js.State.Final())
	})
}

// snapshotLocked sums every job of the session into the totals and copies
// those keep accepts (room for n of them is made at once). Called with
// e.mu held.
func (e *Engine) snapshotLocked(n int, keep func(JobSnapshot) bool) Snapshot {
	s := Snapshot{Jobs: make([]JobSnapshot, 0, n), Held: e.held}
	var longest time.Duration = -1
	for _, j := range e.order {
		if j.retired {
			continue // counted below
		}
		js := e.snapLocked(j)
		if keep(js) {
			s.Jobs = append(s.Jobs, js)
		}
		t := &s.Totals
		t.Files++
		t.Bytes += js.Size
		t.BytesDone += js.Done
		t.BytesConfirmed += js.Confirmed
		switch js.State {
		case StateDone, StateSkipped:
			t.FilesDone++
		case StateFailed:
			t.FilesFailed++
		case StateRunning, StateVerifying:
			t.FilesActive++
			longest = max(longest, js.ETA)
		case StateCancelled:
			// What it had sent stays counted, as sent; the rest leaves the
			// total, so the others' progress does not run backwards.
			kept := min(max(js.Done, j.cancelledAt.Load()), js.Size)
			t.Files--
			t.Bytes -= js.Size - kept
			t.BytesDone += kept - js.Done
		}
	}
	s.Retired = len(e.retired)
	t := &s.Totals
	t.Files += len(e.retired)
	t.FilesDone += len(e.retired)
	t.Bytes += e.retiredBytes
	t.BytesDone += e.retiredBytes
	t.BytesConfirmed += e.retiredBytes
	s.Totals.Speed = e.total.speed()
	s.Totals.ETA = eta(s.Totals.Bytes-s.Totals.BytesDone, s.Totals.Speed)
	if s.Totals.ETA >= 0 && longest > s.Totals.ETA {
		s.Totals.ETA = longest
	}
	return s
}

// Tally counts jobs by how they stand.
type Tally struct {
	// Done, Skipped, Failed and Cancelled count the jobs in those states;
	// Waiting those not finished (queued, running, paused).
	Done, Skipped, Failed, Cancelled, Waiting int
	// BytesDone is the size of the done jobs together.
	BytesDone int64
}

// Tally counts this session's jobs with the given IDs (all of them when
// ids is nil) without copying any; IDs the session does not hold are left
// out.
func (e *Engine) Tally(ids []uint64) Tally {
	e.mu.Lock()
	defer e.mu.Unlock()
	var t Tally
	count := func(j *job) {
		switch j.rec.State {
		case StateDone:
			t.Done++
			t.BytesDone += j.rec.Size
		case StateSkipped:
			t.Skipped++
		case StateFailed:
			t.Failed++
		case StateCancelled:
			t.Cancelled++
		default:
			t.Waiting++
		}
	}
	countRetired := func(r retiredJob) {
		if r.state == StateDone {
			t.Done++
			t.BytesDone += r.size
		} else {
			t.Skipped++
		}
	}
	if ids == nil {
		for _, j := range e.order {
			if !j.retired {
				count(j)
			}
		}
		for _, r := range e.retired {
			countRetired(r)
		}
		return t
	}
	seen := make(map[uint64]bool, len(ids))
	for _, id := range ids {
		if seen[id] {
			continue
		}
		seen[id] = true
		if j := e.jobs[id]; j != nil {
			count(j)
		} else if r, ok := e.retired[id]; ok {
			countRetired(r)
		}
	}
	return t
}

// Jobs returns snapshots of this session's jobs with the given IDs, in
// the order of ids (unknown IDs are left out).
func (e *Engine) Jobs(ids ...uint64) []JobSnapshot {
	e.mu.Lock()
	defer e.mu.Unlock()
	out := make([]JobSnapshot, 0, len(ids))
	for _, id := range ids {
		if j := e.jobs[id]; j != nil {
			out = append(out, e.snapLocked(j))
		}
	}
	return out
}

// Len returns how many jobs this session holds, retired ones included
// (those ClearFinished took out are not counted).
func (e *Engine) Len() int {
	e.mu.Lock()
	defer e.mu.Unlock()
	return len(e.order) - e.stale + len(e.retired)
}

// snapLocked copies one job's state.
func (e *Engine) snapLocked(j *job) JobSnapshot {
	s := JobSnapshot{JobRecord: j.rec, Done: min(max(j.done.Load(), 0), j.rec.Size), ETA: -1, Note: j.getNote()}
	s.Confirmed = min(max(j.confirmed.Load(), 0), j.rec.Size)
	if s.State == StateDone || s.State == StateSkipped {
		s.Done, s.Confirmed = s.Size, s.Size
	}
	s.Done = max(s.Done, s.Confirmed)
	if s.State == StateRunning || s.State == StateVerifying {
		s.Speed = j.meter.speed()
		s.ETA = j.eta
		s.LastError = j.getLastErr()
		if at := j.retryAt.Load(); at != 0 {
			s.RetryAt = time.Unix(0, at)
		}
		if j.cancel != nil && j.wish == wishPause {
			s.Pausing = true
		}
	}
	if e.held && !s.State.Final() && s.State != StatePaused {
		s.Note = "Sign in again to continue"
	}
	return s
}

// sample feeds the speed meters a few times a second.
func (e *Engine) sample() {
	defer e.wg.Done()
	tick := time.NewTicker(250 * time.Millisecond)
	defer tick.Stop()
	for {
		select {
		case <-e.ctx.Done():
			return
		case now := <-tick.C:
			e.mu.Lock()
			total := e.retiredBytes
			for _, j := range e.order {
				if j.retired {
					continue
				}
				d := j.done.Load()
				total += d
				if j.cancel != nil {
					j.meter.add(now, d)
					j.eta = smoothETA(j.eta, eta(j.rec.Size-min(max(d, 0), j.rec.Size), j.meter.speed()))
				}
			}
			e.total.add(now, total)
			e.mu.Unlock()
		}
	}
}

// Wait blocks until no job is queued or running, or ctx ends. Paused jobs
// do not count; jobs held for a new sign-in do (they continue after it).
func (e *Engine) Wait(ctx context.Context) error {
	for {
		e.mu.Lock()
		busy := e.active > 0
		for _, j := range e.order {
			if j.rec.State == StateQueued {
				busy = true
				break
			}
		}
		ch := e.changed
		e.mu.Unlock()
		if !busy {
			return nil
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-ch:
		}
	}
}

// smoothETA blends a new estimate of the time left into the previous one,
// so that the figure shown does not jump with every burst of the network.
// A new estimate far from the old one (a stall, a new run) is taken at
// once when there was none.
func smoothETA(prev, next time.Duration) time.Duration {
	if next < 0 {
		return -1
	}
	if prev < 0 {
		return next
	}
	// The old estimate has aged by one sample (250 ms) since.
	aged := max(prev-250*time.Millisecond, 0)
	return time.Duration(0.85*float64(aged) + 0.15*float64(next))
}
