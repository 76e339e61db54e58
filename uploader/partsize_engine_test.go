package uploader_test

import (
	"context"
	"sync/atomic"
	"testing"
	"time"

	"hoist/uploader"
)

// With automatic part sizes, a new upload over a slow link gets parts one
// stream sends in about 15 s (here 15 MiB at 1 MiB/s, where the latency
// rule alone would ask for 40 MiB). An upload that already has parts keeps
// its part size after a restart, although the link, and so what a new
// upload gets, has changed meanwhile.
func TestPartSizeFromTheLinkKeptOnResume(t *testing.T) {
	const size = 40 * uploader.MiB
	r := newRig(t, func(o *uploader.Options) {
		o.PartSize, o.MultipartThreshold, o.ParallelParts = 0, testPart, 1
	})
	r.engine.SetLinkEstimate(float64(uploader.MiB), 2*time.Second)
	var sent atomic.Int32
	hold := make(chan struct{})
	r.store.SetHook(func(ctx context.Context, op, key string, part int32) error {
		if op == "part" && sent.Add(1) > 1 {
			select { // the second part hangs until the "crash"
			case <-hold:
			case <-ctx.Done():
				return ctx.Err()
			}
		}
		return nil
	})
	slow := r.file("slow.bin", size)
	first := r.send("", slow).IDs[0]
	waitFor(t, "the first part", func() bool { return r.store.PartsSent() >= 1 })
	rec, err := r.journal.Job(first)
	if err != nil {
		t.Fatal(err)
	}
	if rec.PartSize != 15*uploader.MiB {
		t.Fatalf("over 1 MiB/s a stream with 2 s latency: %d MiB parts, want 15", rec.PartSize/uploader.MiB)
	}

	// Restarted over a fast link: a new file gets one big part; the
	// first file goes on in 15 MiB parts (3 of them, 1 already there).
	r.beforeStart = func(e *uploader.Engine) { e.SetLinkEstimate(float64(100*uploader.MiB), 100*time.Millisecond) }
	r.restart()
	close(hold)
	r.store.SetHook(nil)
	fast := r.file("fast.bin", size)
	second := r.send("", fast).IDs[0]
	r.wait()
	for _, id := range []uint64{first, second} {
		if s := r.job(id); s.State != uploader.StateDone {
			t.Fatalf("job %d: %s: %s", id, s.State, s.Detail)
		}
	}
	r.assertStored("slow.bin", slow)
	r.assertStored("fast.bin", fast)
	if got := r.store.PartsSent(); got != 3+1 {
		t.Fatalf("stored %d parts, want 3 (slow.bin, in 15 MiB parts) + 1 (fast.bin)", got)
	}
	if rec, err := r.journal.Job(first); err != nil || rec.PartSize != 15*uploader.MiB {
		t.Fatalf("slow.bin's part size after the restart: %d MiB, %v", rec.PartSize/uploader.MiB, err)
	}
}
