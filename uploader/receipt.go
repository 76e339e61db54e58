package uploader

import (
	"bytes"
	"encoding/json"
	"fmt"
)

// encodeReceipt returns the receipt's JSON as json.MarshalIndent (with
// two-space indentation) writes it, and a final newline. It encodes one
// file at a time into a buffer sized once, instead of marshalling the
// whole receipt and indenting a copy: a receipt of 100,000 files is tens
// of megabytes.
func encodeReceipt(r *Receipt) ([]byte, error) {
	return encodeReceiptWithin(nil, r, []byte("\n"))
}

// EncodeBatch returns the JSON of a batch record (what a journal stores),
// as json.Marshal would but with the receipt indented as it is stored,
// written into one buffer of the right size: a journal stores the record
// of a batch of 100,000 files without holding several copies of it.
func EncodeBatch(b BatchRecord) ([]byte, error) {
	r := b.Receipt
	b.Receipt = nil
	head, err := json.Marshal(b)
	if err != nil {
		return nil, fmt.Errorf("encode batch %s: %w", b.ID, err)
	}
	if r == nil {
		return head, nil
	}
	prefix := append(head[:len(head)-1:len(head)-1], `,"receipt":`...) // head ends with '}'
	return encodeReceiptWithin(prefix, r, []byte("}"))
}

// encodeReceiptWithin writes prefix, the receipt's indented JSON and
// suffix into one buffer allocated once.
func encodeReceiptWithin(prefix []byte, r *Receipt, suffix []byte) ([]byte, error) {
	if len(r.Files) < 64 {
		b, err := json.MarshalIndent(r, "", "  ") // small: nothing to save
		if err != nil {
			return nil, fmt.Errorf("encode receipt: %w", err)
		}
		return bytes.Join([][]byte{prefix, b, suffix}, nil), nil
	}
	head := *r
	head.Files = []File{}
	hb, err := json.MarshalIndent(head, "", "  ")
	if err != nil {
		return nil, fmt.Errorf("encode receipt: %w", err)
	}
	at := bytes.LastIndex(hb, []byte("[]")) // the files come last
	if at < 0 {
		return nil, fmt.Errorf("encode receipt: no list of files in %q", hb)
	}
	// Each file is encoded as json.MarshalIndent(f, "    ", "  ") would, by
	// an Encoder (which adds a newline, taken off), first into a scratch
	// buffer for the size, so that the result is allocated once, then into
	// the result.
	var scratch, buf bytes.Buffer
	encoder := func(w *bytes.Buffer) *json.Encoder {
		enc := json.NewEncoder(w)
		enc.SetIndent("    ", "  ")
		return enc
	}
	measure := encoder(&scratch)
	size := len(prefix) + len(hb) + len("\n  ") + len(suffix) + 1 // + the last file's newline
	for _, f := range r.Files {
		scratch.Reset()
		if err := measure.Encode(f); err != nil {
			return nil, fmt.Errorf("encode receipt: file %s: %w", f.Path, err)
		}
		size += len(",\n    ") + scratch.Len() - 1
	}
	buf.Grow(size)
	buf.Write(prefix)
	buf.Write(hb[:at])
	buf.WriteByte('[')
	write := encoder(&buf)
	for i, f := range r.Files {
		if i > 0 {
			buf.WriteByte(',')
		}
		buf.WriteString("\n    ")
		if err := write.Encode(f); err != nil {
			return nil, fmt.Errorf("encode receipt: file %s: %w", f.Path, err)
		}
		buf.Truncate(buf.Len() - 1) // the Encoder's newline
	}
	buf.WriteString("\n  ]")
	buf.Write(hb[at+2:])
	buf.Write(suffix)
	return buf.Bytes(), nil
}
