package uploader

import (
	"context"
	"errors"
	"io"
	"sync"
	"sync/atomic"
	"time"
)

// JobSnapshot is a copy of one job's state at one moment. Observers may
// keep it; it never changes.
type JobSnapshot struct {
	JobRecord
	// Done is how many bytes have been sent (never more than Size): those
	// the store confirmed and those still in flight.
	Done int64
	// Confirmed is how many of them the store acknowledged (finished parts,
	// also those found after a restart): what a pause or a crash keeps.
	// Confirmed <= Done.
	Confirmed int64
	// Pausing is set while a Pause lets the parts on their way finish.
	Pausing bool
	// RetryAt is when the next try of a failed request starts (zero when
	// not waiting to retry); see Engine.TryNow.
	RetryAt time.Time
	// LastError is the last error a request of this run met, for support
	// ("" when none).
	LastError string
	// Speed is bytes per second, averaged over the last few seconds.
	Speed float64
	// ETA is the expected time left; negative when unknown.
	ETA time.Duration
	// Note is a transient status in plain words, such as "Waiting for the
	// network"; empty when there is nothing to add to State.
	Note string
}

// Name is the file name shown to people: the last element of Rel.
func (s JobSnapshot) Name() string { return baseName(s.Rel) }

// Fraction is Done/Size in [0, 1]; an empty file counts as done when done.
func (s JobSnapshot) Fraction() float64 { return fraction(s.Done, s.Size, s.State == StateDone) }

// ConfirmedFraction is Confirmed/Size in [0, 1].
func (s JobSnapshot) ConfirmedFraction() float64 {
	return fraction(s.Confirmed, s.Size, s.State == StateDone)
}

// Totals sums the jobs of this session. A cancelled job counts only with
// what it had sent (as if it were a file of that size, done), so that
// cancelling one file never makes the overall progress run backwards.
type Totals struct {
	Files, FilesDone, FilesFailed, FilesActive int
	Bytes, BytesDone                           int64
	// BytesConfirmed is the part of BytesDone the store acknowledged.
	BytesConfirmed int64
	Speed          float64
	// ETA is the expected time left, never less than that of the running
	// file with the most time left; negative when unknown.
	ETA time.Duration
}

// Fraction is BytesDone/Bytes in [0, 1].
func (t Totals) Fraction() float64 {
	return fraction(t.BytesDone, t.Bytes, t.Files > 0 && t.FilesDone == t.Files)
}

// Snapshot is the state of every job of this session, in the order they
// were queued, and their totals.
type Snapshot struct {
	Jobs   []JobSnapshot
	Totals Totals
	// Held is true while uploads wait for a new sign-in.
	Held bool
	// Retired is how many done or skipped jobs of this session are no
	// longer listed in Jobs (a session keeps only the newest 1,000 of them
	// whole; their records are in history); Totals counts them.
	Retired int
}

func fraction(done, size int64, finished bool) float64 {
	if size <= 0 {
		if finished {
			return 1
		}
		return 0
	}
	f := float64(done) / float64(size)
	return min(max(f, 0), 1)
}

func baseName(rel string) string {
	for i := len(rel) - 1; i >= 0; i-- {
		if rel[i] == '/' {
			return rel[i+1:]
		}
	}
	return rel
}

// meter keeps recent (time, bytes) samples and turns them into a speed.
type meter struct {
	samples [24]sample // 6 s at the sampler's 4 a second: more than window
	n, next int
}

type sample struct {
	at    time.Time
	bytes int64
}

const (
	// window is how far back the moving average looks.
	window = 5 * time.Second
	// minSpan is how long the samples must cover before there is a speed:
	// in a run's first moments the figure mostly measures how fast the
	// network stack's buffers fill, megabytes ahead of the wire.
	minSpan = 2 * time.Second
)

// restartMeterLocked starts the job's speed afresh from its progress now:
// a burst of bytes taken by the network stack in a run's first moments
// counts, samples of an earlier run and jumps of progress (parts found
// already sent) do not. Called with Engine.mu held.
func (j *job) restartMeterLocked() {
	j.meter = &meter{}
	j.meter.add(time.Now(), j.done.Load())
}

// restartTotalLocked starts the overall speed afresh from the bytes sent
// so far. Called with Engine.mu held.
func (e *Engine) restartTotalLocked() {
	total := e.retiredBytes
	for _, j := range e.order {
		if !j.retired {
			total += j.done.Load()
		}
	}
	e.total = meter{}
	e.total.add(time.Now(), total)
}

// add records a sample; on a nil meter (a job not running) it does
// nothing.
func (m *meter) add(at time.Time, bytes int64) {
	if m == nil {
		return
	}
	m.samples[m.next] = sample{at, bytes}
	m.next = (m.next + 1) % len(m.samples)
	m.n = min(m.n+1, len(m.samples))
}

