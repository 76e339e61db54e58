package uploader_test

import (
	"context"
	"errors"
	"fmt"
	"sync/atomic"
	"testing"

	"hoist/uploader"
)

// offlineAborts makes every abort fail as if the network were down, until
// the returned func is called.
func offlineAborts(r *rig) (online func()) {
	var down atomic.Bool
	down.Store(true)
	prev := r.store.Hook
	r.store.SetHook(func(ctx context.Context, op, key string, part int32) error {
		if op == "abort" && down.Load() {
			return &uploader.StoreError{Kind: uploader.KindOffline, Err: errors.New("dial tcp: connect: network is unreachable")}
		}
		if prev != nil {
			return prev(ctx, op, key, part)
		}
		return nil
	})
	return func() { down.Store(false) }
}

// Cancelling while the server cannot be reached ends the jobs at once; their
// uploads are aborted later, even after a restart, and nothing is left.
func TestCancelOfflineAbortsLater(t *testing.T) {
	r := newRig(t, func(o *uploader.Options) { o.ParallelFiles = 2 })
	release, inFlight := blockParts(r)
	a := r.send("", r.file("a.bin", 3*testPart)).IDs[0]
	b := r.send("", r.file("b.bin", 3*testPart)).IDs[0]
	waitFor(t, "both uploads started", func() bool { return r.store.Uploads() == 2 && inFlight.Load() >= 2 })
	online := offlineAborts(r)
	r.engine.CancelAll()
	r.wait()
	for _, id := range []uint64{a, b} {
		if s := r.job(id); s.State != uploader.StateCancelled {
			t.Fatalf("job %d: %s", id, s.State)
		}
	}
	waitFor(t, "abort attempts", func() bool { return r.store.Calls("abort") >= 4 })
	if n := r.engine.PendingAborts(); n != 2 {
		t.Fatalf("%d aborts pending while offline, want 2", n)
	}
	if n := r.store.Uploads(); n != 2 {
		t.Fatalf("%d uploads open while offline, want 2", n)
	}

	// Closed while still offline: the journal keeps the uploads to abort.
	r.stop()
	release()
	r.start()
	if n := r.engine.PendingAborts(); n != 2 {
		t.Fatalf("%d aborts pending after restart, want 2", n)
	}
	online()
	r.settle()
	if n := r.store.Uploads(); n != 0 {
		t.Fatalf("%d uploads left open", n)
	}
	if list, err := r.journal.DiscardedUploads(); err != nil || len(list) != 0 {
		t.Fatalf("journal still lists %v (%v)", list, err)
	}
	for _, id := range []uint64{a, b} {
		if rec, err := r.journal.Job(id); err != nil || rec.State != uploader.StateCancelled || rec.UploadID != "" {
			t.Fatalf("job %d after restart: %+v, %v", id, rec, err)
		}
	}
}

// An abort the server refuses for good is given up (the bucket's lifecycle
// rule is what cleans it), not tried forever.
func TestAbortRefusedIsGivenUp(t *testing.T) {
	r := newRig(t, nil)
	_, inFlight := blockParts(r)
	id := r.send("", r.file("d.bin", 3*testPart)).IDs[0]
	waitFor(t, "parts in flight", func() bool { return inFlight.Load() > 0 })
	prev := r.store.Hook
	r.store.SetHook(func(ctx context.Context, op, key string, part int32) error {
		if op == "abort" {
			return &uploader.StoreError{Kind: uploader.KindAccessDenied, Code: "AccessDenied", Err: errors.New("denied")}
		}
		return prev(ctx, op, key, part)
	})
	r.engine.Cancel(id)
	r.wait()
	r.settle()
	if n := r.store.Calls("abort"); n != 1 {
		t.Fatalf("%d abort calls for a refused abort, want 1", n)
	}
	if r.store.Uploads() != 1 {
		t.Fatal("the refused upload should still be on the server")
	}
}

// A retried job that was cancelled starts a new upload; the old one is
// aborted, not reused.
func TestRetryAfterCancelStartsFresh(t *testing.T) {
	r := newRig(t, nil)
	release, inFlight := blockParts(r)
	p := r.file("e.bin", 3*testPart)
	id := r.send("", p).IDs[0]
	waitFor(t, "parts in flight", func() bool { return inFlight.Load() > 0 })
	r.engine.Cancel(id)
	r.wait()
	release()
	r.store.SetHook(nil)
	if err := r.engine.Retry(id); err != nil {
		t.Fatal(err)
	}
	r.wait()
	r.settle()
	if s := r.job(id); s.State != uploader.StateDone {
		t.Fatalf("state %s: %s", s.State, s.Reason)
	}
	r.assertStored("e.bin", p)
	if n := r.store.Uploads(); n != 0 {
		t.Fatalf("%d uploads left open", n)
	}
}

// Retry journals the job as queued before it can start: a retried job whose
// parts are re-recorded at once must not find the journal still saying
// "failed" (which refuses parts of finished jobs). The race is narrow, so
// it is tried many times.
func TestRetryJournalsBeforeStarting(t *testing.T) {
	r := newRig(t, func(o *uploader.Options) { o.ParallelParts = 1 })
	var deny atomic.Bool
	r.store.SetHook(func(ctx context.Context, op, key string, part int32) error {
		if op == "part" && part == 3 && deny.Load() {
			return &uploader.StoreError{Kind: uploader.KindAccessDenied, Code: "AccessDenied", Err: errors.New("denied")}
		}
		return nil
	})
	for i := range 20 {
		deny.Store(true)
		p := r.file(fmt.Sprintf("r%d.bin", i), 4*testPart)
		id := r.send("", p).IDs[0]
		r.wait()
		if s := r.job(id); s.State != uploader.StateFailed {
			t.Fatalf("try %d: %s, want failed at part 3", i, s.State)
		}
		deny.Store(false)
		if err := r.engine.Retry(id); err != nil {
			t.Fatal(err)
		}
		r.wait()
		if s := r.job(id); s.State != uploader.StateDone {
			t.Fatalf("try %d: retried job %s: %s (%s)", i, s.State, s.Reason, s.Detail)
		}
		r.assertStored(fmt.Sprintf("r%d.bin", i), p)
	}
}
