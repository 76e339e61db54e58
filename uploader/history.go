package uploader

import (
	"fmt"
	"time"
)

// UnfinishedJournal is implemented by journals that can list the
// unfinished jobs without reading all of history (the bbolt journal keeps
// an index of them). With one, a start reads only what it resumes;
// without, it reads every job.
type UnfinishedJournal interface {
	// Unfinished returns the jobs whose state is not final, ordered by ID.
	Unfinished() ([]JobRecord, error)
}

// RetainingJournal is implemented by journals that can bound history (the
// bbolt journal does). Without it, history is kept whole.
type RetainingJournal interface {
	// Retain removes finished jobs that ended before the given time (zero:
	// none for age) and the oldest beyond the newest maxEntries (below 1:
	// no bound), never unfinished jobs nor those keep protects. It returns
	// how many were removed.
	Retain(maxEntries int, before time.Time, keep func(JobRecord) bool) (int, error)
}

// unfinishedJobs returns the journal's unfinished jobs, through its index
// when it has one.
func (e *Engine) unfinishedJobs() ([]JobRecord, error) {
	if u, ok := e.journal.(UnfinishedJournal); ok {
		return u.Unfinished()
	}
	recs, err := e.journal.Jobs()
	if err != nil {
		return nil, err
	}
	out := recs[:0]
	for _, r := range recs {
		if !r.State.Final() {
			out = append(out, r)
		}
	}
	return out, nil
}

// TrimHistory applies the history bounds (Options.HistoryMaxEntries and
// HistoryMaxAge) now and returns how many finished jobs it removed from
// the journal. The files of a batch whose receipt is not built yet are
// kept until it is. The engine calls it at start and each time its
// uploads come to rest; a journal that cannot bound history removes
// nothing.
func (e *Engine) TrimHistory() (int, error) {
	r, ok := e.journal.(RetainingJournal)
	if !ok || (e.opts.HistoryMaxEntries <= 0 && e.opts.HistoryMaxAge <= 0) {
		return 0, nil
	}
	var before time.Time
	if e.opts.HistoryMaxAge > 0 {
		before = time.Now().Add(-e.opts.HistoryMaxAge)
	}
	open := map[string]bool{} // batches still waiting for their receipt
	e.mu.Lock()
	for id, bs := range e.batches {
		if bs.rec.Receipt == nil || !bs.ended {
			open[id] = true
		}
	}
	e.mu.Unlock()
	n, err := r.Retain(e.opts.HistoryMaxEntries, before, func(rec JobRecord) bool {
		return rec.Batch != "" && open[rec.Batch]
	})
	if err != nil {
		return 0, fmt.Errorf("trim history: %w", err)
	}
	if n > 0 {
		e.log.Info("trimmed history", "removed", n, "max_entries", e.opts.HistoryMaxEntries, "max_age", e.opts.HistoryMaxAge)
	}
	return n, nil
}

// trimWhenIdle trims history in the background once no upload is queued
// or running and no receipt is about to be built (the end of a batch,
// typically: the batch's files are trimmed once its receipt is built);
// one trim at a time.
func (e *Engine) trimWhenIdle() {
	e.mu.Lock()
	idle := e.active == 0
	for _, j := range e.queue {
		if j != nil && j.rec.State == StateQueued {
			idle = false
			break
		}
	}
	e.mu.Unlock()
	if !idle || e.receiptsToBuild() > 0 {
		return // trimming now could only walk history for nothing
	}
	e.trimAgain.Store(true)
	if !e.trimming.CompareAndSwap(false, true) {
		return // the running trim goes round once more
	}
	e.wg.Add(1)
	go func() {
		defer e.wg.Done()
		for {
			for e.trimAgain.Swap(false) {
				if e.ctx.Err() != nil {
					break
				}
				if _, err := e.TrimHistory(); err != nil {
					e.log.Error("trim history", "error", err)
				}
			}
			e.trimming.Store(false)
			// A request that came after the last Swap but before the
			// Store above found trimming set: take it here.
			if !e.trimAgain.Load() || !e.trimming.CompareAndSwap(false, true) {
				return
			}
		}
	}()
}
