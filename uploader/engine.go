// Package uploader is Hoist's upload engine: a queue of jobs (local file →
// object key), each sent as one PUT or as a resumable parallel multipart
// upload, with progress, pause, cancel, retry and a crash-safe journal.
//
// The engine knows nothing of windows, sign-in or the AWS SDK: it talks to
// object storage through Store and remembers through Journal.
package uploader

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"
)

// CollisionPolicy says what happens when the destination key is taken.
type CollisionPolicy string

// Collision policies.
const (
	// Rename sends the file under "name (1).ext", "name (2).ext", ….
	Rename CollisionPolicy = "rename"
	// Overwrite replaces the existing object.
	Overwrite CollisionPolicy = "overwrite"
	// Skip leaves the existing object and ends the job as skipped.
	Skip CollisionPolicy = "skip"
)

// Options configure an Engine. Zero values take the documented defaults.
type Options struct {
	Store   Store
	Journal Journal
	// Bucket is only used in messages.
	Bucket string
	// ParallelFiles is how many files upload at once (default 4; with
	// Adaptive, an upper bound, default MaxConnections). See also
	// Engine.SetParallelism.
	ParallelFiles int
	// ParallelParts is how many parts of one file upload at once (default 4;
	// with Adaptive, an upper bound, default MaxConnections).
	ParallelParts int
	// Adaptive lets a Controller choose how many requests (parts and small
	// files) are in flight from the goodput, latency and throttling it
	// measures, within ParallelFiles × ParallelParts and MaxConnections.
	Adaptive bool
	// PartSize is the smallest part size; it grows for very large files.
	// 0 chooses it per file from the file's size and the measured link.
	PartSize int64
	// MultipartThreshold: files of at least this size use multipart upload
	// (default PartSize, or 16 MiB when PartSize is chosen per file).
	MultipartThreshold int64
	// Checksums computes CRC32C checksums for the store to verify.
	Checksums bool
	// Collision is the policy for taken keys (default Rename).
	Collision CollisionPolicy
	// StallTimeout: a request that moves no byte for this long is retried
	// (default 60 s).
	StallTimeout time.Duration
	// RetryBaseWait and RetryMaxWait shape the backoff (defaults 500 ms, 30 s).
	RetryBaseWait, RetryMaxWait time.Duration
	// MaxFailures is how many consecutive failures of one request end a job
	// (default 12). Network outages do not count.
	MaxFailures int
	// MaxRate limits the upload speed of all transfers together (0: no
	// limit), while RateSchedule says when (the zero Schedule: always).
	// See also Engine.SetSpeedLimit.
	MaxRate      Rate
	RateSchedule Schedule
	// PauseGrace is how long a Pause lets the parts already on their way
	// finish before it stops them (default 3 s; negative: stop at once).
	// No new part starts once a Pause was asked for, so what is kept is as
	// much as possible of what was shown as sent.
	PauseGrace time.Duration
	// OnCredentialsNeeded, if set, is called (on an engine goroutine; it must
	// not block) when credentials fail for good. The engine then holds every
	// upload, paused, until Release is called. If nil, such jobs fail.
	OnCredentialsNeeded func(err error)
	// OnEvent, if set, is called on an engine goroutine each time a job
	// starts or ends. It must return quickly; it runs in the job's path.
	OnEvent func(Event)
	// HistoryMaxEntries bounds how many finished jobs the journal keeps
	// (the oldest go first); 0 or less keeps them all. See TrimHistory.
	HistoryMaxEntries int
	// HistoryMaxAge: finished jobs older than this leave the journal; 0 or
	// less keeps them whatever their age.
	HistoryMaxAge time.Duration
	// OwnFolders are Hoist's own data and settings folders (and files):
	// nothing in them is ever sent, even when a dropped folder holds them;
	// each is reported as not sent instead.
	OwnFolders []string
	// Logger receives diagnostics (default: discard).
	Logger *slog.Logger
	// Receipts, if set, makes the engine store each batch's receipt in the
	// store (see Batch). Without it receipts are only kept locally.
	Receipts *ReceiptOptions
}

// EventKind says what happened to a job.
type EventKind int

// Event kinds.
const (
	JobStarted EventKind = iota
	JobEnded
)

