package uploader

import (
	"time"
)

// MaxConnections is the most requests the engine ever has in flight at
// once, whatever the controller or the settings say.
const MaxConnections = 64

// Tuning of the Controller. Rates are compared with a margin, since the
// goodput of one interval is noisy.
const (
	// startLimit is where the controller starts, and restarts after a
	// network change.
	startLimit = 8
	// growMargin: a level counts as better when its goodput beats the best
	// so far by this fraction.
	growMargin = 0.08
	// probeEvery is how many steady intervals pass before the controller
	// tries a little more parallelism again.
	probeEvery = 10
	// backoffHold is how many intervals the controller waits after a
	// throttling answer before it probes again.
	backoffHold = 15
	// latencyFactor and latencySlack: a response latency above
	// baseline·latencyFactor + latencySlack is inflated (a queue is
	// building on the link).
	latencyFactor = 2.0
	latencySlack  = 20 * time.Millisecond
)

// ControlSample is what the engine measured over one interval.
type ControlSample struct {
	// Interval is how long the sample covers.
	Interval time.Duration
	// Bytes is the goodput: bytes of files that went into requests.
	Bytes int64
	// Busy is the most requests that were in flight at once, or wanted to
	// be: less than the limit means there was not enough work to use it,
	// and nothing can be learned about more parallelism.
	Busy int
	// Throttled counts answers that asked to slow down (503 SlowDown).
	Throttled int
	// Latency is the mean time from a request's last byte to its answer,
	// over the requests that ended in the interval (0: none ended).
	Latency time.Duration
}

// controlPhase is what the controller is doing.
type controlPhase int

const (
	phaseGrow   controlPhase = iota // doubling while goodput grows
	phaseSteady                     // at the knee
	phaseProbe                      // trying a little more from steady
	phaseShed                       // trying a little less from steady
)

// Controller decides how many requests (parts and small files) are in
// flight, from one ControlSample per interval: it doubles the limit while
// total goodput grows by more than a margin, goes back to the best level
// once it stops growing (the knee) or responses slow down (latency
// inflation: a queue on the link), halves it on throttling, and from the
// knee probes a little higher now and then, since links change. It is a
// pure function of its samples: no clock, no goroutine. Not safe for
// concurrent use.
type Controller struct {
	min, max int
	limit    int
	phase    controlPhase

	bestRate  float64 // bytes/s at bestLimit
	bestLimit int
	baseLat   time.Duration // lowest latency seen since the last (re)start
	calm      int           // steady intervals since the last change
	hold      int           // intervals left without probing (after throttling)
	base      int           // the steady level a probe started from
	shedNext  bool          // the next probe tries fewer requests
	// settle skips the interval after a change of limit: new requests
	// first fill their sockets' buffers, which reads as a burst of goodput
	// the link does not carry, and TCP needs a few round trips to ramp up.
	settle bool
}

// NewController returns a controller between lo and hi requests (bounded
// by 1 and MaxConnections), starting at a few.
func NewController(lo, hi int) *Controller {
	hi = min(max(hi, 1), MaxConnections)
	lo = min(max(lo, 1), hi)
	c := &Controller{min: lo, max: hi}
	c.Reprobe()
	return c
}

// Limit is the number of requests that may be in flight now.
func (c *Controller) Limit() int { return c.limit }

// SetBounds changes the bounds (for a change of settings) and keeps the
// limit within them.
func (c *Controller) SetBounds(lo, hi int) {
	c.max = min(max(hi, 1), MaxConnections)
	c.min = min(max(lo, 1), c.max)
	c.limit = min(max(c.limit, c.min), c.max)
	c.bestLimit = min(max(c.bestLimit, c.min), c.max)
}

// Reprobe forgets what was learned (after a wake from sleep or a change of
// network) and starts growing again from a few requests.
func (c *Controller) Reprobe() {
	c.settle = true
	c.limit = min(max(startLimit, c.min), c.max)
	c.phase = phaseGrow
	c.bestRate, c.bestLimit = 0, c.limit
	c.baseLat, c.calm, c.hold = 0, 0, 0
}

