package journal

import (
	"reflect"
	"testing"

	bolt "go.etcd.io/bbolt"

	"hoist/uploader"
)

func TestDiscardUpload(t *testing.T) {
	j, path := openTemp(t)
	recs := addJobs(t, j, "a.bin", "b.bin")
	a, b := *recs[0], *recs[1]
	a.UploadID, a.Completed = "up-a", true
	b.UploadID = "up-b"
	for _, r := range []uploader.JobRecord{a, b} {
		if err := j.UpdateJob(r); err != nil {
			t.Fatal(err)
		}
		if err := j.PutPart(r.ID, part(1)); err != nil {
			t.Fatal(err)
		}
	}

	// a is cancelled: its new record and the discarded upload go together.
	da := uploader.DiscardedUpload{Key: a.Key, UploadID: "up-a", JobID: a.ID, Since: base}
	cancelled := a
	cancelled.UploadID, cancelled.Completed = "", false
	cancelled.State, cancelled.Reason, cancelled.Finished = uploader.StateCancelled, "Cancelled.", base
	if err := j.DiscardUpload(da, cancelled); err != nil {
		t.Fatal(err)
	}
	// A job the journal no longer holds: its upload is still to be aborted.
	dz := uploader.DiscardedUpload{Key: "up/gone", UploadID: "up-z", JobID: 999, Since: base}
	if err := j.DiscardUpload(dz, uploader.JobRecord{ID: 999}); err != nil {
		t.Fatal(err)
	}

	for name, bad := range map[string]struct {
		d   uploader.DiscardedUpload
		rec uploader.JobRecord
	}{
		"no upload ID":          {uploader.DiscardedUpload{JobID: b.ID}, b},
		"record names it":       {uploader.DiscardedUpload{JobID: b.ID, UploadID: "up-b"}, b},
		"record of another job": {uploader.DiscardedUpload{JobID: b.ID, UploadID: "up-b"}, cancelled},
	} {
		if err := j.DiscardUpload(bad.d, bad.rec); err == nil {
			t.Errorf("%s: accepted", name)
		}
	}

	got, err := j.Job(a.ID)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(got, cancelled) {
		t.Fatalf("job a after discard:\n got %+v\nwant %+v", got, cancelled)
	}
	if parts, _ := j.Parts(a.ID); len(parts) != 0 {
		t.Fatalf("job a keeps %d parts", len(parts))
	}
	if got, _ := j.Job(b.ID); got.UploadID != "up-b" {
		t.Fatalf("job b changed: %+v", got)
	}
	if parts, _ := j.Parts(b.ID); len(parts) != 1 {
		t.Fatalf("job b has %d parts, want 1", len(parts))
	}

	// Durable: the list survives a reopen.
	j.Close()
	j2, err := Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer j2.Close()
	list, err := j2.DiscardedUploads()
	if err != nil {
		t.Fatal(err)
	}
	if want := []uploader.DiscardedUpload{da, dz}; !reflect.DeepEqual(list, want) {
		t.Fatalf("DiscardedUploads() = %+v, want %+v", list, want)
	}
	for _, id := range []string{"up-z", "never-there"} {
		if err := j2.AbortDone(id); err != nil {
			t.Fatalf("AbortDone(%s): %v", id, err)
		}
	}
	if list, _ := j2.DiscardedUploads(); !reflect.DeepEqual(list, []uploader.DiscardedUpload{da}) {
		t.Fatalf("after AbortDone: %+v", list)
	}
}

// A journal written before the list of discarded uploads existed opens
// with an empty list, and its jobs are untouched.
func TestOpenAddsAbortsBucket(t *testing.T) {
	j, path := openTemp(t)
	rec := *addJobs(t, j, "old.bin")[0]
	j.Close()
	db, err := bolt.Open(path, 0o600, nil)
	if err != nil {
		t.Fatal(err)
	}
	if err := db.Update(func(tx *bolt.Tx) error { return tx.DeleteBucket(bucketAborts) }); err != nil {
		t.Fatal(err)
	}
	db.Close()

	j2, err := Open(path)
	if err != nil {
		t.Fatalf("open an older journal: %v", err)
	}
	defer j2.Close()
	if list, err := j2.DiscardedUploads(); err != nil || len(list) != 0 {
		t.Fatalf("DiscardedUploads() = %v, %v", list, err)
	}
	if got, err := j2.Job(rec.ID); err != nil || !reflect.DeepEqual(got, rec) {
		t.Fatalf("older job: %+v, %v", got, err)
	}
	if err := j2.DiscardUpload(uploader.DiscardedUpload{Key: "k", UploadID: "u", JobID: rec.ID}, rec); err != nil {
		t.Fatal(err)
	}
}
