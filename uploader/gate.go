package uploader

import (
	"context"
	"errors"
	"sort"
	"sync"
	"sync/atomic"
	"time"
)

// adaptInterval is how often the engine feeds its controller a sample.
const adaptInterval = time.Second

// gate is a semaphore whose size can change: the requests (parts and small
// files) the engine lets into flight at once. Safe for concurrent use.
type gate struct {
	mu      sync.Mutex
	limit   int
	inUse   int
	waiting int
	peak    int           // most requests in flight or waiting since the last takePeak
	changed chan struct{} // closed and replaced when a slot frees or the limit grows
}

func newGate(limit int) *gate {
	return &gate{limit: max(limit, 1), changed: make(chan struct{})}
}

// errNotStarted means a request gave up waiting for a slot because its
// job is pausing: it never started, so nothing of it was sent.
var errNotStarted = errors.New("not started: pausing")

// acquire waits for a slot, or until ctx ends or stop is closed (nil: never).
func (g *gate) acquire(ctx context.Context, stop <-chan struct{}) error {
	g.mu.Lock()
	g.waiting++
	g.peak = max(g.peak, g.inUse+g.waiting)
	for g.inUse >= g.limit {
		ch := g.changed
		g.mu.Unlock()
		var err error
		select {
		case <-ch:
		case <-ctx.Done():
			err = context.Cause(ctx)
		case <-stop:
			err = errNotStarted
		}
		g.mu.Lock()
		if err != nil {
			g.waiting--
			g.mu.Unlock()
			return err
		}
	}
	g.waiting--
	g.inUse++
	g.mu.Unlock()
	return nil
}

// release frees a slot taken by acquire.
func (g *gate) release() {
	g.mu.Lock()
	g.inUse--
	g.wakeLocked()
	g.mu.Unlock()
}

func (g *gate) wakeLocked() {
	close(g.changed)
	g.changed = make(chan struct{})
}

// setLimit changes the number of slots; requests in flight above a lower
// limit finish, and no new one starts until there is room.
func (g *gate) setLimit(n int) {
	g.mu.Lock()
	defer g.mu.Unlock()
	if n = max(n, 1); n != g.limit {
		g.limit = n
		g.wakeLocked()
	}
}

func (g *gate) size() int {
	g.mu.Lock()
	defer g.mu.Unlock()
	return g.limit
}

// takePeak returns the most requests that were in flight or waiting since
// the last call (at least those in flight now).
func (g *gate) takePeak() int {
	g.mu.Lock()
	defer g.mu.Unlock()
	p := max(g.peak, g.inUse+g.waiting)
	g.peak = g.inUse + g.waiting
	return p
}

// linkStats gathers what the controller learns from the requests of one
// interval. Safe for concurrent use.
type linkStats struct {
	wire      atomic.Int64 // bytes of files read into requests, ever
	throttled atomic.Int64 // answers asking to slow down, ever

	mu        sync.Mutex
	latencies []time.Duration // of data requests ended since the last take
	// perStream and latency are the last estimates, for choosing part sizes.
	perStream float64
	latency   time.Duration
}

func (s *linkStats) addLatency(d time.Duration) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if len(s.latencies) < 4096 {
		s.latencies = append(s.latencies, d)
	}
}

// takeLatency returns the median latency of the requests that ended since
// the last call (0: none).
func (s *linkStats) takeLatency() time.Duration {
	s.mu.Lock()
	defer s.mu.Unlock()
	l := s.latencies
	s.latencies = s.latencies[:0]
	if len(l) == 0 {
		return 0
	}
	sort.Slice(l, func(a, b int) bool { return l[a] < l[b] })
	return l[len(l)/2]
}

// estimate returns the last per-stream goodput (bytes/s) and latency seen.
func (s *linkStats) estimate() (perStream float64, latency time.Duration) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.perStream, s.latency
}

func (s *linkStats) setEstimate(perStream float64, latency time.Duration) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if perStream > 0 {
		s.perStream = perStream
	}
	if latency > 0 {
		s.latency = latency
	}
}

// throttleCodes are the error codes with which stores ask a client to send
// fewer requests.
var throttleCodes = map[string]bool{
	"SlowDown": true, "Throttling": true, "ThrottlingException": true,
	"RequestLimitExceeded": true, "TooManyRequests": true, "ServiceUnavailable": true,
}

func isThrottle(err error) bool {
	var se *StoreError
	return errors.As(err, &se) && throttleCodes[se.Code]
}

