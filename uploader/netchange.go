package uploader

import (
	"context"
	"errors"
	"net"
	"slices"
	"sync"
	"time"
)

// errNetworkChanged cancels the requests in flight when the machine woke
// up or its network changed: their connections are most likely dead.
var errNetworkChanged = errors.New("the network changed")

// ConnectionResetter is implemented by stores that can drop every open
// connection at once (a wake from sleep leaves them dead, and a dead idle
// connection would hang the next request until a timeout).
type ConnectionResetter interface {
	ResetConnections()
}

// liveAttempts are the requests in flight, so that a network change can
// cancel them. Safe for concurrent use.
type liveAttempts struct {
	mu   sync.Mutex
	live map[*attempt]context.CancelCauseFunc
	wake chan struct{} // closed and replaced by every network change
}

func (l *liveAttempts) add(a *attempt, cancel context.CancelCauseFunc) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.live == nil {
		l.live = map[*attempt]context.CancelCauseFunc{}
	}
	l.live[a] = cancel
}

func (l *liveAttempts) remove(a *attempt) {
	l.mu.Lock()
	defer l.mu.Unlock()
	delete(l.live, a)
}

// changed returns a channel closed at the next network change.
func (l *liveAttempts) changed() <-chan struct{} {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.wake == nil {
		l.wake = make(chan struct{})
	}
	return l.wake
}

// cancelAll cancels every request in flight and wakes retries waiting.
func (l *liveAttempts) cancelAll() int {
	l.mu.Lock()
	defer l.mu.Unlock()
	for _, cancel := range l.live {
		cancel(errNetworkChanged)
	}
	if l.wake != nil {
		close(l.wake)
	}
	l.wake = make(chan struct{})
	return len(l.live)
}

// NetworkChanged tells the engine the machine woke from sleep or its
// network changed: open connections are dropped, requests in flight start
// again at once (what they sent is not lost: parts already stored stay
// stored), retries waiting go now, and the parallelism is measured afresh.
// Safe to call from any goroutine.
func (e *Engine) NetworkChanged(reason string) {
	if r, ok := e.store.(ConnectionResetter); ok {
		r.ResetConnections()
	}
	n := e.attempts.cancelAll()
	e.log.Info("network changed: reconnecting", "reason", reason, "requests", n)
	if e.gate != nil {
		e.Reprobe()
	}
}

// NetWatch notices that the machine woke from sleep (the wall clock jumped
// ahead of the monotonic clock, which stops while the machine sleeps) or
// that its network changed (another set of local addresses), and calls
// OnChange. Zero fields take defaults; the clocks and addresses can be
// replaced for tests.
type NetWatch struct {
	// Interval between checks (default 2 s).
	Interval time.Duration
	// Jump is how far the wall clock may run ahead of the monotonic clock
	// between two checks before it counts as a sleep (default 5 s).
	Jump time.Duration
	// Wall returns the wall-clock time (default: time.Now without its
	// monotonic reading).
	Wall func() time.Time
	// Mono returns a monotonic reading (default: time since the watch
	// started, from time.Now's monotonic clock).
	Mono func() time.Duration
	// Addrs returns the machine's network addresses (default: the
	// non-loopback addresses of net.InterfaceAddrs).
	Addrs func() ([]string, error)
	// OnChange is called on the watch's goroutine with the reason.
	OnChange func(reason string)
}

// Run checks until ctx ends.
func (w NetWatch) Run(ctx context.Context) {
	if w.Interval <= 0 {
		w.Interval = 2 * time.Second
	}
	if w.Jump <= 0 {
		w.Jump = 5 * time.Second
	}
	if w.Wall == nil {
		w.Wall = func() time.Time { return time.Now().Round(0) }
	}
	if w.Mono == nil {
		start := time.Now()
		w.Mono = func() time.Duration { return time.Since(start) }
	}
	if w.Addrs == nil {
		w.Addrs = localAddrs
	}
	tick := time.NewTicker(w.Interval)
	defer tick.Stop()
	wall, mono := w.Wall(), w.Mono()
	addrs, _ := w.Addrs()
	for {
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
		}
		nowWall, nowMono := w.Wall(), w.Mono()
		slept := nowWall.Sub(wall) - (nowMono - mono)
		// The process itself may have been frozen too (a suspended VM, a
		// stopped process): a check far later than planned also counts.
		late := nowMono - mono - w.Interval
		wall, mono = nowWall, nowMono
		now, err := w.Addrs()
		changed := err == nil && addrs != nil && !slices.Equal(now, addrs)
		if err == nil {
			addrs = now
		}
		switch {
		case slept > w.Jump || late > w.Jump:
			w.OnChange("woke from sleep")
		case changed:
			w.OnChange("network addresses changed")
		}
	}
}

// localAddrs returns the machine's non-loopback addresses, sorted.
func localAddrs() ([]string, error) {
	as, err := net.InterfaceAddrs()
	if err != nil {
		return nil, err
	}
	out := []string{}
	for _, a := range as {
		if ipn, ok := a.(*net.IPNet); ok && ipn.IP.IsLoopback() {
			continue
		}
		out = append(out, a.String())
	}
	slices.Sort(out)
	return out, nil
}

// Sending reports whether any upload is running now (not paused, done,
// failed or waiting for a new sign-in): while it is, the computer should
// stay awake.
func (e *Engine) Sending() bool {
	e.mu.Lock()
	defer e.mu.Unlock()
	return e.active > 0 && !e.held
}
