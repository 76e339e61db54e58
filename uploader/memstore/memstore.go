// Package memstore is an in-memory uploader.Store for unit tests of the
// engine. It follows S3's rules closely enough for the engine's logic
// (checksums verified, conditional writes, multipart uploads that vanish on
// completion or abort) and lets a test inject failures. It is not a
// substitute for the real-server tests in package s3store.
package memstore

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/binary"
	"errors"
	"fmt"
	"hash/crc32"
	"io"
	"sort"
	"strconv"
	"sync"

	"hoist/uploader"
)

// Store is a thread-safe in-memory object store.
type Store struct {
	mu      sync.Mutex
	objects map[string]object
	uploads map[string]*upload
	nextID  int
	// Hook, if set, runs before every operation (op is "put", "create",
	// "part", "list", "complete", "abort", "head"); a non-nil error is
	// returned instead of doing it. It is called without the lock held.
	Hook func(ctx context.Context, op, key string, part int32) error
	// FullObject makes multipart objects report the full-object CRC32C
	// (S3's FULL_OBJECT checksum type) instead of the composite one. Set it
	// before use.
	FullObject bool
	// Counts of calls per op.
	calls     map[string]int
	partsSent int
}

type object struct {
	data     []byte
	checksum string
}

type upload struct {
	key   string
	parts map[int32]uploader.RemotePart
	data  map[int32][]byte
}

// New returns an empty store.
func New() *Store {
	return &Store{objects: map[string]object{}, uploads: map[string]*upload{}, calls: map[string]int{}}
}

var table = crc32.MakeTable(crc32.Castagnoli)

func crc(b []byte) string {
	var sum [4]byte
	binary.BigEndian.PutUint32(sum[:], crc32.Checksum(b, table))
	return base64.StdEncoding.EncodeToString(sum[:])
}

func storeErr(kind uploader.ErrorKind, code string) error {
	return &uploader.StoreError{Kind: kind, Code: code, Err: errors.New(code)}
}

func (s *Store) hook(ctx context.Context, op, key string, part int32) error {
	s.mu.Lock()
	s.calls[op]++
	h := s.Hook
	s.mu.Unlock()
	if err := ctx.Err(); err != nil {
		return err
	}
	if h != nil {
		return h(ctx, op, key, part)
	}
	return nil
}

// SetHook replaces Hook safely while the store is in use.
func (s *Store) SetHook(h func(ctx context.Context, op, key string, part int32) error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.Hook = h
}

// Calls returns how many times op was called.
func (s *Store) Calls(op string) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.calls[op]
}

// SetBareObject stores an object that has no checksum (as if written by a
// client that sent none).
func (s *Store) SetBareObject(key string, data []byte) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.objects[key] = object{data: data}
}

// PartsSent counts UploadPart calls that stored a part.
func (s *Store) PartsSent() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.partsSent
}

// Object returns a stored object's bytes.
func (s *Store) Object(key string) ([]byte, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	o, ok := s.objects[key]
	return o.data, ok
}

// Keys returns the stored keys, sorted.
func (s *Store) Keys() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	keys := make([]string, 0, len(s.objects))
	for k := range s.objects {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

// Uploads returns how many multipart uploads are in progress.
func (s *Store) Uploads() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.uploads)
}

// SetObject stores an object directly.
func (s *Store) SetObject(key string, data []byte) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.objects[key] = object{data: data, checksum: crc(data)}
}

