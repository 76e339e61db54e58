package ui

import (
	"fmt"
	"testing"
	"time"

	"hoist/uploader"
)

func TestFormatBytes(t *testing.T) {
	for _, c := range []struct {
		n    int64
		want string
	}{
		{0, "0 bytes"}, {1, "1 byte"}, {999, "999 bytes"}, {1000, "1.0 KB"}, {1_234_567, "1.2 MB"},
		{999_960, "1.0 MB"}, {123_456_789, "123 MB"}, {42_300_000_000, "42.3 GB"}, {5_000_000_000_000, "5.0 TB"},
	} {
		if got := formatBytes(c.n); got != c.want {
			t.Errorf("formatBytes(%d) = %q, want %q", c.n, got, c.want)
		}
	}
}

func TestFormatETA(t *testing.T) {
	for _, c := range []struct {
		d    time.Duration
		want string
	}{
		{-1, ""}, {0, "less than a minute left"}, {59 * time.Second, "less than a minute left"},
		{90 * time.Second, "about 2 minutes left"}, {61 * time.Second, "about 1 minute left"},
		{2 * time.Hour, "about 2 h left"}, {125 * time.Minute, "about 2 h 5 min left"}, {72 * time.Hour, "about 3 days left"},
	} {
		if got := formatETA(c.d); got != c.want {
			t.Errorf("formatETA(%v) = %q, want %q", c.d, got, c.want)
		}
	}
}

func TestBuildQueueViewReusesUnchangedRows(t *testing.T) {
	s := snapshotOf(job(1, uploader.StateDone, 10, 10), job(2, uploader.StateRunning, 10, 5))
	v1 := buildQueueView(s, nil, nil, filterAll, time.Now())
	v1.rows[0].name = "marker"                              // a reused row keeps this
	s.Jobs = append([]uploader.JobSnapshot(nil), s.Jobs...) // a new snapshot
	s.Jobs[1].Done = 6
	v2 := buildQueueView(s, v1.rows, nil, filterAll, time.Now())
	if v2.rows[0].name != "marker" {
		t.Error("unchanged row rebuilt")
	}
	if v2.rows[1].size != "6 bytes of 10 bytes" {
		t.Errorf("changed row shows %q", v2.rows[1].size)
	}
	if v2.active != 1 || v2.unfinished != 1 || !v2.footer.canPause || v2.footer.canResume {
		t.Errorf("counts %+v", v2)
	}
}

func TestGroupDigits(t *testing.T) {
	for n, want := range map[int64]string{0: "0", 999: "999", 1000: "1,000", 42_300_000_000: "42,300,000,000", -12345: "-12,345"} {
		if got := groupDigits(n); got != want {
			t.Errorf("groupDigits(%d) = %q, want %q", n, got, want)
		}
	}
}

// Rows stay in the order the files were added, whatever their state; a
// filter only hides rows.
func TestRowsKeepTheirOrderAndFiltersHide(t *testing.T) {
	s := snapshotOf(
		job(1, uploader.StateDone, 1, 1), job(2, uploader.StateQueued, 1, 0), job(3, uploader.StateRunning, 1, 0),
		job(4, uploader.StateFailed, 1, 0), job(5, uploader.StatePaused, 1, 0), job(6, uploader.StateVerifying, 1, 1),
		job(7, uploader.StateCancelled, 1, 0), job(8, uploader.StateSkipped, 1, 1),
	)
	for f, want := range map[filter][]uint64{
		filterAll:       {1, 2, 3, 4, 5, 6, 7, 8},
		filterUploading: {2, 3, 5, 6},
		filterFailed:    {4},
		filterDone:      {1, 8},
	} {
		v := buildQueueView(s, nil, nil, f, time.Now())
		var got []uint64
		for _, i := range v.order {
			got = append(got, v.rows[i].job.ID)
		}
		if fmt.Sprint(got) != fmt.Sprint(want) {
			t.Errorf("%s: order %v, want %v", filterNames[f], got, want)
		}
		if v.counts[f] != len(want) {
			t.Errorf("%s: count %d, want %d", filterNames[f], v.counts[f], len(want))
		}
	}
}

// Done files the engine no longer lists (Snapshot.Retired) still count in
// the filters' numbers and make "Clear finished" available.
func TestRetiredJobsStillCount(t *testing.T) {
	s := snapshotOf(job(1, uploader.StateDone, 1, 1), job(2, uploader.StateQueued, 1, 0))
	s.Retired = 5000
	v := buildQueueView(s, nil, nil, filterAll, time.Now())
	if len(v.rows) != 2 || v.counts[filterAll] != 5002 || v.counts[filterDone] != 5001 || v.counts[filterUploading] != 1 || v.finished != 5001 {
		t.Fatalf("rows %d, counts %v, finished %d", len(v.rows), v.counts, v.finished)
	}
}
