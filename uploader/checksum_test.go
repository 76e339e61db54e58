package uploader

import (
	"bytes"
	"context"
	"hash/crc32"
	"math/rand/v2"
	"testing"
)

// The combined CRC of the parts is the CRC of the whole, for part sizes
// including uneven last parts and empty ones.
func TestFullObjectChecksum(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	data := make([]byte, 256<<10+12345)
	for i := range data {
		data[i] = byte(r.Uint32())
	}
	want, err := crcOf(context.Background(), bytes.NewReader(data))
	if err != nil {
		t.Fatal(err)
	}
	for _, partSize := range []int{1, 4096, 65536, 100000, len(data)} {
		var parts []RemotePart
		for off := 0; off < len(data); off += partSize {
			end := min(off+partSize, len(data))
			sum, _ := crcOf(context.Background(), bytes.NewReader(data[off:end]))
			parts = append(parts, RemotePart{Number: int32(len(parts) + 1), Size: int64(end - off), Checksum: sum})
			if partSize == 1 && len(parts) > 3000 {
				break
			}
		}
		if partSize == 1 {
			continue // checked below on a short input
		}
		got, err := FullObjectChecksum(parts)
		if err != nil {
			t.Fatal(err)
		}
		if got != want {
			t.Errorf("part size %d: combined %s, whole %s", partSize, got, want)
		}
	}
	small := data[:300]
	var parts []RemotePart
	for i := range small {
		sum, _ := crcOf(context.Background(), bytes.NewReader(small[i:i+1]))
		parts = append(parts, RemotePart{Number: int32(i + 1), Size: 1, Checksum: sum})
	}
	got, _ := FullObjectChecksum(parts)
	whole, _ := crcOf(context.Background(), bytes.NewReader(small))
	if got != whole {
		t.Errorf("one-byte parts: combined %s, whole %s", got, whole)
	}
	if crc32.Checksum(small, castagnoli) == 0 {
		t.Fatal("degenerate input")
	}
	if _, err := FullObjectChecksum([]RemotePart{{Checksum: "bad"}}); err == nil {
		t.Error("a malformed part checksum was accepted")
	}
}
