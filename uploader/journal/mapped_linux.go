package journal

import (
	bolt "go.etcd.io/bbolt"
	"golang.org/x/sys/unix"
)

// releaseMapped lets go of the journal's pages that the process has
// mapped (bbolt reads the file through a shared, read-only mapping), so
// that a walk through all of history does not keep the whole file in the
// process's resident memory. The pages stay in the page cache and come
// back on the next read; no data changes. It must run inside a
// transaction of tx's journal: bbolt remaps the file only when no
// transaction reads it (or within the writing one, at commit).
func releaseMapped(tx *bolt.Tx) {
	size := tx.Size() // how much of the file this transaction sees, within the mapping
	if size <= 0 {
		return
	}
	// A raw madvise(MADV_DONTNEED) on the mapping bbolt made; an error
	// (there should be none) only leaves the pages mapped.
	_, _, _ = unix.Syscall(unix.SYS_MADVISE, tx.DB().Info().Data, uintptr(size), unix.MADV_DONTNEED)
}
