package signin

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"testing"
)

// exerciseStore checks the TokenStore contract on s.
func exerciseStore(t *testing.T, s TokenStore, key string) {
	t.Helper()
	if _, err := s.Load(key); !errors.Is(err, ErrNotFound) {
		t.Fatalf("Load of a missing key = %v, want ErrNotFound", err)
	}
	if err := s.Delete(key); !errors.Is(err, ErrNotFound) {
		t.Errorf("Delete of a missing key = %v, want ErrNotFound", err)
	}
	for _, v := range []string{"rt-one", "rt-two with spaces & <symbols> ✓"} {
		if err := s.Save(key, v); err != nil {
			t.Fatalf("Save: %v", err)
		}
		if got, err := s.Load(key); err != nil || got != v {
			t.Fatalf("Load = %q, %v; want %q", got, err, v)
		}
	}
	if err := s.Delete(key); err != nil {
		t.Fatalf("Delete: %v", err)
	}
	if _, err := s.Load(key); !errors.Is(err, ErrNotFound) {
		t.Errorf("Load after Delete = %v, want ErrNotFound", err)
	}
}

func TestMemoryStore(t *testing.T) {
	exerciseStore(t, NewMemoryStore(), "k")
}

func TestFileStoreContract(t *testing.T) {
	exerciseStore(t, NewFileStore(t.TempDir()), "https://idp.example hoist")
}

func TestFileStorePermissions(t *testing.T) {
	if runtime.GOOS == "windows" {
		t.Skip("no Unix modes on Windows")
	}
	dir := filepath.Join(t.TempDir(), "new", "hoist")
	s := NewFileStore(dir)
	if err := s.Save("k", "secret"); err != nil {
		t.Fatal(err)
	}
	mode := func(p string) os.FileMode {
		fi, err := os.Stat(p)
		if err != nil {
			t.Fatal(err)
		}
		return fi.Mode().Perm()
	}
	if m := mode(s.Path()); m != 0o600 {
		t.Errorf("file mode %o, want 600", m)
	}
	if m := mode(dir); m != 0o700 {
		t.Errorf("dir mode %o, want 700", m)
	}
	if err := s.Save("k", "secret2"); err != nil {
		t.Fatal(err)
	}
	if m := mode(s.Path()); m != 0o600 {
		t.Errorf("file mode after rewrite %o, want 600", m)
	}
}

func TestFileStoreAtomicReplace(t *testing.T) {
	dir := t.TempDir()
	s := NewFileStore(dir)
	if err := s.Save("a", "1"); err != nil {
		t.Fatal(err)
	}
	before, err := os.Stat(s.Path())
	if err != nil {
		t.Fatal(err)
	}
	// A reader holding the old file keeps reading the old content.
	held, err := os.Open(s.Path())
	if err != nil {
		t.Fatal(err)
	}
	defer held.Close()
	if err := s.Save("b", "2"); err != nil {
		t.Fatal(err)
	}
	after, err := os.Stat(s.Path())
	if err != nil {
		t.Fatal(err)
	}
	if os.SameFile(before, after) {
		t.Error("file rewritten in place, not replaced by rename")
	}
	old := make([]byte, 4096)
	n, _ := held.Read(old)
	if string(old[:n]) == "" || strings.Contains(string(old[:n]), `"b"`) {
		t.Errorf("old file changed under its reader: %q", old[:n])
	}
	entries, _ := os.ReadDir(dir)
	if len(entries) != 1 || entries[0].Name() != FileStoreName {
		t.Errorf("dir holds %v, want only %s (no temp files left)", entries, FileStoreName)
	}
	// Another instance (the next run) reads both entries.
	s2 := NewFileStore(dir)
	for k, want := range map[string]string{"a": "1", "b": "2"} {
		if got, err := s2.Load(k); err != nil || got != want {
			t.Errorf("Load(%s) = %q, %v", k, got, err)
		}
	}
	// Deleting the last entry removes the file.
	_ = s2.Delete("a")
	_ = s2.Delete("b")
	if _, err := os.Stat(s.Path()); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("empty store file left behind: %v", err)
	}
}

func TestFileStoreConcurrentSaves(t *testing.T) {
	s := NewFileStore(t.TempDir())
	var wg sync.WaitGroup
	for i := range 20 {
		wg.Go(func() {
			if err := s.Save(fmt.Sprint("k", i), fmt.Sprint(i)); err != nil {
				t.Error(err)
			}
		})
	}
	wg.Wait()
	for i := range 20 {
		if got, err := s.Load(fmt.Sprint("k", i)); err != nil || got != fmt.Sprint(i) {
			t.Errorf("k%d = %q, %v", i, got, err)
		}
	}
}

func TestFileStoreCorruptFile(t *testing.T) {
	dir := t.TempDir()
	s := NewFileStore(dir)
	if err := os.WriteFile(s.Path(), []byte("{not json"), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Load("k"); err == nil || errors.Is(err, ErrNotFound) {
		t.Errorf("Load of a corrupt file = %v, want a parse error", err)
	}
}
