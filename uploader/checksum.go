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

// fileSums reads size bytes of r once and returns both the base64 CRC32C
// of the whole and the composite checksum S3 reports for a multipart
// object of parts of partSize, so an object already in place can be
// recognised whichever way it was checksummed.
func fileSums(ctx context.Context, r io.ReaderAt, size, partSize int64) (full, composite string, err error) {
	whole := crc32.New(castagnoli)
	count := PartCount(size, partSize)
	parts := make([]string, 0, count)
	bufp := buffers.Get().(*[]byte)
	defer buffers.Put(bufp)
	buf := *bufp
	for n := int32(1); n <= count; n++ {
		off, length := partRange(n, size, partSize)
		part := crc32.New(castagnoli)
		sec := io.NewSectionReader(r, off, length)
		for {
			if err := ctx.Err(); err != nil {
				return "", "", err
			}
			k, rerr := sec.Read(buf)
			whole.Write(buf[:k])
			part.Write(buf[:k])
			if rerr == io.EOF {
				break
			}
			if rerr != nil {
				return "", "", rerr
			}
		}
		parts = append(parts, base64.StdEncoding.EncodeToString(part.Sum(nil)))
	}
	composite, err = compositeChecksum(parts)
	if err != nil {
		return "", "", err
	}
	return base64.StdEncoding.EncodeToString(whole.Sum(nil)), composite, nil
}

// matchesEither reports whether a checksum the store reported is the
// composite one or, for a full-object checksum (a single PUT, or a
// multipart upload of type FULL_OBJECT), the whole file's CRC32C.
func matchesEither(remote, full, composite string) bool {
	if remote == "" {
		return false
	}
	if !strings.Contains(remote, "-") && remote == full {
		return true
	}
	return sameChecksum(composite, remote)
}

// Checksum types, as S3 names them: the type of the checksum a multipart
// object reports.
const (
	// ChecksumFullObject is the CRC32C of the object's bytes, the same value
	// a single PUT reports and any CRC32C tool computes from the downloaded
	// file.
	ChecksumFullObject = "FULL_OBJECT"
	// ChecksumComposite is the CRC32C of the parts' checksums followed by
	// "-<part count>": verifiable only knowing the part size.
	ChecksumComposite = "COMPOSITE"
)

// crcPoly is the reflected Castagnoli polynomial (without the x^32 term).
const crcPoly = 0x82f63b78

// crcMulMod multiplies a and b as polynomials modulo the Castagnoli
// polynomial, both in the reflected bit order CRC32C values use (the top bit
// is x^0).
func crcMulMod(a, b uint32) uint32 {
	var p uint32
	for i := range 32 {
		if a&(1<<31>>i) != 0 {
			p ^= b
		}
		// b *= x
		if b&1 != 0 {
			b = b>>1 ^ crcPoly
		} else {
			b >>= 1
		}
	}
	return p
}

// crcShift returns x^(8n) modulo the polynomial: the factor that moves a
// CRC past n more bytes.
func crcShift(n int64) uint32 {
	result, base := uint32(1)<<31, uint32(1)<<23 // x^0, x^8
	for ; n > 0; n >>= 1 {
		if n&1 != 0 {
			result = crcMulMod(result, base)
		}
		base = crcMulMod(base, base)
	}
	return result
}

// crcCombine returns the CRC32C of A followed by B from crc(A), crc(B) and
// len(B): crc(A)·x^(8·len(B)) + crc(B). The initial and final inversions of
// CRC32C cancel out in this sum.
func crcCombine(a, b uint32, lenB int64) uint32 {
	return crcMulMod(a, crcShift(lenB)) ^ b
}

// FullObjectChecksum returns the base64 CRC32C of a whole object from its
// parts' base64 CRC32C checksums and sizes (in order), without reading the
// bytes again: the FULL_OBJECT checksum S3 reports for a multipart upload.
func FullObjectChecksum(parts []RemotePart) (string, error) {
	var crc uint32
	for i, p := range parts {
		raw, err := base64.StdEncoding.DecodeString(p.Checksum)
		if err != nil || len(raw) != 4 {
			return "", fmt.Errorf("part %d has a malformed checksum %q", i+1, p.Checksum)
		}
		sum := binary.BigEndian.Uint32(raw)
		if i == 0 {
			crc = sum
			continue
		}
		crc = crcCombine(crc, sum, p.Size)
	}
	var out [4]byte
	binary.BigEndian.PutUint32(out[:], crc)
	return base64.StdEncoding.EncodeToString(out[:]), nil
}

// fullChecksum is FullObjectChecksum of journaled parts.
func fullChecksum(parts []PartRecord) (string, error) {
	rp := make([]RemotePart, len(parts))
	for i, p := range parts {
		rp[i] = RemotePart{Number: p.Number, Size: p.Size, Checksum: p.Checksum}
	}
	return FullObjectChecksum(rp)
}

// checksumType says which kind of checksum a server reported: composite
// ones end in "-<parts>".
func checksumType(s string) string {
	if strings.Contains(s, "-") {
		return ChecksumComposite
	}
	return ChecksumFullObject
}
