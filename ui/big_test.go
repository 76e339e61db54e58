package ui

import (
	"fmt"
	"testing"

	"hoist/uploader"
)

// bigSnapshot is n queued jobs, the first few running.
func bigSnapshot(n int) uploader.Snapshot {
	s := uploader.Snapshot{Jobs: make([]uploader.JobSnapshot, n)}
	for i := range s.Jobs {
		st := uploader.StateQueued
		if i < 4 {
			st = uploader.StateRunning
		}
		s.Jobs[i] = uploader.JobSnapshot{JobRecord: uploader.JobRecord{ID: uint64(i + 1),
			Rel: fmt.Sprintf("bulk/part-%05d.dat", i), Source: fmt.Sprintf("/data/bulk/part-%05d.dat", i),
			Key: fmt.Sprintf("uploads/bulk/part-%05d.dat", i), Size: int64(1+i%50) * 1_000_000, State: st}, ETA: -1}
		s.Totals.Files++
		s.Totals.Bytes += s.Jobs[i].Size
	}
	s.Totals.FilesActive = 4
	return s
}

func TestTenThousandJobs(t *testing.T) {
	fake := newFakeUploads()
	fake.setSnapshot(bigSnapshot(10_000))
	w := testWindow(t, Deps{Uploads: fake})
	w.poll()
	if n := w.uploads.list.Length(); n != 10_000 {
		t.Fatalf("list length %d", n)
	}
	rows := queueRows(w)
	if len(rows) == 0 || len(rows) > 50 {
		t.Fatalf("%d rows drawn for 10,000 jobs; want only the visible ones", len(rows))
	}
	if got := rowFor(t, w, 1).name.Text; got != "bulk/part-00000.dat" {
		t.Errorf("first row shows %q", got)
	}
	w.uploads.list.ScrollToBottom()
	if got := rowFor(t, w, 10_000).name.Text; got != "bulk/part-09999.dat" {
		t.Errorf("last row shows %q", got)
	}
	if got := w.uploads.footer.files.Text; got != "0 of 10000 files sent" {
		t.Errorf("footer says %q", got)
	}
}