// Event reports a job starting or ending (in any state: done, skipped,
// failed, cancelled, paused).
type Event struct {
	Kind EventKind
	Job  JobSnapshot
}

// Engine runs upload jobs. Its methods are safe for concurrent use.
type Engine struct {
	store   Store
	journal Journal
	opts    Options
	bucket  string
	retry   retryPolicy
	log     *slog.Logger
	limiter *Limiter
	gate    *gate       // requests in flight; nil unless Options.Adaptive
	ctl     *Controller // chooses the gate's size; guarded by mu
	stats   linkStats
	// attempts are the requests in flight, for NetworkChanged.
	attempts liveAttempts

	ctx  context.Context
	stop context.CancelCauseFunc
	wg   sync.WaitGroup
	wake chan struct{}

	mu      sync.Mutex
	jobs    map[uint64]*job
	order   []*job // this session's jobs, in the order they were added (retired ones until compacted)
	queue   []*job // jobs waiting to start (may hold stale entries)
	active  int
	held    bool          // waiting for a new sign-in
	changed chan struct{} // closed and replaced on every state change
	total   meter

	noConditional atomic.Bool // the store rejected If-None-Match

	discards  map[string]DiscardedUpload // by upload ID, guarded by mu
	abortWake chan struct{}

	ownFolders []string    // Options.OwnFolders, absolute, links resolved
	trimming   atomic.Bool // a history trim is running
	trimAgain  atomic.Bool // asked for while one was running

	batches     map[string]*batchState // by ID, guarded by mu
	receiptWake chan struct{}

	// Finished jobs that left memory (see retire.go), guarded by mu:
	// retired by ID with their sizes together, finished the done or
	// skipped jobs kept whole (oldest first), stale how many retired jobs
	// e.order still holds.
	retired      map[uint64]retiredJob
	retiredBytes int64
	finished     []*job
	stale        int
}

// wish is a request made while a job's run is stopping; it decides how the
// run ends.
type wish uint8

const (
	wishNone   wish = iota
	wishPause       // stop and stay paused
	wishResume      // a Resume after a Pause: run again once stopped
	wishCancel      // stop and end cancelled; wins over the others
)

// job is the engine's live view of one JobRecord.
type job struct {
	id  uint64
	rec JobRecord // guarded by Engine.mu
	// done is the bytes sent: confirmed plus those in flight.
	done atomic.Int64
	// confirmed is the bytes the store acknowledged (finished parts, or
	// the whole object), including parts found after a restart.
	confirmed atomic.Int64
	// pausing is closed when a Pause asks the current run to stop: no new
	// part starts (set by startLocked, guarded by Engine.mu).
	pausing chan struct{}
	// nudge cuts a wait before a retry short (Engine.TryNow); made when
	// the job first starts (a queued job does not need one).
	nudge chan struct{}
	// retired is set when the job left memory (see retire.go), guarded by
	// Engine.mu.
	retired bool
	// retryAt is when the next try starts (unix nanos; 0: not waiting);
	// lastErr is the last failure, for support.
	retryAt atomic.Int64
	lastErr atomic.Pointer[string]
	// cancelledAt is Done when a Cancel was asked for: a cancelled job
	// keeps counting that much in the totals.
	cancelledAt atomic.Int64
	// eta is the smoothed time left, guarded by Engine.mu (negative:
	// unknown).
	eta    time.Duration
	cancel context.CancelCauseFunc // set while running, guarded by Engine.mu
	// wish is what the user asked for last while the run was stopping,
	// guarded by Engine.mu.
	wish wish
	// meter is the speed of the current run, guarded by Engine.mu; nil
	// while the job does not run, so 100,000 queued or finished jobs do
	// not each carry its samples.
	meter *meter
	// saving serialises the journal writes of the job's record.
	saving sync.Mutex
	note   atomic.Pointer[string]
}

func (j *job) setNote(s string) { j.note.Store(&s) }

func (j *job) setLastErr(err error) {
	s := err.Error()
	j.lastErr.Store(&s)
}

func (j *job) getLastErr() string {
	if p := j.lastErr.Load(); p != nil {
		return *p
	}
	return ""
}

func (j *job) getNote() string {
	if p := j.note.Load(); p != nil {
		return *p
	}
	return ""
}

