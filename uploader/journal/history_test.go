package journal

import (
	"fmt"
	"sync"
	"testing"
	"time"

	bolt "go.etcd.io/bbolt"

	"hoist/uploader"
)

// finish records a job as done at the given time.
func finish(t *testing.T, j *Journal, rec *uploader.JobRecord, at time.Time) {
	t.Helper()
	r := *rec
	r.State, r.Finished = uploader.StateDone, at
	if err := j.UpdateJob(r); err != nil {
		t.Fatal(err)
	}
}

func ids(recs []uploader.JobRecord) []uint64 {
	out := make([]uint64, len(recs))
	for i, r := range recs {
		out[i] = r.ID
	}
	return out
}

// Unfinished reads only the unfinished jobs, through the index kept in
// step by every write.
func TestUnfinishedIndex(t *testing.T) {
	j, _ := openTemp(t)
	recs := addJobs(t, j, "a", "b", "c", "d")
	finish(t, j, recs[1], base)
	failed := *recs[3]
	failed.State = uploader.StateFailed
	must(t, j.UpdateJob(failed))
	must(t, j.DeleteJob(recs[2].ID))
	got, err := j.Unfinished()
	if err != nil || fmt.Sprint(ids(got)) != fmt.Sprint([]uint64{recs[0].ID}) {
		t.Fatalf("Unfinished = %v, %v; want only job %d", ids(got), err, recs[0].ID)
	}
	// A retry makes a finished job unfinished again.
	failed.State = uploader.StateQueued
	must(t, j.UpdateJob(failed))
	if got, _ := j.Unfinished(); len(got) != 2 {
		t.Fatalf("after a retry: %v", ids(got))
	}
}

// A journal written before the index existed gets it, built from its
// jobs, when opened for writing; OpenReadOnly reads it through a copy.
func TestUnfinishedIndexBuiltForOldFiles(t *testing.T) {
	j, path := openTemp(t)
	recs := addJobs(t, j, "a", "b", "c")
	finish(t, j, recs[0], base)
	must(t, j.db.Update(func(tx *bolt.Tx) error { return tx.DeleteBucket(bucketOpen) }))
	j.Close()

	ro, err := OpenReadOnly(path)
	must(t, err)
	if got, err := ro.Unfinished(); err != nil || len(got) != 2 {
		t.Fatalf("read-only: %v, %v", ids(got), err)
	}
	ro.Close()
	j2, err := Open(path)
	must(t, err)
	defer j2.Close()
	if got, err := j2.Unfinished(); err != nil || len(got) != 2 || got[0].ID != recs[1].ID {
		t.Fatalf("reopened: %v, %v", ids(got), err)
	}
}

// Retain keeps at most maxEntries finished jobs (the newest), drops those
// older than the cut-off, and never touches unfinished or protected jobs.
func TestRetain(t *testing.T) {
	j, _ := openTemp(t)
	names := make([]string, 10)
	for i := range names {
		names[i] = fmt.Sprint("f", i)
	}
	recs := addJobs(t, j, names...)
	for i, r := range recs[:8] { // 8 finished, one a day, the oldest first
		finish(t, j, r, base.Add(time.Duration(i)*24*time.Hour))
	}
	protected := recs[1].ID
	n, err := j.Retain(0, base.Add(2*24*time.Hour), func(r uploader.JobRecord) bool { return r.ID == protected })
	if err != nil || n != 1 { // f0 goes; f1 is protected
		t.Fatalf("by age: removed %d, %v", n, err)
	}
	n, err = j.Retain(3, time.Time{}, nil)
	if err != nil || n != 4 { // of f1..f7 the newest three stay
		t.Fatalf("by count: removed %d, %v", n, err)
	}
	all, _ := j.Jobs()
	want := []uint64{recs[5].ID, recs[6].ID, recs[7].ID, recs[8].ID, recs[9].ID}
	if fmt.Sprint(ids(all)) != fmt.Sprint(want) {
		t.Fatalf("kept %v; want %v", ids(all), want)
	}
	if n, err := j.Retain(0, time.Time{}, nil); err != nil || n != 0 {
		t.Fatalf("no bounds removed %d, %v", n, err)
	}
	// The age bound walks history at most once a day: a start soon after
	// reads nothing (and so removes nothing).
	if n, err := j.Retain(0, base.Add(365*24*time.Hour), nil); err != nil || n != 0 {
		t.Fatalf("a second walk for age within a day removed %d, %v", n, err)
	}
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

// EachBatchJob goes through one batch's jobs, leaving out those skipped.
func TestEachBatchJob(t *testing.T) {
	j, _ := openTemp(t)
	recs := make([]*uploader.JobRecord, 6)
	for i := range recs {
		recs[i] = newJob(fmt.Sprint("f", i))
		recs[i].Batch = []string{"aaa", "bbb"}[i%2]
	}
	recs[4].Rel = `named "bbb"` // mentions the other batch, but is not in it
	must(t, j.AddJobs(recs))
	var got []uploader.JobRecord
	err := j.EachBatchJob("bbb", func(id uint64) bool { return id == recs[1].ID }, func(r uploader.JobRecord) { got = append(got, r) })
	if err != nil || fmt.Sprint(ids(got)) != fmt.Sprint([]uint64{recs[3].ID, recs[5].ID}) {
		t.Fatalf("EachBatchJob = %v, %v", ids(got), err)
	}
}

// Letting go of the mapped pages (every releaseEvery updates and during
// walks) loses nothing: every record reads back as written, within the
// same transaction and after.
func TestReleasedPagesReadBack(t *testing.T) {
	j, _ := openTemp(t)
	names := make([]string, 2*releaseEvery+7)
	for i := range names {
		names[i] = fmt.Sprint("file-", i)
	}
	recs := addJobs(t, j, names...)
	// Every job updated (a third of them finished), concurrently so that
	// the updates share commits.
	var wg sync.WaitGroup
	work := make(chan int)
	for range 32 {
		wg.Go(func() {
			for i := range work {
				r := *recs[i]
				r.Attempts = 1
				if i%3 == 0 {
					r.State, r.Finished = uploader.StateDone, base.Add(time.Duration(i)*time.Second)
				}
				if err := j.UpdateJob(r); err != nil {
					t.Error(err)
				}
			}
		})
	}
	for i := range recs {
		work <- i
	}
	close(work)
	wg.Wait()
	must(t, j.view(func(tx *bolt.Tx) error {
		before := tx.Bucket(bucketJobs).Get(jobKey(recs[1].ID))
		want := string(before)
		releaseMapped(tx)
		if got := string(tx.Bucket(bucketJobs).Get(jobKey(recs[1].ID))); got != want {
			t.Errorf("record changed after release: %s, want %s", got, want)
		}
		return nil
	}))
	all, err := j.Jobs()
	if err != nil || len(all) != len(names) {
		t.Fatalf("Jobs = %d, %v", len(all), err)
	}
	for i, r := range all {
		wantState := uploader.StateQueued
		if i%3 == 0 {
			wantState = uploader.StateDone
		}
		if r.Rel != names[i] || r.State != wantState || r.Attempts != 1 {
			t.Fatalf("job %d: %s %s, want %s %s", i, r.Rel, r.State, names[i], wantState)
		}
	}
	if n, err := j.Retain(100, time.Time{}, nil); err != nil || n != len(names)/3+1-100 {
		t.Fatalf("Retain = %d, %v", n, err)
	}
	if u, err := j.Unfinished(); err != nil || len(u) != len(names)-(len(names)/3+1) {
		t.Fatalf("Unfinished = %d, %v", len(u), err)
	}
}
