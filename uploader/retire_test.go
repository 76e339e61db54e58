package uploader_test

import (
	"fmt"
	"path/filepath"
	"testing"

	"hoist/uploader"
)

// A long session keeps only the newest finished jobs whole: the others
// leave Snapshot's list but are still counted (totals, Tally, Len, the
// window's Retired), are in history, and are in the batch's receipt.
func TestFinishedJobsLeaveMemory(t *testing.T) {
	r := receiptRig(t)
	const n = 2300 // more than 1,000 kept whole, and than one compaction
	for i := range n {
		r.file(fmt.Sprintf("many/d%d/f%04d.txt", i/500, i), 3)
	}
	added := r.send(custRoot, filepath.Join(r.dir, "many"))
	if len(added.IDs) != n {
		t.Fatalf("queued %d, want %d", len(added.IDs), n)
	}
	r.wait()
	waitFor(t, "finished jobs to leave memory", func() bool { return r.engine.Snapshot().Retired == n-1000 })
	snap := r.engine.Snapshot()
	// The last 1,000 whose records reached the journal (recorded in the
	// background, not quite in the order the files ended), in queue order.
	if len(snap.Jobs) != 1000 {
		t.Fatalf("kept %d jobs whole, want 1000", len(snap.Jobs))
	}
	for i := 1; i < len(snap.Jobs); i++ {
		if snap.Jobs[i].ID <= snap.Jobs[i-1].ID || snap.Jobs[i].State != uploader.StateDone {
			t.Fatalf("kept jobs out of order or not done: #%d after #%d (%s)", snap.Jobs[i].ID, snap.Jobs[i-1].ID, snap.Jobs[i].State)
		}
	}
	tot := snap.Totals
	if tot.Files != n || tot.FilesDone != n || tot.Bytes != 3*n || tot.BytesDone != 3*n || tot.BytesConfirmed != 3*n {
		t.Fatalf("totals %+v", tot)
	}
	if p := r.engine.Progress(); p.Totals != tot || len(p.Jobs) != 0 {
		t.Fatalf("Progress: %d jobs, totals %+v; want none, %+v", len(p.Jobs), p.Totals, tot)
	}
	if tl := r.engine.Tally(added.IDs); tl.Done != n || tl.BytesDone != 3*n || tl.Waiting+tl.Failed+tl.Skipped+tl.Cancelled != 0 {
		t.Fatalf("Tally(ids) = %+v", tl)
	}
	if tl := r.engine.Tally(nil); tl.Done != n {
		t.Fatalf("Tally(nil) = %+v", tl)
	}
	if got := r.engine.Len(); got != n {
		t.Fatalf("Len = %d, want %d", got, n)
	}
	hist, err := r.engine.History(false)
	if err != nil || len(hist) != n {
		t.Fatalf("history holds %d, %v; want %d", len(hist), err, n)
	}
	if err := r.engine.WaitReceipts(t.Context()); err != nil {
		t.Fatal(err)
	}
	rcs := r.receipts()
	if len(rcs) != 1 {
		t.Fatalf("%d receipts, want 1", len(rcs))
	}
	for key, rc := range rcs {
		if rc.Summary.Files != n || rc.Summary.Done != n || len(rc.Files) != n {
			t.Fatalf("receipt %s: %+v with %d files", key, rc.Summary, len(rc.Files))
		}
		for i, f := range rc.Files {
			if want := fmt.Sprintf("many/d%d/f%04d.txt", i/500, i); f.Path != want || f.State != uploader.StateDone {
				t.Fatalf("receipt file %d: %s %s, want %s done", i, f.Path, f.State, want)
			}
		}
	}
	if got := r.engine.ClearFinished(); got != n {
		t.Fatalf("ClearFinished took out %d, want %d", got, n)
	}
	if s := r.engine.Snapshot(); len(s.Jobs) != 0 || s.Retired != 0 || s.Totals.Files != 0 || r.engine.Len() != 0 {
		t.Fatalf("after ClearFinished: %d jobs, %d retired, totals %+v", len(s.Jobs), s.Retired, s.Totals)
	}
}
