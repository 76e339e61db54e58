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
	if len(r.Files) < 64 {
		b, err := json.MarshalIndent(r, "", "  ") // small: no need to save
		if err != nil {
			return nil, fmt.Errorf("encode receipt: %w", err)
		}
		return append(b, '\n'), nil
	}
	head := *r
	head.Files = []File{}
	hb, err := json.MarshalIndent(head, "", "  ")
	if err != nil {
		return nil, fmt.Errorf("encode receipt: %w", err)
	}
	at := bytes.LastIndex(hb, []byte("[]"))
	if at < 0 {
		return nil, fmt.Errorf("encode receipt: no list of files in %q", hb)
	}
	files := make([][]byte, 0, min(len(r.Files), 1024))
	size := len(hb) + 1
	var buf bytes.Buffer
	encode := func(f File) ([]byte, error) {
		b, err := json.MarshalIndent(f, "    ", "  ")
		if err != nil {
			return nil, fmt.Errorf("encode receipt: file %s: %w", f.Path, err)
		}
		return b, nil
	}
	// First the size, so the buffer is allocated once.
	for _, f := range r.Files {
		b, err := encode(f)
		if err != nil {
			return nil, err
		}
		size += len(",\n    ") + len(b)
		if len(files) < cap(files) {
			files = append(files, b)
		}
	}
	size += len("\n  ")
	buf.Grow(size)
	buf.Write(hb[:at])
	buf.WriteByte('[')
	for i, f := range r.Files {
		if i > 0 {
			buf.WriteByte(',')
		}
		buf.WriteString("\n    ")
		if i < len(files) {
			buf.Write(files[i])
			continue
		}
		b, err := encode(f)
		if err != nil {
			return nil, err
		}
		buf.Write(b)
	}
	if len(r.Files) > 0 {
		buf.WriteString("\n  ")
	}
	buf.WriteByte(']')
	buf.Write(hb[at+2:])
	buf.WriteByte('\n')
	return buf.Bytes(), nil
}
