//go:build !linux

package journal

import bolt "go.etcd.io/bbolt"

// releaseMapped does nothing here: only Linux is known to need it (see
// mapped_linux.go).
func releaseMapped(*bolt.Tx) {}
