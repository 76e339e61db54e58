//go:build unix

package instance

import (
	"os"
	"path/filepath"
	"testing"
)

// checkPrivate checks that the socket and its folder are the user's only.
func checkPrivate(t *testing.T, data string) {
	t.Helper()
	path, _ := socketPath(key(data))
	fi, err := os.Stat(path)
	if err != nil || fi.Mode().Perm() != 0o600 {
		t.Errorf("socket %s: %v %v", path, fi, err)
	}
	di, err := os.Stat(filepath.Dir(path))
	if err != nil || di.Mode().Perm() != 0o700 {
		t.Errorf("folder: %v %v", di, err)
	}
}

// leaveStale leaves what a crashed Hoist leaves: a socket file nobody
// listens on.
func leaveStale(t *testing.T, data string) {
	t.Helper()
	path, _ := socketPath(key(data))
	if err := os.WriteFile(path, nil, 0o600); err != nil {
		t.Fatal(err)
	}
}