// Observe takes one interval's sample and returns the new limit.
func (c *Controller) Observe(s ControlSample) int {
	if s.Interval <= 0 {
		return c.limit
	}
	before := c.limit
	defer func() {
		if c.limit != before {
			c.settle = true
		}
	}()
	if c.settle && s.Throttled == 0 {
		c.settle = false
		return c.limit
	}
	rate := float64(s.Bytes) / s.Interval.Seconds()
	if s.Latency > 0 && (c.baseLat == 0 || s.Latency < c.baseLat) {
		c.baseLat = s.Latency
	}
	inflated := s.Latency > 0 && c.baseLat > 0 &&
		float64(s.Latency) > float64(c.baseLat)*latencyFactor+float64(latencySlack)

	if s.Throttled > 0 {
		c.limit = max(c.min, c.limit/2)
		c.phase, c.calm, c.hold = phaseSteady, 0, backoffHold
		c.bestRate, c.bestLimit = 0, c.limit
		return c.limit
	}
	if c.hold > 0 {
		c.hold--
	}
	used := s.Busy >= c.limit
	better := rate > c.bestRate*(1+growMargin)

	switch c.phase {
	case phaseGrow:
		switch {
		case !used:
			// Not enough work to fill the limit: nothing to learn yet.
			c.bestRate = max(c.bestRate, rate)
		case better && inflated:
			// More goodput, but responses slow down: the link is full.
			// Stay at this level.
			c.bestRate, c.bestLimit = rate, c.limit
			c.phase, c.calm = phaseSteady, 0
		case better:
			c.bestRate, c.bestLimit = rate, c.limit
			c.limit = min(c.max, c.limit*2)
			if c.limit == c.bestLimit { // at the cap
				c.phase = phaseSteady
			}
		default:
			// The knee: more requests gave no more goodput (or only a
			// longer queue). Go back to the level that gave the best.
			c.limit = c.bestLimit
			c.phase, c.calm = phaseSteady, 0
		}
	case phaseProbe:
		if used && better && !inflated {
			c.bestRate, c.bestLimit = rate, c.limit
			c.phase = phaseGrow // the link gives more: keep growing
			c.limit = min(c.max, c.limit*2)
			if c.limit == c.bestLimit {
				c.phase = phaseSteady
			}
		} else {
			c.limit = c.base
			c.phase, c.calm = phaseSteady, 0
		}
	case phaseShed:
		if rate >= c.bestRate*(1-growMargin/2) {
			// As much goodput with fewer requests: keep the lower level.
			c.bestRate, c.bestLimit = max(rate, c.bestRate), c.limit
		} else {
			c.limit = c.base
		}
		c.phase, c.calm = phaseSteady, 0
	case phaseSteady:
		switch {
		case inflated && used && c.limit > c.min:
			// Responses slow down at this level: a queue builds on the
			// link. Step down a quarter.
			c.limit = max(c.min, c.limit*3/4)
			c.bestLimit, c.calm = c.limit, 0
		default:
			if used {
				c.bestRate = rate // follow the link as it is now
			}
			c.calm++
			if c.calm < probeEvery || c.hold > 0 || !used {
				break
			}
			// Probe: alternately a quarter more (the link may give more
			// now) and an eighth fewer (the same goodput may need fewer
			// streams: kinder to the customer's other traffic).
			c.base, c.calm = c.limit, 0
			c.shedNext = !c.shedNext
			switch {
			case c.shedNext && c.limit > c.min:
				c.limit = max(c.min, c.limit-max(1, c.limit/8))
				c.phase = phaseShed
			case c.limit < c.max:
				c.limit = min(c.max, c.limit+max(1, c.limit/4))
				c.phase = phaseProbe
			}
		}
	}
	return c.limit
}
