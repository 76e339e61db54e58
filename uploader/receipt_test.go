package uploader

import (
	"encoding/json"
	"fmt"
	"reflect"
	"testing"
	"time"
)

// encodeReceipt writes what json.MarshalIndent writes, with a newline.
func TestEncodeReceiptAsMarshalIndent(t *testing.T) {
	at := time.Date(2026, 3, 4, 5, 6, 7, 0, time.UTC)
	files := []File{
		{Path: "a/b.txt", Key: "p/a/b.txt", Size: 3, ModTime: at, State: StateDone, Checksum: "AAAAAA==", ChecksumType: "FULL_OBJECT"},
		{Path: `odd "[]" name`, Key: "p/odd", State: StateFailed, Code: "denied", Reason: "no"},
	}
	for _, n := range []int{0, 1, 2, 3000} {
		r := &Receipt{Format: ReceiptFormat, Batch: "abc", Request: "[]", Sender: Sender{Email: "a@b"}, Opened: at, Ended: at}
		for i := range n {
			r.Files = append(r.Files, files[i%len(files)])
		}
		want, err := json.MarshalIndent(r, "", "  ")
		if err != nil {
			t.Fatal(err)
		}
		got, err := encodeReceipt(r)
		if err != nil {
			t.Fatal(err)
		}
		if string(got) != string(want)+"\n" {
			t.Fatalf("%d files: got\n%s\nwant\n%s", n, got, want)
		}
	}
}

// EncodeBatch gives JSON that decodes to the same record as json.Marshal's.
func TestEncodeBatchDecodesAlike(t *testing.T) {
	at := time.Date(2026, 3, 4, 5, 6, 7, 0, time.UTC)
	for _, n := range []int{-1, 0, 3, 500} {
		b := BatchRecord{ID: "abc", Opened: at, Sealed: true, ReceiptKey: "k/.hoist/batches/x.json", Written: at}
		if n >= 0 {
			b.Receipt = &Receipt{Format: ReceiptFormat, Batch: "abc", Opened: at, Ended: at, Files: []File{}}
			for i := range n {
				b.Receipt.Files = append(b.Receipt.Files, File{Path: fmt.Sprint("f", i), Key: "k/f", Size: int64(i), ModTime: at, State: StateDone})
			}
		}
		want, _ := json.Marshal(b)
		got, err := EncodeBatch(b)
		if err != nil {
			t.Fatal(err)
		}
		var a, w BatchRecord
		if err := json.Unmarshal(got, &a); err != nil {
			t.Fatalf("%d files: %v\n%s", n, err, got)
		}
		_ = json.Unmarshal(want, &w)
		if !reflect.DeepEqual(a, w) {
			t.Fatalf("%d files: decodes to\n%+v\nwant\n%+v", n, a, w)
		}
	}
}
