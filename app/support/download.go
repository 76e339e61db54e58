package support

import (
	"context"
	"encoding/base64"
	"encoding/binary"
	"errors"
	"fmt"
	"hash/crc32"
	"io"
	"os"
	"path/filepath"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/s3/types"
)

// ErrChecksumMismatch means a downloaded file's bytes do not match the
// checksum the store reports for the object.
var ErrChecksumMismatch = errors.New("the downloaded bytes do not match the stored checksum")

// Downloaded reports a verified download.
type Downloaded struct {
	Path string `json:"path"`
	Size int64  `json:"size"`
	// CRC32C is the base64 CRC32C of the bytes written, equal to the one the
	// store reports for the object (its FULL_OBJECT checksum).
	CRC32C string `json:"crc32c"`
}

// Download writes the object at key to dest (a file, or a folder to put
// it in under its own name) and verifies it: the CRC32C of the bytes
// written must equal the full-object CRC32C the store reports. The file is
// written next to dest first and moved in place only once verified; a
// mismatch leaves nothing behind and returns ErrChecksumMismatch.
func (d *Desk) Download(ctx context.Context, key, dest string) (Downloaded, error) {
	head, err := d.client.HeadObject(ctx, &s3.HeadObjectInput{Bucket: &d.bucket, Key: &key, ChecksumMode: types.ChecksumModeEnabled})
	if err != nil {
		return Downloaded{}, fmt.Errorf("look up %s: %w", key, err)
	}
	want := aws.ToString(head.ChecksumCRC32C)
	if want == "" || strings.Contains(want, "-") || head.ChecksumType == types.ChecksumTypeComposite {
		return Downloaded{}, fmt.Errorf("download %s: the store reports no full-object CRC32C for it (%q), so it cannot be verified", key, want)
	}
	if fi, err := os.Stat(dest); err == nil && fi.IsDir() {
		dest = filepath.Join(dest, filepath.Base(filepath.FromSlash(key)))
	}
	out, err := d.client.GetObject(ctx, &s3.GetObjectInput{Bucket: &d.bucket, Key: &key})
	if err != nil {
		return Downloaded{}, fmt.Errorf("download %s: %w", key, err)
	}
	defer out.Body.Close()
	tmp, err := os.CreateTemp(filepath.Dir(dest), "."+filepath.Base(dest)+".part-*")
	if err != nil {
		return Downloaded{}, fmt.Errorf("download %s: %w", key, err)
	}
	defer os.Remove(tmp.Name()) // nothing left once renamed
	h := crc32.New(crc32.MakeTable(crc32.Castagnoli))
	n, err := io.Copy(io.MultiWriter(tmp, h), out.Body)
	if cerr := tmp.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return Downloaded{}, fmt.Errorf("download %s: %w", key, err)
	}
	var sum [4]byte
	binary.BigEndian.PutUint32(sum[:], h.Sum32())
	got := base64.StdEncoding.EncodeToString(sum[:])
	if got != want {
		return Downloaded{}, fmt.Errorf("download %s: %w (CRC32C %s, stored %s)", key, ErrChecksumMismatch, got, want)
	}
	if err := os.Rename(tmp.Name(), dest); err != nil {
		return Downloaded{}, fmt.Errorf("download %s: %w", key, err)
	}
	return Downloaded{Path: dest, Size: n, CRC32C: got}, nil
}