// New builds an engine and brings back the journal's unfinished jobs:
// they resume by themselves once Start is called (jobs the user paused
// stay paused).
func New(opts Options) (*Engine, error) {
	if opts.Store == nil || opts.Journal == nil {
		return nil, errors.New("create engine: a store and a journal are required")
	}
	setDefaults(&opts)
	e := &Engine{
		store:   opts.Store,
		journal: opts.Journal,
		opts:    opts,
		bucket:  opts.Bucket,
		log:     opts.Logger,
		retry: retryPolicy{
			base: opts.RetryBaseWait, cap: opts.RetryMaxWait,
			maxFailures: opts.MaxFailures, maxAuthFailures: 3, stall: opts.StallTimeout,
		},
		wake:       make(chan struct{}, 1),
		jobs:       map[uint64]*job{},
		changed:    make(chan struct{}),
		discards:   map[string]DiscardedUpload{},
		abortWake:  make(chan struct{}, 1),
		limiter:    NewLimiter(nil),
		ownFolders: resolveFolders(opts.OwnFolders),

		batches:     map[string]*batchState{},
		receiptWake: make(chan struct{}, 1),
		retired:     map[uint64]retiredJob{},
	}
	e.limiter.Set(opts.MaxRate, opts.RateSchedule)
	if opts.Adaptive {
		e.ctl = NewController(1, opts.ParallelFiles*opts.ParallelParts)
		e.gate = newGate(e.ctl.Limit())
	}
	e.ctx, e.stop = context.WithCancelCause(context.Background())
	if err := e.restore(); err != nil {
		return nil, err
	}
	if err := e.loadDiscards(); err != nil {
		return nil, fmt.Errorf("read journal: %w", err)
	}
	if err := e.restoreBatches(); err != nil {
		return nil, fmt.Errorf("read journal: %w", err)
	}
	if _, err := e.TrimHistory(); err != nil {
		e.log.Error("trim history at start", "error", err) // history only grows: not a reason to stop
	}
	return e, nil
}

func setDefaults(o *Options) {
	unset := 4
	if o.Adaptive {
		unset = MaxConnections
	}
	if o.ParallelFiles <= 0 {
		o.ParallelFiles = unset
	}
	if o.ParallelParts <= 0 {
		o.ParallelParts = unset
	}
	if o.PartSize < 0 {
		o.PartSize = 0
	}
	if o.MultipartThreshold <= 0 {
		o.MultipartThreshold = o.PartSize
		if o.PartSize == 0 {
			o.MultipartThreshold = 16 * MiB
		}
	}
	if o.Collision == "" {
		o.Collision = Rename
	}
	if o.StallTimeout <= 0 {
		o.StallTimeout = 60 * time.Second
	}
	if o.RetryBaseWait <= 0 {
		o.RetryBaseWait = 500 * time.Millisecond
	}
	if o.RetryMaxWait <= 0 {
		o.RetryMaxWait = 30 * time.Second
	}
	if o.MaxFailures <= 0 {
		o.MaxFailures = 12
	}
	if o.PauseGrace == 0 {
		o.PauseGrace = 3 * time.Second
	}
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
}

// restore loads unfinished jobs from the journal into the queue, reading
// only those when the journal keeps an index of them.
func (e *Engine) restore() error {
	recs, err := e.unfinishedJobs()
	if err != nil {
		return fmt.Errorf("read journal: %w", err)
	}
	for _, rec := range recs {
		if rec.State.Final() {
			continue
		}
		if rec.Paused || rec.WaitingSignIn {
			rec.State, rec.Paused = StatePaused, true
		} else {
			rec.State = StateQueued
		}
		j := e.addLocked(rec)
		parts, err := e.journal.Parts(rec.ID)
		if err != nil {
			return fmt.Errorf("read journal: %w", err)
		}
		for _, p := range parts {
			j.done.Add(p.Size)
			j.confirmed.Add(p.Size)
		}
	}
	return nil
}

// addLocked registers a record as a live job (queueing it if queued).
func (e *Engine) addLocked(rec JobRecord) *job {
	j := &job{id: rec.ID, rec: rec, eta: -1}
	e.unretireLocked(rec.ID)
	e.jobs[rec.ID] = j
	e.order = append(e.order, j)
	if rec.State == StateQueued {
		e.queue = append(e.queue, j)
	}
	return j
}

