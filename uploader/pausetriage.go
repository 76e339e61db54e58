package uploader

import (
	"cmp"
	"context"
	"errors"
	"io"
	"slices"
	"sync"
	"sync/atomic"
	"time"
)

// errStoppedForPause ends a part that a Pause stopped at once, so that the
// parts nearer their end get the link to themselves and finish within the
// grace period.
var errStoppedForPause = errors.New("stopped by a pause: it could not finish in time")

// pauseBudgetShare is the part of (speed × grace) a Pause counts on for the
// parts it lets finish: the rest is a margin for a speed measured high
// (bytes taken by socket buffers count as sent; measured 18 % over the
// link's rate through the window test's slowed link) and for the store's
// answer.
const pauseBudgetShare = 0.5

// inFlight tracks one run's parts on their way, for a Pause to choose
// which of them can finish in time.
type inFlight struct {
	mu    sync.Mutex
	parts map[int32]*flightPart
}

type flightPart struct {
	length int64
	sent   atomic.Int64 // bytes of the current attempt read by the request
	stop   context.CancelCauseFunc
}

func newInFlight() *inFlight { return &inFlight{parts: map[int32]*flightPart{}} }

// add registers part n of length bytes whose request runs under a context
// that stop cancels; the returned part counts what the request read.
func (f *inFlight) add(n int32, length int64, stop context.CancelCauseFunc) *flightPart {
	p := &flightPart{length: length, stop: stop}
	f.mu.Lock()
	f.parts[n] = p
	f.mu.Unlock()
	return p
}

func (f *inFlight) remove(n int32) {
	f.mu.Lock()
	delete(f.parts, n)
	f.mu.Unlock()
}

// triage keeps the parts that can finish within grace at speed (bytes a
// second, the whole job's) if they have the link to themselves — those
// nearest their end first — and stops the others at once. With no speed
// measured yet it stops nothing: the grace period then bounds the wait as
// before.
// It returns how many parts it kept and stopped.
func (f *inFlight) triage(speed float64, grace time.Duration) (kept, stopped int) {
	f.mu.Lock()
	parts := make([]*flightPart, 0, len(f.parts))
	for _, p := range f.parts {
		parts = append(parts, p)
	}
	f.mu.Unlock()
	if speed <= 0 || grace <= 0 {
		return len(parts), 0
	}
	remaining := func(p *flightPart) int64 { return max(p.length-p.sent.Load(), 0) }
	slices.SortFunc(parts, func(a, b *flightPart) int { return cmp.Compare(remaining(a), remaining(b)) })
	rest := make([]int64, len(parts))
	for i, p := range parts {
		rest[i] = remaining(p)
	}
	keep := partsToKeep(rest, speed*grace.Seconds()*pauseBudgetShare)
	for _, p := range parts[keep:] {
		p.stop(errStoppedForPause)
	}
	return keep, len(parts) - keep
}

// partsToKeep returns how many of the parts, sorted by the bytes each has
// left (ascending), can finish one after another within budget bytes.
func partsToKeep(remaining []int64, budget float64) int {
	var sum float64
	for i, r := range remaining {
		sum += float64(r)
		if sum > budget {
			return i
		}
	}
	return len(remaining)
}

// countedSection is a part's body that counts what the request read into
// its flightPart: a Seek (a retry from the start) sets the count back.
type countedSection struct {
	r    *io.SectionReader
	part *flightPart
}

func (c countedSection) Read(b []byte) (int, error) {
	n, err := c.r.Read(b)
	c.part.sent.Add(int64(n))
	return n, err
}

func (c countedSection) Seek(offset int64, whence int) (int64, error) {
	pos, err := c.r.Seek(offset, whence)
	if err == nil {
		c.part.sent.Store(pos)
	}
	return pos, err
}
