package faultproxy

import (
	"sync"
	"time"
)

// Link describes an emulated wide-area link. The kernels Hoist is tested
// on have no netem qdisc, so the proxy emulates the link in user space:
// bytes are paced by rate before they are forwarded, then held back for
// the one-way delay. Zero values mean "no limit" and "no delay".
type Link struct {
	// Up and Down are the bytes per second the link carries client → target
	// and target → client, shared by all connections together (one uplink).
	Up, Down int64
	// Delay is the one-way delay of each direction: the round trip time is
	// twice Delay.
	Delay time.Duration
	// PerConn caps what one connection carries each way, in bytes per
	// second: what TCP's window and loss allow a single stream on a long
	// lossy path (Mathis: MSS / (RTT·√loss)), while the link as a whole can
	// carry more over parallel streams.
	PerConn int64
}

// SetLink sets the emulated link. The shared rates apply at once to every
// connection, open or new; Delay and PerConn are fixed when a connection is
// accepted and apply to new connections.
func (p *Proxy) SetLink(l Link) {
	p.mu.Lock()
	p.link = l
	p.mu.Unlock()
	p.upRate.setRate(l.Up)
	p.downRate.setRate(l.Down)
}

// Freeze freezes every connection open now, for good: nothing more moves
// on them either way, and they stay open until [Proxy.Down] or
// [Proxy.Close], like connections that died silently while a laptop slept
// or its network changed. New connections are forwarded as usual.
func (p *Proxy) Freeze() {
	p.mu.Lock()
	defer p.mu.Unlock()
	for c := range p.live {
		c.frozen.Store(true)
	}
}

// minSleep is the shortest wait the pacers sleep for; shorter ones are
// carried as debt on the timeline, so the long-run rate stays exact
// without a timer per small chunk.
const minSleep = 500 * time.Microsecond

// queueLen is how many chunks one direction of a connection holds in
// flight on a delayed link (up to queueLen × bufSize bytes): more than the
// bandwidth-delay product of any link the benchmarks emulate.
const queueLen = 1024

// pacer spreads bytes over time at a rate: each reservation takes the
// next slot of n/rate seconds on a timeline shared by its callers. Idle
// time is not saved up, so there are no bursts beyond one chunk.
type pacer struct {
	mu   sync.Mutex
	rate float64 // bytes per second; 0: unlimited
	next time.Time
}

func (p *pacer) setRate(bytesPerSecond int64) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.rate = float64(max(bytesPerSecond, 0))
}

func (p *pacer) limited() bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.rate > 0
}

// take reserves n bytes at now and returns when they have passed: the end
// of their slot. Unlimited, that is now.
func (p *pacer) take(now time.Time, n int) time.Time {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.rate <= 0 {
		return now
	}
	if p.next.Before(now) {
		p.next = now
	}
	p.next = p.next.Add(time.Duration(float64(n) / p.rate * float64(time.Second)))
	return p.next
}

// sleepUntil waits until t; it reports false when the connection was
// killed meanwhile.
func (c *conn) sleepUntil(t time.Time) bool {
	d := time.Until(t)
	if d < minSleep {
		return c.ctx.Err() == nil
	}
	timer := time.NewTimer(d)
	defer timer.Stop()
	select {
	case <-timer.C:
		return true
	case <-c.ctx.Done():
		return false
	}
}

// delayQueue holds one direction's chunks for the link's one-way delay and
// forwards each when it is due, in order, on its own goroutine.
type delayQueue struct {
	c    *conn
	ch   chan delayed
	done chan struct{}
}

// delayed is a chunk in flight, or (last) the end of the stream.
type delayed struct {
	data []byte
	due  time.Time
	last bool
	err  error
}

func newDelayQueue(c *conn, forward func([]byte) bool, end func(error)) *delayQueue {
	q := &delayQueue{c: c, ch: make(chan delayed, queueLen), done: make(chan struct{})}
	go func() {
		defer close(q.done)
		for d := range q.ch {
			if !c.sleepUntil(d.due) {
				return
			}
			if d.last {
				end(d.err)
				return
			}
			if !forward(d.data) {
				return
			}
		}
	}()
	return q
}

// push queues a copy of chunk, due at due; it reports false when the
// connection was killed.
func (q *delayQueue) push(chunk []byte, due time.Time) bool {
	select {
	case q.ch <- delayed{data: append([]byte(nil), chunk...), due: due}:
		return true
	case <-q.c.ctx.Done():
		return false
	}
}

// end queues the end of the stream (the read error that ended it).
func (q *delayQueue) end(err error, due time.Time) {
	select {
	case q.ch <- delayed{last: true, err: err, due: due}:
	case <-q.c.ctx.Done():
	}
}

// close stops taking chunks and waits until the queue's goroutine is done:
// everything queued was forwarded, or the connection was killed.
func (q *delayQueue) close() {
	close(q.ch)
	<-q.done
}