func readAll(ctx context.Context, body io.Reader, size int64) ([]byte, error) {
	data, err := io.ReadAll(body)
	if err != nil {
		return nil, err
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	if int64(len(data)) != size {
		return nil, storeErr(uploader.KindRetryable, "IncompleteBody")
	}
	return data, nil
}

// Head implements uploader.Store.
func (s *Store) Head(ctx context.Context, key string) (uploader.ObjectInfo, error) {
	if err := s.hook(ctx, "head", key, 0); err != nil {
		return uploader.ObjectInfo{}, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	o, ok := s.objects[key]
	if !ok {
		return uploader.ObjectInfo{}, storeErr(uploader.KindNotFound, "NotFound")
	}
	return uploader.ObjectInfo{Size: int64(len(o.data)), Checksum: o.checksum}, nil
}

// Put implements uploader.Store.
func (s *Store) Put(ctx context.Context, key string, body io.ReadSeeker, size int64, checksum string, ifNoneMatch bool) (uploader.ObjectInfo, error) {
	if err := s.hook(ctx, "put", key, 0); err != nil {
		return uploader.ObjectInfo{}, err
	}
	data, err := readAll(ctx, body, size)
	if err != nil {
		return uploader.ObjectInfo{}, err
	}
	if checksum != "" && crc(data) != checksum {
		return uploader.ObjectInfo{}, storeErr(uploader.KindBadDigest, "BadDigest")
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, ok := s.objects[key]; ok && ifNoneMatch {
		return uploader.ObjectInfo{}, storeErr(uploader.KindPrecondition, "PreconditionFailed")
	}
	s.objects[key] = object{data: data, checksum: crc(data)}
	return uploader.ObjectInfo{Size: size, Checksum: crc(data)}, nil
}

// CreateMultipart implements uploader.Store.
func (s *Store) CreateMultipart(ctx context.Context, key string) (string, error) {
	if err := s.hook(ctx, "create", key, 0); err != nil {
		return "", err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.nextID++
	id := "upload-" + strconv.Itoa(s.nextID)
	s.uploads[id] = &upload{key: key, parts: map[int32]uploader.RemotePart{}, data: map[int32][]byte{}}
	return id, nil
}

func (s *Store) uploadLocked(key, id string) (*upload, error) {
	u, ok := s.uploads[id]
	if !ok || u.key != key {
		return nil, storeErr(uploader.KindNoSuchUpload, "NoSuchUpload")
	}
	return u, nil
}

// UploadPart implements uploader.Store.
func (s *Store) UploadPart(ctx context.Context, key, uploadID string, number int32, body io.ReadSeeker, size int64, checksum string) (string, error) {
	if err := s.hook(ctx, "part", key, number); err != nil {
		return "", err
	}
	data, err := readAll(ctx, body, size)
	if err != nil {
		return "", err
	}
	if checksum != "" && crc(data) != checksum {
		return "", storeErr(uploader.KindBadDigest, "BadDigest")
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	u, err := s.uploadLocked(key, uploadID)
	if err != nil {
		return "", err
	}
	etag := fmt.Sprintf("%q", crc(data)+strconv.Itoa(int(number)))
	u.parts[number] = uploader.RemotePart{Number: number, Size: size, ETag: etag, Checksum: crc(data)}
	u.data[number] = data
	s.partsSent++
	return etag, nil
}

// ListParts implements uploader.Store.
func (s *Store) ListParts(ctx context.Context, key, uploadID string) ([]uploader.RemotePart, error) {
	if err := s.hook(ctx, "list", key, 0); err != nil {
		return nil, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	u, err := s.uploadLocked(key, uploadID)
	if err != nil {
		return nil, err
	}
	parts := make([]uploader.RemotePart, 0, len(u.parts))
	for _, p := range u.parts {
		parts = append(parts, p)
	}
	sort.Slice(parts, func(i, j int) bool { return parts[i].Number < parts[j].Number })
	return parts, nil
}

// CompleteMultipart implements uploader.Store.
func (s *Store) CompleteMultipart(ctx context.Context, key, uploadID string, parts []uploader.RemotePart, ifNoneMatch bool) (uploader.ObjectInfo, error) {
	if err := s.hook(ctx, "complete", key, 0); err != nil {
		return uploader.ObjectInfo{}, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	u, err := s.uploadLocked(key, uploadID)
	if err != nil {
		return uploader.ObjectInfo{}, err
	}
	if _, ok := s.objects[key]; ok && ifNoneMatch {
		return uploader.ObjectInfo{}, storeErr(uploader.KindPrecondition, "PreconditionFailed")
	}
	var buf bytes.Buffer
	h := crc32.New(table)
	for i, p := range parts {
		have, ok := u.parts[p.Number]
		if !ok || have.ETag != p.ETag || p.Number != int32(i+1) {
			return uploader.ObjectInfo{}, storeErr(uploader.KindPermanent, "InvalidPart")
		}
		raw, _ := base64.StdEncoding.DecodeString(have.Checksum)
		h.Write(raw)
		buf.Write(u.data[p.Number])
	}
	var sum [4]byte
	binary.BigEndian.PutUint32(sum[:], h.Sum32())
	checksum := fmt.Sprintf("%s-%d", base64.StdEncoding.EncodeToString(sum[:]), len(parts))
	if s.FullObject {
		checksum = crc(buf.Bytes())
	}
	s.objects[key] = object{data: buf.Bytes(), checksum: checksum}
	delete(s.uploads, uploadID)
	return uploader.ObjectInfo{Size: int64(buf.Len()), Checksum: checksum}, nil
}

// AbortMultipart implements uploader.Store.
func (s *Store) AbortMultipart(ctx context.Context, key, uploadID string) error {
	if err := s.hook(ctx, "abort", key, 0); err != nil {
		return err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	delete(s.uploads, uploadID)
	return nil
}
