package journal

import (
	"encoding/json"
	"fmt"
	"time"

	bolt "go.etcd.io/bbolt"

	"hoist/uploader"
)

// PutBatch implements uploader.BatchJournal: it stores or replaces the
// batch record (with its receipt) under its ID, and keeps the "waiting"
// index in step in the same transaction.
func (j *Journal) PutBatch(b uploader.BatchRecord) error {
	v, err := uploader.EncodeBatch(b)
	if err != nil {
		return err
	}
	err = j.update(func(tx *bolt.Tx) error {
		bk, err := tx.CreateBucketIfNotExists(bucketBatches)
		if err != nil {
			return err
		}
		if err := bk.Put([]byte(b.ID), v); err != nil {
			return err
		}
		return markWaiting(tx, []byte(b.ID), waiting(b.Sealed, b.Receipt != nil, b.Pending()))
	})
	if err != nil {
		return fmt.Errorf("record batch %s: %w", b.ID, err)
	}
	return nil
}

// Batches implements uploader.BatchJournal: every batch, ordered by ID. A
// journal from before batches existed has none. Each batch's receipt lists
// its files: this reads all of them, so a start reads WaitingBatches
// instead.
func (j *Journal) Batches() ([]uploader.BatchRecord, error) {
	var out []uploader.BatchRecord
	err := j.view(func(tx *bolt.Tx) error {
		bk := tx.Bucket(bucketBatches)
		if bk == nil {
			return nil
		}
		return bk.ForEach(func(k, v []byte) error {
			b, err := decodeBatch(k, v)
			if err != nil {
				return err
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

// WaitingBatches implements uploader.WaitingBatchJournal: the batches a
// start has to look after (not sealed, without a receipt yet, or with a
// receipt not yet written to the store), ordered by ID, read through the
// "waiting" index without decoding any other batch.
func (j *Journal) WaitingBatches() ([]uploader.BatchRecord, error) {
	var out []uploader.BatchRecord
	err := j.view(func(tx *bolt.Tx) error {
		bk := tx.Bucket(bucketBatches)
		return tx.Bucket(bucketWaiting).ForEach(func(k, _ []byte) error {
			v := bk.Get(k)
			if v == nil {
				return nil
			}
			b, err := decodeBatch(k, v)
			if err != nil {
				return err
			}
			out = append(out, b)
			return nil
		})
	})
	if err != nil {
		return nil, fmt.Errorf("read waiting batches: %w", err)
	}
	return out, nil
}

// Batch implements uploader.WaitingBatchJournal: the batch with the given
// ID, decoding only that one; ok is false when the journal has none.
func (j *Journal) Batch(id string) (b uploader.BatchRecord, ok bool, err error) {
	err = j.view(func(tx *bolt.Tx) error {
		v := tx.Bucket(bucketBatches).Get([]byte(id))
		if v == nil {
			return nil
		}
		ok = true
		b, err = decodeBatch([]byte(id), v)
		return err
	})
	if err != nil {
		return uploader.BatchRecord{}, false, fmt.Errorf("read batch %s: %w", id, err)
	}
	return b, ok, nil
}

func decodeBatch(k, v []byte) (uploader.BatchRecord, error) {
	var b uploader.BatchRecord
	if err := json.Unmarshal(v, &b); err != nil {
		return b, fmt.Errorf("%w: batch %s: %w", ErrCorrupt, k, err)
	}
	return b, nil
}

// waiting reports whether a batch belongs in the "waiting" index: it may
// still get files, has no receipt yet, or its receipt waits to be written.
func waiting(sealed, hasReceipt, pending bool) bool {
	return !sealed || !hasReceipt || pending
}

// waitMark is the value of a "waiting" index entry.
var waitMark = []byte{1}

// markWaiting adds the batch key to the "waiting" index or takes it out.
func markWaiting(tx *bolt.Tx, key []byte, wait bool) error {
	idx := tx.Bucket(bucketWaiting)
	if !wait {
		return idx.Delete(key)
	}
	return idx.Put(key, waitMark)
}

// present records whether a JSON value is there and not null, without
// keeping (or decoding) it.
type present bool

// UnmarshalJSON implements json.Unmarshaler.
func (p *present) UnmarshalJSON(b []byte) error {
	*p = string(b) != "null"
	return nil
}

// buildWaitingIndex creates the "waiting" bucket from the batches a file
// written before it existed holds, decoding only each batch's head (not
// its receipt's list of files).
func buildWaitingIndex(tx *bolt.Tx) error {
	idx, err := tx.CreateBucket(bucketWaiting)
	if err != nil {
		return err
	}
	return tx.Bucket(bucketBatches).ForEach(func(k, v []byte) error {
		var head struct {
			Sealed     bool      `json:"sealed"`
			Receipt    present   `json:"receipt"`
			ReceiptKey string    `json:"receipt_key"`
			Written    time.Time `json:"written"`
		}
		if err := json.Unmarshal(v, &head); err != nil {
			return fmt.Errorf("%w: batch %s: %w", ErrCorrupt, k, err)
		}
		pending := bool(head.Receipt) && head.ReceiptKey != "" && head.Written.IsZero()
		if !waiting(head.Sealed, bool(head.Receipt), pending) {
			return nil
		}
		return idx.Put(append([]byte(nil), k...), waitMark)
	})
}
