package uploader

import (
	"math"
	"testing"
	"time"
)

// simLink is a made-up link for the controller: a shared rate, a cap per
// stream (what TCP allows one stream on a long lossy path), a round trip,
// a queue that grows once the streams want more than the link carries,
// and a server that throttles above a number of requests.
type simLink struct {
	rate      float64 // bytes/s, all streams together
	perStream float64 // bytes/s of one stream; 0: no cap
	rtt       time.Duration
	throttle  int // more requests than this get 503 SlowDown; 0: never
	last      int // requests in the previous interval (-1: no burst modelled)
}

// sample is what one second at n requests in flight looks like.
func (l simLink) sample(n int) ControlSample {
	want := math.Inf(1)
	if l.perStream > 0 {
		want = float64(n) * l.perStream
	}
	got := math.Min(want, l.rate)
	lat := l.rtt
	if want > l.rate {
		// Each stream keeps ~192 KiB queued once the link is full.
		lat += time.Duration(float64(n) * (192 << 10) / l.rate * float64(time.Second))
	}
	s := ControlSample{Interval: time.Second, Bytes: int64(got), Busy: n, Latency: lat}
	if l.last >= 0 && n > l.last {
		// New requests fill their sockets' buffers at once: it reads as
		// goodput for one interval, though the link carries no more.
		s.Bytes += int64(n-l.last) * (192 << 10)
	}
	if l.throttle > 0 && n > l.throttle {
		s.Throttled = 1
	}
	return s
}

// run feeds the controller steps samples of link and returns the limits
// it chose.
func run(c *Controller, link simLink, steps int) []int {
	out := make([]int, steps)
	link.last = c.Limit()
	for i := range out {
		n := c.Limit()
		out[i] = c.Observe(link.sample(n))
		link.last = n
	}
	return out
}

const mbit = 1e6 / 8

// The controller finds the knee of links unlike each other and stays
// there: the goodput it settles at is near what the link carries, with
// no more streams than needed (within the step of its probes).
func TestControllerConverges(t *testing.T) {
	cases := []struct {
		name        string
		link        simLink
		minShare    float64 // of the link's rate, once settled
		maxRequests int
		within      int // intervals to settle
	}{
		{"long lossy path: 200 Mbit/s, 4 Mbit/s a stream", simLink{rate: 200 * mbit, perStream: 4 * mbit, rtt: 100 * time.Millisecond}, 0.90, 64, 60},
		{"office line: 400 Mbit/s, 40 Mbit/s a stream", simLink{rate: 400 * mbit, perStream: 40 * mbit, rtt: 150 * time.Millisecond}, 0.90, 20, 40},
		// The burst of buffered bytes when requests start must not pass
		// for goodput: one stream fills this link, so the controller stays
		// at its start and sheds from there.
		{"home uplink: 50 Mbit/s, any stream fills it", simLink{rate: 50 * mbit, rtt: 40 * time.Millisecond}, 0.99, startLimit, 8},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			c := NewController(1, MaxConnections)
			limits := run(c, tc.link, tc.within+60)
			var sum float64
			for i, n := range limits[tc.within:] {
				share := float64(tc.link.sample(n).Bytes) / tc.link.rate
				sum += share
				// A probe may cost an interval a little; never much.
				if share < tc.minShare-0.15 || n > tc.maxRequests {
					t.Fatalf("interval %d: %d requests give %.2f of the link; want ≥ %.2f with ≤ %d requests (limits %v)",
						tc.within+i, n, share, tc.minShare-0.15, tc.maxRequests, limits)
				}
			}
			if avg := sum / 60; avg < tc.minShare {
				t.Fatalf("settled at %.2f of the link on average, want ≥ %.2f (limits %v)", avg, tc.minShare, limits)
			}
		})
	}
}

// Throttling halves the limit at once and keeps it down for a while; then
// the controller probes again, and stays under the server's threshold.
func TestControllerBacksOffOnThrottling(t *testing.T) {
	link := simLink{rate: 1000 * mbit, perStream: 10 * mbit, rtt: 20 * time.Millisecond, throttle: 24}
	c := NewController(1, MaxConnections)
	limits := run(c, link, 200)
	throttled := 0
	for i, n := range limits {
		if n > link.throttle {
			throttled++
			if i+1 < len(limits) && limits[i+1] > n/2 {
				t.Fatalf("interval %d: throttled at %d requests, next limit %d; want at most half", i, n, limits[i+1])
			}
		}
	}
	// Probing above the threshold now and then is how the controller
	// learns the server changed; it must be rare.
	if throttled > 200/backoffHold {
		t.Fatalf("throttled in %d of 200 intervals (limits %v)", throttled, limits)
	}
	if last := limits[len(limits)-1]; last > link.throttle || last < link.throttle/2 {
		t.Fatalf("settled at %d requests; the server throttles above %d", last, link.throttle)
	}
}

// Latency inflation at a level that gives no more goodput steps down: the
// controller does not keep a queue standing on the link.
func TestControllerStepsDownOnLatencyInflation(t *testing.T) {
	c := NewController(1, MaxConnections)
	c.phase, c.limit, c.bestLimit, c.settle = phaseSteady, 40, 40, false
	c.baseLat = 50 * time.Millisecond
	got := c.Observe(ControlSample{Interval: time.Second, Bytes: 10 << 20, Busy: 40, Latency: 400 * time.Millisecond})
	if got != 30 {
		t.Fatalf("inflated latency at 40 requests: limit %d, want 30", got)
	}
}

// A network change (here: the long path becomes a fast line) is found
// again after Reprobe; and without Reprobe the periodic probe finds more
// room too, only later.
func TestControllerReprobesAfterNetworkChange(t *testing.T) {
	slow := simLink{rate: 20 * mbit, perStream: 20 * mbit, rtt: 100 * time.Millisecond}
	fast := simLink{rate: 400 * mbit, perStream: 25 * mbit, rtt: 10 * time.Millisecond}
	for _, reprobe := range []bool{true, false} {
		c := NewController(1, MaxConnections)
		run(c, slow, 30)
		if c.Limit() > startLimit {
			t.Fatalf("on a link one stream fills, the limit grew to %d", c.Limit())
		}
		within := 80
		if reprobe {
			c.Reprobe()
			within = 12
		}
		limits := run(c, fast, within)
		if share := float64(fast.sample(c.Limit()).Bytes) / fast.rate; share < 0.75 {
			t.Fatalf("reprobe %v: %d requests after %d intervals on the fast line give %.2f of it (limits %v)", reprobe, c.Limit(), within, share, limits)
		}
	}
}

// The bounds from the settings hold, also when changed while running.
func TestControllerBounds(t *testing.T) {
	link := simLink{rate: 1000 * mbit, perStream: 1 * mbit}
	c := NewController(1, 6)
	for _, n := range run(c, link, 20) {
		if n > 6 {
			t.Fatalf("limit %d above the bound 6", n)
		}
	}
	c.SetBounds(1, 3)
	if c.Limit() > 3 {
		t.Fatalf("limit %d after lowering the bound to 3", c.Limit())
	}
	if c := NewController(0, 1000); c.max != MaxConnections {
		t.Fatalf("upper bound %d, want the cap %d", c.max, MaxConnections)
	}
}