// adapt feeds the controller a sample every interval and applies its limit
// to the gate, while the engine runs.
func (e *Engine) adapt() {
	defer e.wg.Done()
	tick := time.NewTicker(adaptInterval)
	defer tick.Stop()
	last := time.Now()
	lastWire, lastThrottled := e.stats.wire.Load(), e.stats.throttled.Load()
	samples := 0
	e.log.Info("parallelism", "limit", e.gate.size(), "start", true)
	for {
		select {
		case <-e.ctx.Done():
			return
		case now := <-tick.C:
			wire, throttled := e.stats.wire.Load(), e.stats.throttled.Load()
			s := ControlSample{
				Interval:  now.Sub(last),
				Bytes:     wire - lastWire,
				Busy:      e.gate.takePeak(),
				Throttled: int(throttled - lastThrottled),
				Latency:   e.stats.takeLatency(),
			}
			last, lastWire, lastThrottled = now, wire, throttled
			if s.Bytes == 0 && s.Busy == 0 {
				continue // idle: nothing to learn
			}
			e.mu.Lock()
			before := e.ctl.Limit()
			limit := e.ctl.Observe(s)
			e.mu.Unlock()
			if s.Bytes > 0 {
				e.stats.setEstimate(streamRate(s, limit), s.Latency)
			}
			e.gate.setLimit(limit)
			if limit != before {
				e.poke() // more files may start
			}
			// Logged when it changes, and now and then while steady: the
			// log shows how the controller converged, for support and the
			// benchmark, without a line a second.
			if samples++; limit != before || samples%30 == 1 {
				e.log.Info("parallelism", "limit", limit, "busy", s.Busy,
					"goodput_bps", int64(float64(s.Bytes)/s.Interval.Seconds()),
					"latency_ms", s.Latency.Milliseconds(), "throttled", s.Throttled)
			}
		}
	}
}

// Reprobe makes the engine forget what it learned about the link and
// measure it afresh, starting from a few requests: after a wake from sleep
// or a change of network.
func (e *Engine) Reprobe() {
	e.mu.Lock()
	e.ctl.Reprobe()
	limit := e.ctl.Limit()
	e.mu.Unlock()
	e.gate.setLimit(limit)
	e.log.Info("parallelism", "limit", limit, "reprobe", true)
	e.poke()
}

// Parallelism returns how many requests the engine lets into flight now.
func (e *Engine) Parallelism() int { return e.gate.size() }

// partTime is the longest one part should take at the measured rate of
// one stream. A pause (after its grace) or a dropped connection throws
// away the parts on their way, so on a slow link parts stay small and
// little is lost; on a fast link the bound is far above the other rules.
const partTime = 15 * time.Second

// autoPartSize is the part size for a new upload of fileSize bytes when
// none is configured, from the link as last measured (see partSizeFor).
func (e *Engine) autoPartSize(fileSize int64) (int64, error) {
	perStream, latency := e.stats.estimate()
	return partSizeFor(fileSize, perStream, latency)
}

// partSizeFor is the part size for a file of fileSize bytes over a link
// whose streams each carry perStream bytes/s with the given response
// latency (0: not measured yet): about 128 parts, so that up to
// MaxConnections go at once with room to spare, but at least S3's 5 MiB
// and at most 64 MiB; once the link has been measured, big enough that a
// part keeps one stream busy for 20 response latencies (the request
// overhead then costs under 5 %), yet small enough to be sent in partTime
// at perStream. S3's rules win over both: never under 5 MiB, never more
// than MaxParts parts. Whole MiB.
func partSizeFor(fileSize int64, perStream float64, latency time.Duration) (int64, error) {
	size := min(max(ceilDiv(fileSize, 128), MinPartSize), 64*MiB)
	if perStream > 0 && latency > 0 {
		size = max(size, min(int64(20*perStream*latency.Seconds()), 512*MiB))
	}
	size = ceilDiv(size, MiB) * MiB
	if perStream > 0 {
		size = min(size, int64(perStream*partTime.Seconds())/MiB*MiB)
	}
	return PartSize(fileSize, size)
}

// streamRate is the goodput of one stream in sample s (bytes/s), with the
// controller's limit: the bytes over the requests that were in flight, no
// more than the limit let in. 0 when nothing moved.
func streamRate(s ControlSample, limit int) float64 {
	if s.Bytes <= 0 || s.Interval <= 0 {
		return 0
	}
	n := max(min(s.Busy, limit), 1)
	return float64(s.Bytes) / s.Interval.Seconds() / float64(n)
}
