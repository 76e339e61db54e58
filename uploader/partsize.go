package uploader

import "fmt"

// S3 multipart limits.
const (
	MiB = int64(1) << 20
	GiB = int64(1) << 30
	TiB = int64(1) << 40

	// MinPartSize is the smallest part S3 accepts (except the last).
	MinPartSize = 5 * MiB
	// MaxPartSize is the largest part S3 accepts.
	MaxPartSize = 5 * GiB
	// MaxParts is the most parts one multipart upload may have.
	MaxParts = 10000
	// MaxObjectSize is the largest object S3 stores.
	MaxObjectSize = 5 * TiB
)

// PartSize returns the part size for a file of fileSize bytes: at least
// minPart (raised to MinPartSize), grown in whole MiB so that the file needs
// no more than MaxParts parts. It fails for files larger than MaxObjectSize.
func PartSize(fileSize, minPart int64) (int64, error) {
	if fileSize > MaxObjectSize {
		return 0, fmt.Errorf("file of %d bytes is larger than the 5 TiB S3 allows", fileSize)
	}
	size := max(minPart, MinPartSize)
	if need := ceilDiv(fileSize, MaxParts); need > size {
		size = ceilDiv(need, MiB) * MiB
	}
	return min(size, MaxPartSize), nil
}

// PartCount returns how many parts of partSize a file of fileSize needs
// (at least one, so an empty file still has a part).
func PartCount(fileSize, partSize int64) int32 {
	if fileSize == 0 {
		return 1
	}
	return int32(ceilDiv(fileSize, partSize))
}

// partRange returns the offset and length of part n (1-based).
func partRange(n int32, fileSize, partSize int64) (off, length int64) {
	off = int64(n-1) * partSize
	return off, min(partSize, fileSize-off)
}

func ceilDiv(a, b int64) int64 { return (a + b - 1) / b }
