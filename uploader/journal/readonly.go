package journal

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
)

// OpenReadOnly opens the journal at path for reading, for commands that
// only look (history): it never writes the file or its folder, so it works
// on a read-only disk or folder. Writing methods of the result fail.
//
// A file that is missing, or that only a write would bring to the current
// layout (a file whose creation was cut short, one from before a bucket was
// added), is read from a private copy in the temporary folder instead (an
// empty journal when it is missing); Close removes the copy.
//
// Errors are those of Open: ErrLocked while a Hoist that writes the file
// holds it, ErrCorrupt, ErrNewerVersion; each prefixed "open journal
// <path>".
func OpenReadOnly(path string) (j *Journal, err error) {
	defer func() {
		if err != nil {
			err = fmt.Errorf("open journal %s: %w", path, err)
		}
	}()
	fi, err := os.Stat(path)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return openPrivate(path, "")
	case err != nil:
		return nil, err
	case fi.Size() == 0 || halfCreated(path):
		return openPrivate(path, "")
	}
	db, err := openBolt(path, true)
	if err != nil {
		return nil, err
	}
	j = &Journal{db: db, path: path}
	fresh, missing, err := j.check()
	if err != nil {
		_ = db.Close()
		return nil, err
	}
	if !fresh && !missing {
		return j, nil
	}
	_ = db.Close()
	return openPrivate(path, path)
}

// openPrivate opens a journal in a new temporary folder: a copy of from, or
// a new one when from is "". Its path (for messages) is shown as path.
func openPrivate(path, from string) (*Journal, error) {
	dir, err := os.MkdirTemp("", "hoist-journal-")
	if err != nil {
		return nil, fmt.Errorf("make a private copy: %w", err)
	}
	copyPath := filepath.Join(dir, "journal.db")
	if from != "" {
		if err := copyFile(copyPath, from); err != nil {
			_ = os.RemoveAll(dir)
			return nil, fmt.Errorf("make a private copy: %w", err)
		}
	}
	j, err := Open(copyPath)
	if err != nil {
		_ = os.RemoveAll(dir)
		return nil, errors.Unwrap(err) // Open named the copy; the caller names path
	}
	j.path, j.private = path, dir
	return j, nil
}

func copyFile(to, from string) error {
	src, err := os.Open(from)
	if err != nil {
		return err
	}
	defer src.Close()
	dst, err := os.OpenFile(to, os.O_CREATE|os.O_EXCL|os.O_WRONLY, 0o600)
	if err != nil {
		return err
	}
	if _, err := io.Copy(dst, src); err != nil {
		dst.Close()
		return err
	}
	return dst.Close()
}
