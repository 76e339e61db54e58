package uploader_test

import (
	"testing"
	"time"

	"hoist/uploader"
)

// Parallelism changed while uploads run: more files start at once, and the
// number of parts applies to files that start afterwards.
func TestSetParallelismWhileRunning(t *testing.T) {
	r := newRig(t, func(o *uploader.Options) { o.ParallelFiles, o.ParallelParts = 1, 3 })
	release, inFlight := blockParts(r)
	var ids []uint64
	for _, name := range []string{"a.bin", "b.bin", "c.bin"} {
		ids = append(ids, r.send("", r.file(name, 4*testPart)).IDs[0])
	}
	waitFor(t, "one file's parts in flight", func() bool { return inFlight.Load() == 3 })
	if n := r.engine.Snapshot().Totals.FilesActive; n != 1 {
		t.Fatalf("%d files uploading with ParallelFiles 1", n)
	}

	r.engine.SetParallelism(0, 1) // parts only: the running file keeps 3
	r.engine.Pause(ids[2])        // c waits for the next step
	r.engine.SetParallelism(2, 0)
	waitFor(t, "a second file with one part in flight", func() bool {
		return r.engine.Snapshot().Totals.FilesActive == 2 && inFlight.Load() == 4
	})
	time.Sleep(100 * time.Millisecond) // room for more parts, if b had more workers
	if n := inFlight.Load(); n != 4 {
		t.Fatalf("%d parts in flight, want 3 of a and 1 of b", n)
	}

	release()
	r.engine.Resume(ids[2])
	r.wait()
	for _, id := range ids {
		if s := r.job(id); s.State != uploader.StateDone {
			t.Fatalf("job %d: %s %s", id, s.State, s.Reason)
		}
	}
}
