package uploader

import "time"

// SetLinkEstimate sets what the engine believes of the link, as its
// controller would after measuring it (tests of part sizes; without
// Options.Adaptive nothing else changes it).
func (e *Engine) SetLinkEstimate(perStream float64, latency time.Duration) {
	e.stats.setEstimate(perStream, latency)
}