// speed returns bytes per second between the oldest sample within the
// window and the newest one; 0 when it cannot tell yet (less than minSpan
// of samples).
func (m *meter) speed() float64 {
	if m == nil || m.n < 2 {
		return 0
	}
	newest := m.samples[(m.next-1+len(m.samples))%len(m.samples)]
	oldest := newest
	for i := 1; i < m.n; i++ {
		s := m.samples[(m.next-1-i+2*len(m.samples))%len(m.samples)]
		if newest.at.Sub(s.at) > window {
			break
		}
		oldest = s
	}
	span := newest.at.Sub(oldest.at)
	if span < minSpan {
		return 0
	}
	return max(float64(newest.bytes-oldest.bytes)/span.Seconds(), 0)
}

func eta(remaining int64, speed float64) time.Duration {
	if speed <= 0 || remaining < 0 {
		return -1
	}
	return time.Duration(float64(remaining) / speed * float64(time.Second))
}

// trackedReader counts bytes read from a part's body into the job's
// progress and the attempt's activity clock. Seeking back (the HTTP client
// does so before re-sending) takes the counted bytes back out. It keeps the
// first read error that is not EOF, so the engine can tell a file that
// could not be read from a network failure. The HTTP transport may read
// from it on its own goroutine, even after the request returned; once the
// attempt is over, reads fail and count nothing.
type trackedReader struct {
	r       io.ReadSeeker
	a       *attempt
	mu      sync.Mutex
	counted int64
	over    bool
	readErr error
}

var errAttemptOver = errors.New("request attempt is over")

func (t *trackedReader) Read(p []byte) (int, error) {
	if l := t.a.limiter; l != nil && len(p) > 0 {
		// Wait for the speed limit before taking the lock, so the end of
		// the attempt never waits for a slot.
		p = p[:l.chunk(len(p))]
		if err := t.a.waitLimit(len(p)); err != nil {
			return 0, err
		}
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.over {
		return 0, errAttemptOver
	}
	n, err := t.r.Read(p)
	if n > 0 {
		t.counted += int64(n)
		t.a.moved(int64(n))
	}
	if err != nil && !errors.Is(err, io.EOF) && t.readErr == nil {
		t.readErr = err
	}
	return n, err
}

func (t *trackedReader) Seek(offset int64, whence int) (int64, error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.over {
		return 0, errAttemptOver
	}
	pos, err := t.r.Seek(offset, whence)
	if err == nil && pos == 0 {
		t.a.moved(-t.counted)
		t.counted = 0
	}
	return pos, err
}

// end closes the reader; with keep false its bytes leave the progress.
func (t *trackedReader) end(keep bool) error {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.over = true
	if !keep {
		t.a.job.done.Add(-t.counted)
	}
	t.counted = 0
	return t.readErr
}

// attempt is one try of one request: its activity clock (for the stall
// detector) and the bytes it added to the job's progress.
type attempt struct {
	job     *job
	last    atomic.Int64 // unix nanos of the last byte moved
	readers []*trackedReader
	// ctx is the attempt's context (set before the request starts).
	ctx context.Context
	// limiter is the engine's speed limit (nil: none).
	limiter *Limiter
	// stats counts the bytes moved for the engine's controller (nil: none).
	stats *linkStats
	// limited counts reads waiting for the speed limit: the stall detector
	// leaves the attempt alone meanwhile.
	limited atomic.Int32
}

// waitLimit waits until the speed limit lets n more bytes go.
func (a *attempt) waitLimit(n int) error {
	ctx := a.ctx
	if ctx == nil {
		ctx = context.Background()
	}
	a.limited.Add(1)
	defer func() {
		a.last.Store(time.Now().UnixNano())
		a.limited.Add(-1)
	}()
	return a.limiter.wait(ctx, n)
}

func newAttempt(j *job) *attempt {
	a := &attempt{job: j}
	a.last.Store(time.Now().UnixNano())
	return a
}

func (a *attempt) moved(n int64) {
	a.job.done.Add(n)
	if a.stats != nil {
		a.stats.wire.Add(n)
	}
	a.last.Store(time.Now().UnixNano())
	if n > 0 {
		// Bytes move again: a note about trouble is out of date.
		if p := a.job.note.Load(); p != nil && *p != "" {
			a.job.note.Store(nil)
		}
	}
}

// track wraps a part's body. Call it once per attempt with a fresh reader.
func (a *attempt) track(r io.ReadSeeker) io.ReadSeeker {
	t := &trackedReader{r: r, a: a}
	a.readers = append(a.readers, t)
	return t
}

// end finishes the attempt: its bytes stay in the job's progress when it
// succeeded and leave it otherwise. It returns the first error met reading
// the source, if any.
func (a *attempt) end(ok bool) error {
	var readErr error
	for _, t := range a.readers {
		if err := t.end(ok); err != nil && readErr == nil {
			readErr = err
		}
	}
	return readErr
}

// answered records, for the controller, how long the store took to answer
// after the request's last byte was read.
func (a *attempt) answered() {
	if a.stats != nil {
		a.stats.addLatency(time.Since(time.Unix(0, a.last.Load())))
	}
}
