package uploader

// Finished jobs leave memory. A send of 100,000 small files must not keep
// 100,000 whole jobs until it ends: once a done or skipped job's final
// record is in the journal, and more than keepFinished such jobs are in
// memory, the oldest is retired. A retired job is no longer in Snapshot's
// list (nor its row in the window); what remains of it is its ID, size and
// state, so that the totals, Tally and Len still count it. Its record stays
// in the journal: history, receipts and Retry read it there.

// keepFinished is how many done or skipped jobs of this session stay in
// memory whole (the newest); a failed, cancelled or unfinished job always
// stays.
const keepFinished = 1000

// compactEvery is how many retired jobs may wait in e.order (holding their
// memory) before they are dropped from it.
const compactEvery = 1024

// retiredJob is what the engine keeps of a retired job.
type retiredJob struct {
	size  int64
	state State
}

// recorded is called once the final record of a done or skipped job is in
// the journal: it joins the finished jobs kept whole, and the oldest of
// those beyond keepFinished are retired.
func (e *Engine) recorded(j *job) {
	e.mu.Lock()
	defer e.mu.Unlock()
	if !e.retirable(j) {
		return
	}
	e.finished = append(e.finished, j)
	for len(e.finished) > keepFinished {
		old := e.finished[0]
		e.finished[0] = nil
		e.finished = e.finished[1:]
		if e.retirable(old) {
			e.retireLocked(old)
		}
	}
}

// retirable reports whether j is a job of this session that is done or
// skipped and not running (a skipped job may have been retried since).
// Called with e.mu held.
func (e *Engine) retirable(j *job) bool {
	s := j.rec.State
	return e.jobs[j.id] == j && (s == StateDone || s == StateSkipped) && j.cancel == nil
}

// retireLocked takes a finished job out of memory, keeping its size and
// state. Its entries in e.order and in its batch's jobs are dropped
// lazily, when enough of them are stale. Called with e.mu held.
func (e *Engine) retireLocked(j *job) {
	delete(e.jobs, j.id)
	e.retired[j.id] = retiredJob{size: j.rec.Size, state: j.rec.State}
	e.retiredBytes += j.rec.Size
	j.retired = true
	e.stale++
	if e.stale >= compactEvery || e.stale > len(e.order)/2 {
		e.compactLocked()
	}
}

// unretireLocked forgets the retired job id, when it comes back (a skipped
// file retried from history). Called with e.mu held.
func (e *Engine) unretireLocked(id uint64) {
	if r, ok := e.retired[id]; ok {
		delete(e.retired, id)
		e.retiredBytes -= r.size
	}
}

// compactLocked drops retired jobs from e.order and from the batches' job
// lists. Called with e.mu held.
func (e *Engine) compactLocked() {
	e.order = dropRetired(e.order)
	for _, bs := range e.batches {
		bs.jobs = dropRetired(bs.jobs)
		bs.cursor = 0
	}
	e.stale = 0
}

// dropRetired removes retired jobs from jobs, in place.
func dropRetired(jobs []*job) []*job {
	kept := jobs[:0]
	for _, j := range jobs {
		if !j.retired {
			kept = append(kept, j)
		}
	}
	clear(jobs[len(kept):])
	return kept
}

// forgetRetiredLocked forgets every retired job (ClearFinished) and returns
// how many there were. Called with e.mu held.
func (e *Engine) forgetRetiredLocked() int {
	n := len(e.retired)
	e.retired = map[uint64]retiredJob{}
	e.retiredBytes = 0
	clear(e.finished)
	e.finished = e.finished[:0]
	return n
}
