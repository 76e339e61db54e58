package uploader

import (
	"context"
	"encoding/base64"
	"encoding/binary"
	"fmt"
	"hash/crc32"
	"io"
	"strings"
	"sync"
)

// CRC32C (Castagnoli) is the checksum Hoist sends with every part. Go
// computes it with the CPU's CRC32 instruction, S3 and MinIO verify it on
// arrival, and the composite checksum of a multipart object can be computed
// from the parts' checksums alone, so a resumed upload never re-reads parts
// that already arrived.
var castagnoli = crc32.MakeTable(crc32.Castagnoli)

// buffers holds read buffers for checksumming, so thousands of small files
// do not each allocate one.
var buffers = sync.Pool{New: func() any { b := make([]byte, 256<<10); return &b }}

// crcOf returns the base64 CRC32C of everything r yields, reading in
// chunks and stopping early when ctx ends.
func crcOf(ctx context.Context, r io.Reader) (string, error) {
	h := crc32.New(castagnoli)
	bufp := buffers.Get().(*[]byte)
	defer buffers.Put(bufp)
	buf := *bufp
	for {
		if err := ctx.Err(); err != nil {
			return "", err
		}
		n, err := r.Read(buf)
		h.Write(buf[:n])
		if err == io.EOF {
			break
		}
		if err != nil {
			return "", err
		}
	}
	return base64.StdEncoding.EncodeToString(h.Sum(nil)), nil
}

// compositeChecksum returns the checksum S3 reports for a multipart object
// whose parts (in order) have the given base64 CRC32C checksums:
// CRC32C(concatenated binary part checksums), "-", part count.
func compositeChecksum(parts []string) (string, error) {
	h := crc32.New(castagnoli)
	for i, p := range parts {
		raw, err := base64.StdEncoding.DecodeString(p)
		if err != nil || len(raw) != 4 {
			return "", fmt.Errorf("part %d has a malformed checksum %q", i+1, p)
		}
		h.Write(raw)
	}
	var sum [4]byte
	binary.BigEndian.PutUint32(sum[:], h.Sum32())
	return fmt.Sprintf("%s-%d", base64.StdEncoding.EncodeToString(sum[:]), len(parts)), nil
}

// sameChecksum compares a locally computed checksum with one a server
// reported. Servers differ in whether they add the "-N" part count to a
// composite checksum, so a missing suffix on one side is tolerated.
func sameChecksum(local, remote string) bool {
	if local == "" || remote == "" {
		return false
	}
	if local == remote {
		return true
	}
	l, _, _ := strings.Cut(local, "-")
	r, _, _ := strings.Cut(remote, "-")
	return l == r
}
