package journal

import (
	"encoding/binary"
	"errors"
	"fmt"
	"hash/fnv"
	"io/fs"
	"os"
)

// bbolt creates a file by writing, in one write, two meta pages, an empty
// freelist and an empty leaf page, then syncing. If the disk fills up
// during that write, a shorter file is left behind (with 8 KiB free, one
// 4 KiB page), which bbolt then refuses for ever ("file size too small").
// Such a file cannot hold anything: nothing is written to a journal before
// its creation is complete. These constants are bbolt's file format
// (version 2): a page header of 16 bytes, then the meta page.
const (
	boltMagic        = 0xED0CDAED
	boltVersion      = 2
	boltMetaFlag     = 0x04
	boltPageHeader   = 16
	boltMetaSize     = 56 // magic … txid; the checksum follows
	boltCreatedPages = 4
	// halfCreatedMax bounds the files looked at: bbolt's largest page size
	// (64 KiB) times the pages of a complete new file.
	halfCreatedMax = 64 << 10 * boltCreatedPages
)

// halfCreated reports whether the file at path is what an interrupted
// creation of a bbolt file leaves: shorter than a new file, and either all
// zero bytes or starting with the first meta page exactly as a new file
// has it. Anything else (a damaged journal, a file that is not a journal)
// is not touched.
func halfCreated(path string) bool {
	fi, err := os.Stat(path)
	if err != nil || !fi.Mode().IsRegular() || fi.Size() == 0 || fi.Size() >= halfCreatedMax {
		return false
	}
	data, err := os.ReadFile(path)
	if err != nil {
		return false
	}
	if allZero(data) {
		return fi.Size() < int64(boltCreatedPages*os.Getpagesize()) // bbolt's page size for a new file
	}
	if len(data) < boltPageHeader+boltMetaSize+8 {
		return false
	}
	ne := binary.NativeEndian
	id, flags := ne.Uint64(data[0:8]), ne.Uint16(data[8:10])
	m := data[boltPageHeader:]
	pageSize := int64(ne.Uint32(m[8:12]))
	sum := fnv.New64a()
	sum.Write(m[:boltMetaSize])
	return id == 0 && flags == boltMetaFlag &&
		ne.Uint32(m[0:4]) == boltMagic && ne.Uint32(m[4:8]) == boltVersion &&
		pageSize >= 512 && pageSize&(pageSize-1) == 0 && fi.Size() < boltCreatedPages*pageSize &&
		ne.Uint64(m[16:24]) == 3 && // root bucket: the empty leaf page
		ne.Uint64(m[32:40]) == 2 && // freelist page
		ne.Uint64(m[40:48]) == 4 && // high-water page ID of a new file
		ne.Uint64(m[48:56]) == 0 && // transaction 0
		ne.Uint64(m[boltMetaSize:boltMetaSize+8]) == sum.Sum64()
}

func allZero(b []byte) bool {
	for _, c := range b {
		if c != 0 {
			return false
		}
	}
	return true
}

// removeHalfCreated deletes a half-created file at path (see halfCreated),
// so that the journal is created afresh.
func removeHalfCreated(path string) error {
	if !halfCreated(path) {
		return nil
	}
	if err := os.Remove(path); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("remove the half-created file: %w", err)
	}
	return nil
}