// Start runs the scheduler, the progress sampler, the aborter of
// discarded uploads and the receipt writer until Close. Batches restored
// from the journal whose files all ended get their receipt now.
func (e *Engine) Start() {
	if e.gate != nil {
		e.wg.Add(1)
		go e.adapt()
	}
	e.wg.Add(4)
	go e.schedule()
	go e.sample()
	go e.abortLoop()
	go e.receiptLoop()
	e.poke()
	e.pokeAborter()
	for _, id := range e.batchIDs() {
		e.checkBatch(id)
	}
	e.pokeReceipts()
}

// Close stops all transfers without cancelling them: unfinished jobs stay
// in the journal and resume on the next start. It waits for the engine's
// goroutines to end. It does not close the journal.
func (e *Engine) Close() error {
	e.stop(errShutdown)
	e.wg.Wait()
	return nil
}

// poke wakes the scheduler.
func (e *Engine) poke() {
	select {
	case e.wake <- struct{}{}:
	default:
	}
}

// notifyLocked tells waiters that something changed.
func (e *Engine) notifyLocked() {
	close(e.changed)
	e.changed = make(chan struct{})
}

// schedule starts queued jobs while there are free slots.
func (e *Engine) schedule() {
	defer e.wg.Done()
	for {
		select {
		case <-e.ctx.Done():
			return
		case <-e.wake:
		}
		e.mu.Lock()
		files := e.opts.ParallelFiles
		if e.gate != nil {
			// As many files as requests may go: small files are one each.
			files = min(files, e.gate.size())
		}
		for e.active < files && !e.held {
			j := e.popQueuedLocked()
			if j == nil {
				break
			}
			e.startLocked(j)
		}
		e.mu.Unlock()
	}
}

// popQueuedLocked returns the oldest job still queued, dropping stale
// queue entries.
func (e *Engine) popQueuedLocked() *job {
	for len(e.queue) > 0 {
		j := e.queue[0]
		e.queue[0] = nil
		e.queue = e.queue[1:]
		if j.rec.State == StateQueued && j.cancel == nil {
			return j
		}
	}
	return nil
}

func (e *Engine) startLocked(j *job) {
	ctx, cancel := context.WithCancelCause(e.ctx)
	j.cancel, j.wish = cancel, wishNone
	j.pausing = make(chan struct{})
	if j.nudge == nil {
		j.nudge = make(chan struct{}, 1)
	}
	j.eta = -1
	j.restartMeterLocked()
	if e.active == 0 {
		e.restartTotalLocked() // idle time before does not count
	}
	j.rec.State = StateRunning
	j.rec.Attempts++
	if j.rec.Started.IsZero() {
		j.rec.Started = time.Now()
	}
	j.setNote("")
	e.active++
	e.notifyLocked()
	e.wg.Add(1)
	go e.run(ctx, j)
}

// run carries one job to an end and records how it ended.
func (e *Engine) run(ctx context.Context, j *job) {
	defer e.wg.Done()
	e.event(JobStarted, j)
	err := e.transfer(ctx, j)
	cause := context.Cause(ctx)
	if ctx.Err() != nil && err != nil {
		err = cause
	}
	e.finish(j, err)
}

// finish records the outcome of a run.
func (e *Engine) finish(j *job, err error) {
	err = e.lastWish(j, err)
	var f *Failure
	switch {
	case errors.Is(err, errShutdown):
		e.release(j, nil)
		return
	case err == nil:
		e.end(j, StateDone, "", "", nil)
	case errors.Is(err, errPaused):
		e.release(j, func(r *JobRecord) { r.State = StatePaused; r.Paused = true })
		e.persist(j)
	case errors.Is(err, errResumed):
		e.release(j, func(r *JobRecord) {
			r.State, r.Paused, r.WaitingSignIn = StateQueued, false, false
			e.queue = append([]*job{j}, e.queue...)
		})
		e.persist(j)
	case errors.Is(err, errAuthHold):
		e.release(j, func(r *JobRecord) { r.State = StateQueued })
		e.mu.Lock()
		e.queue = append([]*job{j}, e.queue...)
		e.mu.Unlock()
	case errors.Is(err, errCancelled):
		var c cancelled
		e.release(j, func(*JobRecord) { c = e.cancelLocked(j) })
		e.saveCancelled([]cancelled{c})
	case KindOf(err) == KindCredentials && e.opts.OnCredentialsNeeded != nil:
		e.hold(err)
		e.release(j, func(r *JobRecord) { r.State = StateQueued })
		e.mu.Lock()
		e.queue = append([]*job{j}, e.queue...)
		e.mu.Unlock()
	case errors.As(err, &f) && f.skip:
		e.end(j, StateSkipped, CodeOf(f), f.Reason, nil)
	default:
		if errors.Is(err, errChanged) {
			e.discardUpload(j) // its parts hold bytes that are no longer the file's
		}
		err = explain(err, e.bucket)
		errors.As(err, &f)
		e.end(j, StateFailed, CodeOf(err), f.Reason, f.Err)
	}
	e.event(JobEnded, j)
	e.poke()
	e.trimWhenIdle()
}

