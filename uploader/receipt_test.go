package uploader

import (
	"encoding/json"
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
