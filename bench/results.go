package main

import (
	"slices"
	"time"
)

// status of one tool on one workload.
type status string

const (
	statusNotRun      status = "NOT RUN" // no run finished yet
	statusOK          status = "ok"
	statusMissing     status = "MISSING"
	statusFailed      status = "FAILED"
	statusInterrupted status = "INTERRUPTED" // Ctrl-C during its run
)

// result is every run of one tool on one workload. A tool with one failed run
// is FAILED: its other runs are not timed into the table.
// It is NOT RUN until its first run succeeds, and stays so if Ctrl-C came first.
type result struct {
	tool   string
	status status
	reason string // why MISSING or FAILED
	runs   []measurement
}

// summary condenses the runs: medians of the times, the highest peak RSS.
type summary struct {
	wall      time.Duration
	cpu       time.Duration
	maxRSS    int64
	serverCPU time.Duration
	otherCPU  time.Duration
}

func (r result) ok() bool { return r.status == statusOK && len(r.runs) > 0 }

func (r result) summary() summary {
	var s summary
	walls := make([]time.Duration, len(r.runs))
	cpus := make([]time.Duration, len(r.runs))
	servers := make([]time.Duration, len(r.runs))
	others := make([]time.Duration, len(r.runs))
	for i, m := range r.runs {
		walls[i], cpus[i], servers[i], others[i] = m.wall, m.cpu, m.serverCPU, m.otherCPU
		s.maxRSS = max(s.maxRSS, m.maxRSS)
	}
	s.wall, s.cpu = median(walls), median(cpus)
	s.serverCPU, s.otherCPU = median(servers), median(others)
	return s
}

func median(d []time.Duration) time.Duration {
	if len(d) == 0 {
		return 0
	}
	d = slices.Clone(d)
	slices.Sort(d)
	if len(d)%2 == 1 {
		return d[len(d)/2]
	}
	return (d[len(d)/2-1] + d[len(d)/2]) / 2
}

// bestPeer is the fastest tool other than hoist that uploaded everything.
func bestPeer(results []result) (result, bool) {
	var best result
	found := false
	for _, r := range results {
		if r.tool == "hoist" || !r.ok() {
			continue
		}
		if !found || r.summary().wall < best.summary().wall {
			best, found = r, true
		}
	}
	return best, found
}

func findTool(results []result, name string) (result, bool) {
	for _, r := range results {
		if r.tool == name {
			return r, true
		}
	}
	return result{}, false
}

// busyShare is the part of the machine's CPU capacity during the run that
// other processes took: a large share makes the timing unreliable.
func (s summary) busyShare(cores int) float64 {
	capacity := s.wall.Seconds() * float64(cores)
	if capacity <= 0 {
		return 0
	}
	return s.otherCPU.Seconds() / capacity
}