// lastWish applies what the user asked for last while a run was being
// stopped (by them, by a hold for sign-in, or by Close): a Cancel cancels
// whatever came first, a Pause pauses, a Resume after a Pause runs the job
// again. Runs that ended by themselves keep their outcome.
func (e *Engine) lastWish(j *job, err error) error {
	e.mu.Lock()
	defer e.mu.Unlock()
	w := j.wish
	j.wish = wishNone
	stopped := errors.Is(err, errPaused) || errors.Is(err, errCancelled) ||
		errors.Is(err, errAuthHold) || errors.Is(err, errShutdown)
	if !stopped {
		return err
	}
	switch w {
	case wishPause:
		return errPaused
	case wishResume:
		return errResumed
	case wishCancel:
		return errCancelled
	}
	return err
}

// release marks a job as no longer running, applying change to its record.
func (e *Engine) release(j *job, change func(*JobRecord)) {
	e.mu.Lock()
	defer e.mu.Unlock()
	if j.cancel != nil {
		j.cancel(errRunOver)
	}
	j.cancel = nil
	j.meter = nil // its samples are only for a running job
	e.active--
	if change != nil {
		change(&j.rec)
	}
	e.notifyLocked()
}

// end gives a job a final state, with the reason code and plain reason
// of a failure or skip, and records it.
func (e *Engine) end(j *job, state State, code, reason string, cause error) {
	e.release(j, func(r *JobRecord) {
		r.State = state
		r.Code = code
		if state != StateDone {
			r.Reason = reason // a done job keeps its note (renamed, restarted)
		}
		r.Detail = ""
		if cause != nil {
			r.Detail = cause.Error()
		}
		r.Finished = time.Now()
		if state == StateDone {
			j.done.Store(r.Size)
			j.confirmed.Store(r.Size)
		}
	})
	if state == StateDone || state == StateSkipped {
		// Recorded in the background, so the file's slot is free at once:
		// if the record is lost in a crash, the job runs again, finds its
		// identical object in place, and ends done without sending it.
		// Once recorded, it may leave memory (see retire.go).
		e.wg.Add(1)
		go func() {
			defer e.wg.Done()
			if err := e.save(j); err != nil {
				e.log.Error("record job", "job", j.id, "error", err)
			} else {
				e.recorded(j)
			}
			e.trimWhenIdle() // now that the journal holds it as finished
		}()
		return
	}
	e.persist(j)
}

// persist writes the job's record to the journal; a failure is logged (the
// journal is what lets uploads resume, but losing one write must not lose
// the upload itself).
func (e *Engine) persist(j *job) {
	if err := e.save(j); err != nil {
		e.log.Error("record job", "job", j.id, "error", err)
	}
}

// save writes the job's current record to the journal. The job's writes
// are serialised and each takes the record as it is when the write
// begins, so a slow write of an older state (a failure being recorded
// while the user already pressed Retry) never lands after a newer one.
func (e *Engine) save(j *job) error {
	j.saving.Lock()
	defer j.saving.Unlock()
	return e.journal.UpdateJob(e.record(j))
}

// record returns a copy of the job's record.
func (e *Engine) record(j *job) JobRecord {
	e.mu.Lock()
	defer e.mu.Unlock()
	return j.rec
}

