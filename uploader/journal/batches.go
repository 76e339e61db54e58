package journal

import (
	"encoding/json"
	"fmt"

	bolt "go.etcd.io/bbolt"

	"hoist/uploader"
)

// PutBatch implements uploader.BatchJournal: it stores or replaces the
// batch record (with its receipt) under its ID.
func (j *Journal) PutBatch(b uploader.BatchRecord) error {
	v, err := json.Marshal(b)
	if err != nil {
		return fmt.Errorf("encode batch %s: %w", b.ID, err)
	}
	err = j.update(func(tx *bolt.Tx) error {
		bk, err := tx.CreateBucketIfNotExists(bucketBatches)
		if err != nil {
			return err
		}
		return bk.Put([]byte(b.ID), v)
	})
	if err != nil {
		return fmt.Errorf("record batch %s: %w", b.ID, err)
	}
	return nil
}

// Batches implements uploader.BatchJournal: every batch, ordered by ID. A
// journal from before batches existed has none.
func (j *Journal) Batches() ([]uploader.BatchRecord, error) {
	var out []uploader.BatchRecord
	err := j.view(func(tx *bolt.Tx) error {
		bk := tx.Bucket(bucketBatches)
		if bk == nil {
			return nil
		}
		return bk.ForEach(func(k, v []byte) error {
			var b uploader.BatchRecord
			if err := json.Unmarshal(v, &b); err != nil {
				return fmt.Errorf("%w: batch %s: %w", ErrCorrupt, k, err)
			}
			out = append(out, b)
			return nil
		})
	})
	if err != nil {
		return nil, fmt.Errorf("read batches: %w", err)
	}
	return out, nil
}
