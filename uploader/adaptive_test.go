package uploader_test

import (
	"context"
	"sync/atomic"
	"testing"
	"time"

	"hoist/uploader"
)

// With adaptive parallelism the engine lets at most the controller's limit
// of data requests into flight, across all files together; lowering the
// settings' bounds while running lowers the limit; every file arrives and
// no part is sent twice (waiting for a slot is no failure).
func TestAdaptiveGateBoundsRequests(t *testing.T) {
	r := newRig(t, func(o *uploader.Options) {
		o.Adaptive, o.ParallelFiles, o.ParallelParts = true, 0, 0
		o.StallTimeout = time.Minute // the parts held below move no byte
	})
	if n := r.engine.Parallelism(); n != 8 {
		t.Fatalf("starts with %d requests, want 8", n)
	}
	gate := make(chan struct{})
	var inFlight, peak, calls atomic.Int32
	r.store.SetHook(func(ctx context.Context, op, key string, part int32) error {
		if op != "part" {
			return nil
		}
		calls.Add(1)
		n := inFlight.Add(1)
		defer inFlight.Add(-1)
		for p := peak.Load(); n > p && !peak.CompareAndSwap(p, n); p = peak.Load() {
		}
		select {
		case <-gate:
			return nil
		case <-ctx.Done():
			return ctx.Err()
		}
	})
	var ids []uint64
	for _, name := range []string{"a.bin", "b.bin", "c.bin"} {
		ids = append(ids, r.send("", r.file(name, 4*testPart)).IDs[0])
	}
	waitFor(t, "the gate to fill", func() bool { return inFlight.Load() == 8 })
	time.Sleep(500 * time.Millisecond) // room for more, were the gate not there
	r.engine.SetParallelism(1, 2)      // bounds: one file, two parts
	if n := r.engine.Parallelism(); n != 2 {
		t.Fatalf("limit %d after lowering the bounds to 1×2", n)
	}
	close(gate)
	r.wait()
	for _, id := range ids {
		if s := r.job(id); s.State != uploader.StateDone {
			t.Fatalf("job %d: %s %s", id, s.State, s.Reason)
		}
	}
	if p := peak.Load(); p != 8 {
		t.Fatalf("%d parts in flight at once with a limit of 8", p)
	}
	if n := calls.Load(); n != 12 {
		t.Fatalf("%d part requests for 12 parts", n)
	}
}

// A Pause while parts wait for a slot starts none of them: the parts in
// flight finish (the pause's grace) and the rest stay unsent.
func TestPauseWhileWaitingForASlot(t *testing.T) {
	r := newRig(t, func(o *uploader.Options) {
		o.Adaptive, o.ParallelFiles, o.ParallelParts = true, 0, 0
		o.StallTimeout, o.PauseGrace = time.Minute, 10*time.Second
	})
	release, inFlight := blockParts(r)
	id := r.send("", r.file("big.bin", 12*testPart)).IDs[0]
	waitFor(t, "the gate to fill", func() bool { return inFlight.Load() == 8 })
	r.engine.Pause(id)
	time.Sleep(100 * time.Millisecond)
	release()
	waitFor(t, "the pause", func() bool { return r.job(id).State == uploader.StatePaused })
	if s := r.job(id); s.Done != 8*testPart {
		t.Fatalf("paused with %d bytes sent, want the 8 parts that were on their way (%d)", s.Done, 8*testPart)
	}
}