// update changes the job's record under the lock and returns the new copy.
func (e *Engine) update(j *job, change func(*JobRecord)) JobRecord {
	e.mu.Lock()
	defer e.mu.Unlock()
	change(&j.rec)
	e.notifyLocked()
	return j.rec
}

func (e *Engine) event(kind EventKind, j *job) {
	if kind == JobEnded {
		defer e.batchJobEnded(j)
	}
	if e.opts.OnEvent == nil {
		return
	}
	e.mu.Lock()
	snap := e.snapLocked(j)
	e.mu.Unlock()
	e.opts.OnEvent(Event{Kind: kind, Job: snap})
}

// hold pauses all uploads until Release, asking for a new sign-in.
func (e *Engine) hold(err error) {
	e.mu.Lock()
	already := e.held
	e.held = true
	for _, j := range e.jobs {
		if j.cancel != nil {
			j.cancel(errAuthHold)
		}
	}
	e.notifyLocked()
	e.mu.Unlock()
	if !already {
		e.opts.OnCredentialsNeeded(err)
	}
}

// Release ends a hold for sign-in: held uploads continue where they were.
func (e *Engine) Release() {
	e.mu.Lock()
	e.held = false
	e.notifyLocked()
	e.mu.Unlock()
	e.poke()
	e.pokeAborter()
	e.pokeReceipts()
}

// SetParallelism changes how many files upload at once and how many parts
// of each file, while the engine runs; a value of 0 or less keeps the
// current one (with Options.Adaptive the values are upper bounds, and 0 or
// less means automatic, up to MaxConnections). More files start at once; with fewer, running files finish
// and no new one starts until there is room. The number of parts applies
// to files as they start (or resume).
func (e *Engine) SetParallelism(files, parts int) {
	e.mu.Lock()
	if e.gate != nil {
		// Adaptive: the values are upper bounds; 0 leaves it to the link.
		files, parts = cmpAuto(files), cmpAuto(parts)
	}
	if files > 0 {
		e.opts.ParallelFiles = files
	}
	if parts > 0 {
		e.opts.ParallelParts = parts
	}
	var limit int
	if e.ctl != nil {
		e.ctl.SetBounds(1, e.opts.ParallelFiles*e.opts.ParallelParts)
		limit = e.ctl.Limit()
	}
	e.mu.Unlock()
	if e.gate != nil {
		e.gate.setLimit(limit)
	}
	e.poke()
}

// admit waits until the engine lets attempt a's data request into
// flight; the returned func lets it go. Waiting does not count as a stall.
// When stop closes first (a Pause: no new part starts), it fails with an
// error of KindPermanent wrapping errNotStarted, which ends the request's
// retries at once. Without Options.Adaptive it never waits.
func (e *Engine) admit(ctx context.Context, a *attempt, stop <-chan struct{}) (func(), error) {
	if e.gate == nil {
		return func() {}, nil
	}
	a.limited.Add(1)
	err := e.gate.acquire(ctx, stop)
	if errors.Is(err, errNotStarted) {
		err = &StoreError{Kind: KindPermanent, Err: err}
	}
	a.last.Store(time.Now().UnixNano())
	a.limited.Add(-1)
	if err != nil {
		return nil, err
	}
	return e.gate.release, nil
}

// SetSpeedLimit changes the upload speed limit shared by all transfers,
// while they run: rate 0 removes it; sched says when it applies (the zero
// Schedule: always). Waiting for the limit never counts as a stall.
func (e *Engine) SetSpeedLimit(rate Rate, sched Schedule) {
	e.limiter.Set(rate, sched)
}

// SpeedLimit returns the current speed limit and its schedule.
func (e *Engine) SpeedLimit() (Rate, Schedule) { return e.limiter.Limit() }

// parallelParts is how many parts of a file starting now go at once.
func (e *Engine) parallelParts() int {
	e.mu.Lock()
	defer e.mu.Unlock()
	return e.opts.ParallelParts
}

// Held reports whether uploads are waiting for a new sign-in.
func (e *Engine) Held() bool {
	e.mu.Lock()
	defer e.mu.Unlock()
	return e.held
}

// cmpAuto maps an automatic (0 or less) parallelism bound to MaxConnections.
func cmpAuto(n int) int {
	if n <= 0 {
		return MaxConnections
	}
	return n
}
