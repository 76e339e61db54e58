package signin

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sync"
)

// TokenStore keeps small secrets (the refresh token) between runs, under a
// key naming the provider and client. Implementations must be safe for
// concurrent use. Load and Delete return an error matching [ErrNotFound]
// when there is no entry for key.
type TokenStore interface {
	Load(key string) (string, error)
	Save(key, value string) error
	Delete(key string) error
}

// ErrNotFound is matched by TokenStore errors for a key with no entry.
var ErrNotFound = errors.New("no saved sign-in")

// MemoryStore keeps entries in memory only: nothing survives the process.
// For tests, and for a person who chose not to stay signed in.
type MemoryStore struct {
	mu      sync.Mutex
	entries map[string]string
}

// NewMemoryStore returns an empty MemoryStore.
func NewMemoryStore() *MemoryStore { return &MemoryStore{entries: map[string]string{}} }

// Load returns the value for key or ErrNotFound.
func (m *MemoryStore) Load(key string) (string, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	v, ok := m.entries[key]
	if !ok {
		return "", ErrNotFound
	}
	return v, nil
}

// Save sets the value for key.
func (m *MemoryStore) Save(key, value string) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.entries[key] = value
	return nil
}

// Delete removes key, or returns ErrNotFound.
func (m *MemoryStore) Delete(key string) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	if _, ok := m.entries[key]; !ok {
		return ErrNotFound
	}
	delete(m.entries, key)
	return nil
}

// FileStoreName is the file a FileStore keeps in its directory.
const FileStoreName = "signin.json"

// FileStore keeps entries in one JSON file readable only by its owner (mode
// 0600, in a directory created 0700). Every change rewrites the whole file
// through a temporary file and a rename, so a crash leaves either the old or
// the new file, never half of one. Safe for concurrent use within a
// process; two processes writing at once may lose one's change.
type FileStore struct {
	path string
	mu   sync.Mutex
}

// fileStoreDoc is the file's content.
type fileStoreDoc struct {
	Version int               `json:"version"`
	Entries map[string]string `json:"entries"`
}

// NewFileStore returns a store in dir/signin.json. Nothing is touched until
// the first Save.
func NewFileStore(dir string) *FileStore {
	return &FileStore{path: filepath.Join(dir, FileStoreName)}
}

// Path is the file's path.
func (f *FileStore) Path() string { return f.path }

// Load returns the value for key, or ErrNotFound when the file or the key
// is missing.
func (f *FileStore) Load(key string) (string, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	doc, err := f.read()
	if err != nil {
		return "", err
	}
	v, ok := doc.Entries[key]
	if !ok {
		return "", ErrNotFound
	}
	return v, nil
}

// Save sets the value for key, creating the directory (0700) and the file
// (0600) as needed.
func (f *FileStore) Save(key, value string) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	doc, err := f.read()
	if err != nil {
		return err
	}
	doc.Entries[key] = value
	return f.write(doc)
}

// Delete removes key (and the file once it is empty), or returns
// ErrNotFound.
func (f *FileStore) Delete(key string) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	doc, err := f.read()
	if err != nil {
		return err
	}
	if _, ok := doc.Entries[key]; !ok {
		return ErrNotFound
	}
	delete(doc.Entries, key)
	if len(doc.Entries) == 0 {
		return f.remove()
	}
	return f.write(doc)
}

// read returns the file's content; a missing file reads as empty.
func (f *FileStore) read() (fileStoreDoc, error) {
	doc := fileStoreDoc{Version: 1, Entries: map[string]string{}}
	data, err := os.ReadFile(f.path)
	if errors.Is(err, fs.ErrNotExist) {
		return doc, nil
	}
	if err != nil {
		return doc, fmt.Errorf("read the sign-in file: %w", err)
	}
	if err := json.Unmarshal(data, &doc); err != nil {
		return doc, fmt.Errorf("parse the sign-in file %s: %w", f.path, err)
	}
	if doc.Entries == nil {
		doc.Entries = map[string]string{}
	}
	return doc, nil
}

// write replaces the file atomically with doc.
func (f *FileStore) write(doc fileStoreDoc) error {
	data, err := json.MarshalIndent(doc, "", "  ")
	if err != nil {
		return fmt.Errorf("encode the sign-in file: %w", err)
	}
	if err := ensurePrivateDir(filepath.Dir(f.path)); err != nil {
		return err
	}
	if err := writeFileAtomic(f.path, data); err != nil {
		return fmt.Errorf("write the sign-in file: %w", err)
	}
	return nil
}

func (f *FileStore) remove() error {
	if err := os.Remove(f.path); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("remove the sign-in file: %w", err)
	}
	return nil
}

// ensurePrivateDir creates dir with mode 0700 when missing (whatever the
// umask). An existing directory is left as it is.
func ensurePrivateDir(dir string) error {
	if _, err := os.Stat(dir); err == nil {
		return nil
	}
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return fmt.Errorf("create the sign-in directory: %w", err)
	}
	if err := os.Chmod(dir, 0o700); err != nil {
		return fmt.Errorf("restrict the sign-in directory: %w", err)
	}
	return nil
}

// writeFileAtomic writes data to a 0600 temporary file next to path, syncs
// it and renames it over path.
func writeFileAtomic(path string, data []byte) (err error) {
	tmp, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".*.tmp")
	if err != nil {
		return fmt.Errorf("create a temporary file: %w", err)
	}
	defer func() {
		if err != nil {
			_ = tmp.Close()
			_ = os.Remove(tmp.Name())
		}
	}()
	if err := tmp.Chmod(0o600); err != nil {
		return fmt.Errorf("restrict the temporary file: %w", err)
	}
	if _, err := tmp.Write(data); err != nil {
		return fmt.Errorf("write the temporary file: %w", err)
	}
	if err := tmp.Sync(); err != nil {
		return fmt.Errorf("sync the temporary file: %w", err)
	}
	if err := tmp.Close(); err != nil {
		return fmt.Errorf("close the temporary file: %w", err)
	}
	if err := os.Rename(tmp.Name(), path); err != nil {
		return fmt.Errorf("replace %s: %w", path, err)
	}
	return nil
}
