package journal

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"testing"

	bolt "go.etcd.io/bbolt"

	"hoist/uploader"
)

// newBoltPrefix returns the first n bytes of a file bbolt has just created:
// what an interrupted creation leaves (a write cut short by a full disk).
func newBoltPrefix(t *testing.T, n int) []byte {
	t.Helper()
	p := filepath.Join(t.TempDir(), "new.db")
	db, err := bolt.Open(p, 0o600, nil)
	if err != nil {
		t.Fatal(err)
	}
	db.Close()
	data, err := os.ReadFile(p)
	if err != nil {
		t.Fatal(err)
	}
	if n > len(data) {
		t.Fatalf("a new bbolt file has %d bytes", len(data))
	}
	return data[:n]
}

func TestHalfCreatedJournalIsStartedAfresh(t *testing.T) {
	page := os.Getpagesize()
	for _, tc := range []struct {
		name string
		data func(t *testing.T) []byte
	}{
		{"one page of four", func(t *testing.T) []byte { return newBoltPrefix(t, page) }},
		{"three pages of four", func(t *testing.T) []byte { return newBoltPrefix(t, 3*page) }},
		{"half a page", func(t *testing.T) []byte { return newBoltPrefix(t, page/2) }},
		{"zeros", func(*testing.T) []byte { return make([]byte, page) }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "journal.db")
			if err := os.WriteFile(path, tc.data(t), 0o600); err != nil {
				t.Fatal(err)
			}
			if !halfCreated(path) {
				t.Fatal("not recognised as half-created")
			}
			j, err := Open(path)
			if err != nil {
				t.Fatalf("Open: %v", err)
			}
			defer j.Close()
			job := &uploader.JobRecord{Source: "/x", Key: "x", State: uploader.StateQueued}
			if err := j.AddJobs([]*uploader.JobRecord{job}); err != nil {
				t.Fatal(err)
			}
		})
	}
}

// Only an interrupted creation is recognised: a journal that held data, or
// a file that is not a journal, is refused and left alone (see
// TestOpenRefusesDamagedFiles).
func TestHalfCreatedIsNarrow(t *testing.T) {
	page := os.Getpagesize()
	full := newBoltPrefix(t, 4*page)
	other := append([]byte(nil), full[:page]...)
	other[boltPageHeader+48] = 7 // a later transaction
	for _, tc := range []struct {
		name string
		data []byte
	}{
		{"complete new file", full},
		{"later transaction", other},
		{"text", []byte("hello, this is not a database\n")},
		{"a page of text", bytes.Repeat([]byte("x"), page)},
	} {
		t.Run(tc.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "journal.db")
			if err := os.WriteFile(path, tc.data, 0o600); err != nil {
				t.Fatal(err)
			}
			if halfCreated(path) {
				t.Fatal("recognised as half-created")
			}
		})
	}
}

func TestOpenReadOnly(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "journal.db")
	j, err := Open(path)
	if err != nil {
		t.Fatal(err)
	}
	job := &uploader.JobRecord{Source: "/a", Key: "a", State: uploader.StateDone}
	if err := j.AddJobs([]*uploader.JobRecord{job}); err != nil {
		t.Fatal(err)
	}
	j.Close()
	before, _ := os.ReadFile(path)
	if err := os.Chmod(path, 0o400); err != nil {
		t.Fatal(err)
	}

	ro, err := OpenReadOnly(path)
	if err != nil {
		t.Fatal(err)
	}
	jobs, err := ro.Jobs()
	if err != nil || len(jobs) != 1 || jobs[0].Key != "a" {
		t.Fatalf("jobs %v %v", jobs, err)
	}
	if err := ro.AddJobs([]*uploader.JobRecord{{Source: "/b", Key: "b"}}); err == nil {
		t.Error("a read-only journal took a write")
	}
	// Two readers at once.
	ro2, err := OpenReadOnly(path)
	if err != nil {
		t.Fatalf("second reader: %v", err)
	}
	ro2.Close()
	ro.Close()
	if after, _ := os.ReadFile(path); !bytes.Equal(before, after) {
		t.Error("OpenReadOnly changed the file")
	}

	// While a writer holds it: locked.
	os.Chmod(path, 0o600)
	w, err := Open(path)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := OpenReadOnly(path); !errors.Is(err, ErrLocked) {
		t.Errorf("read-only open beside a writer: %v, want ErrLocked", err)
	}
	w.Close()

	t.Run("missing file", func(t *testing.T) {
		missing := filepath.Join(t.TempDir(), "none", "journal.db")
		j, err := OpenReadOnly(missing)
		if err != nil {
			t.Fatal(err)
		}
		if jobs, err := j.Jobs(); err != nil || len(jobs) != 0 {
			t.Fatalf("jobs %v %v", jobs, err)
		}
		j.Close()
		if _, err := os.Stat(filepath.Dir(missing)); !errors.Is(err, os.ErrNotExist) {
			t.Error("OpenReadOnly created the folder")
		}
	})
	t.Run("half-created file", func(t *testing.T) {
		p := filepath.Join(t.TempDir(), "journal.db")
		data := newBoltPrefix(t, os.Getpagesize())
		os.WriteFile(p, data, 0o600)
		j, err := OpenReadOnly(p)
		if err != nil {
			t.Fatal(err)
		}
		j.Close()
		if after, _ := os.ReadFile(p); !bytes.Equal(data, after) {
			t.Error("OpenReadOnly changed the file")
		}
	})
	t.Run("damaged file", func(t *testing.T) {
		p := filepath.Join(t.TempDir(), "journal.db")
		os.WriteFile(p, bytes.Repeat([]byte("x"), 32<<10), 0o600)
		if _, err := OpenReadOnly(p); !errors.Is(err, ErrCorrupt) {
			t.Errorf("err = %v, want ErrCorrupt", err)
		}
	})
}
