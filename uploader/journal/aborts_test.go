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
	a.UploadID, a.Completed, a.State = "up-a", true, uploader.StatePaused
	b.UploadID = "up-b-new"
	for _, r := range []uploader.JobRecord{a, b} {
		if err := j.UpdateJob(r); err != nil {
			t.Fatal(err)
		}
		if err := j.PutPart(r.ID, part(1)); err != nil {
			t.Fatal(err)
		}
	}

	da := uploader.Discarded{Key: a.Key, UploadID: "up-a", JobID: a.ID, Since: base}
	// b's record names a newer upload than the one discarded: it keeps it.
	db := uploader.Discarded{Key: b.Key, UploadID: "up-b-old", JobID: b.ID, Since: base}
	// A job the journal no longer holds: its upload is still to be aborted.
	dz := uploader.Discarded{Key: "up/gone", UploadID: "up-z", JobID: 999, Since: base}
	for _, d := range []uploader.Discarded{da, db, dz} {
		if err := j.DiscardUpload(d); err != nil {
			t.Fatalf("DiscardUpload(%s): %v", d.UploadID, err)
		}
	}
	if err := j.DiscardUpload(uploader.Discarded{JobID: a.ID}); err == nil {
		t.Fatal("a discard without an upload ID was accepted")
	}

	got, err := j.Job(a.ID)
	if err != nil {
		t.Fatal(err)
	}
	if got.UploadID != "" || got.Completed || got.State != uploader.StatePaused {
		t.Fatalf("job a after discard: upload %q completed %v state %s", got.UploadID, got.Completed, got.State)
	}
	if parts, _ := j.Parts(a.ID); len(parts) != 0 {
		t.Fatalf("job a keeps %d parts", len(parts))
	}
	if got, _ := j.Job(b.ID); got.UploadID != "up-b-new" {
		t.Fatalf("job b lost its current upload: %q", got.UploadID)
	}

	// Durable: the list survives a reopen.
	j.Close()
	j2, err := Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer j2.Close()
	list, err := j2.Discarded()
	if err != nil {
		t.Fatal(err)
	}
	if want := []uploader.Discarded{da, db, dz}; !reflect.DeepEqual(list, want) {
		t.Fatalf("Discarded() = %+v, want %+v", list, want)
	}
	for _, id := range []string{"up-a", "up-z", "never-there"} {
		if err := j2.AbortDone(id); err != nil {
			t.Fatalf("AbortDone(%s): %v", id, err)
		}
	}
	if list, _ := j2.Discarded(); !reflect.DeepEqual(list, []uploader.Discarded{db}) {
		t.Fatalf("after AbortDone: %+v", list)
	}
}

// A journal written before the list of discarded uploads existed opens
// with an empty list, and its jobs are untouched.
func TestOpenAddsAbortsBucket(t *testing.T) {
	j, path := openTemp(t)
	id := addJobs(t, j, "old.bin")[0].ID
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
	if list, err := j2.Discarded(); err != nil || len(list) != 0 {
		t.Fatalf("Discarded() = %v, %v", list, err)
	}
	if _, err := j2.Job(id); err != nil {
		t.Fatalf("older job lost: %v", err)
	}
	if err := j2.DiscardUpload(uploader.Discarded{Key: "k", UploadID: "u", JobID: id}); err != nil {
		t.Fatal(err)
	}
}
