package journal

import (
	"fmt"
	"testing"
	"time"

	bolt "go.etcd.io/bbolt"

	"hoist/uploader"
)

// batchIDs returns the IDs of batch records, in order.
func batchIDs(recs []uploader.BatchRecord) string {
	out := make([]string, len(recs))
	for i, r := range recs {
		out[i] = r.ID
	}
	return fmt.Sprint(out)
}

// putBatches stores one batch at each stage of its life: open, sealed
// without a receipt, with a receipt to write, with its receipt written,
// and with a receipt kept only locally.
func putBatches(t *testing.T, j *Journal) {
	t.Helper()
	receipt := &uploader.Receipt{Format: uploader.ReceiptFormat, Files: []uploader.File{{Path: "a", Key: "k/a"}}}
	for _, b := range []uploader.BatchRecord{
		{ID: "a-open"},
		{ID: "b-sealed", Sealed: true},
		{ID: "c-pending", Sealed: true, Receipt: receipt, ReceiptKey: "k/.hoist/batches/c.json"},
		{ID: "d-written", Sealed: true, Receipt: receipt, ReceiptKey: "k/.hoist/batches/d.json", Written: base},
		{ID: "e-local", Sealed: true, Receipt: receipt},
	} {
		must(t, j.PutBatch(b))
	}
}

const wantWaiting = "[a-open b-sealed c-pending]"

// WaitingBatches reads, through the index kept in step by PutBatch, only
// the batches that are open, without a receipt, or whose receipt is not
// yet written; Batch reads one batch by its ID.
func TestWaitingBatches(t *testing.T) {
	j, _ := openTemp(t)
	putBatches(t, j)
	got, err := j.WaitingBatches()
	if err != nil || batchIDs(got) != wantWaiting {
		t.Fatalf("WaitingBatches = %s, %v; want %s", batchIDs(got), err, wantWaiting)
	}
	// Its receipt written, a batch leaves the index; rebuilt (a file of it
	// retried), it joins it again.
	c := got[2]
	c.Written = time.Now()
	must(t, j.PutBatch(c))
	if got, _ := j.WaitingBatches(); batchIDs(got) != "[a-open b-sealed]" {
		t.Fatalf("after the receipt was written: %s", batchIDs(got))
	}
	c.Written = time.Time{}
	must(t, j.PutBatch(c))
	if got, _ := j.WaitingBatches(); batchIDs(got) != wantWaiting {
		t.Fatalf("after a new receipt: %s", batchIDs(got))
	}

	d, ok, err := j.Batch("d-written")
	if err != nil || !ok || d.Receipt == nil || len(d.Receipt.Files) != 1 || d.Written.IsZero() {
		t.Fatalf("Batch(d-written) = %+v, %v, %v", d, ok, err)
	}
	if _, ok, err := j.Batch("nope"); ok || err != nil {
		t.Fatalf("Batch(nope) = %v, %v; want not found, no error", ok, err)
	}
}

// A journal written before the index existed gets it, built from its
// batches, when opened for writing; OpenReadOnly reads it through a copy
// and leaves the file as it was.
func TestWaitingIndexBuiltForOldFiles(t *testing.T) {
	j, path := openTemp(t)
	putBatches(t, j)
	must(t, j.db.Update(func(tx *bolt.Tx) error { return tx.DeleteBucket(bucketWaiting) }))
	j.Close()

	ro, err := OpenReadOnly(path)
	must(t, err)
	if got, err := ro.WaitingBatches(); err != nil || batchIDs(got) != wantWaiting {
		t.Fatalf("read-only: %s, %v", batchIDs(got), err)
	}
	ro.Close()
	old, err := openBolt(path, true)
	must(t, err)
	must(t, old.View(func(tx *bolt.Tx) error {
		if tx.Bucket(bucketWaiting) != nil {
			t.Error("OpenReadOnly changed the file")
		}
		return nil
	}))
	old.Close()

	j2, err := Open(path)
	must(t, err)
	defer j2.Close()
	if got, err := j2.WaitingBatches(); err != nil || batchIDs(got) != wantWaiting {
		t.Fatalf("reopened: %s, %v", batchIDs(got), err)
	}
	if all, err := j2.Batches(); err != nil || len(all) != 5 {
		t.Fatalf("Batches = %s, %v; want all five", batchIDs(all), err)
	}
}
