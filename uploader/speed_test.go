package uploader_test

import (
	"context"
	"errors"
	"io"
	"sync/atomic"
	"testing"
	"time"

	"hoist/uploader"
	"hoist/uploader/memstore"
)

// bufferingStore takes each part's bytes at once and then holds the request
// until the test lets it go, like a network stack that swallows megabytes
// into its buffers and then drains them slowly.
type bufferingStore struct {
	*memstore.Store
	gate chan struct{}
}

func (s bufferingStore) UploadPart(ctx context.Context, key, uploadID string, number int32, body io.ReadSeeker, size int64, checksum string) (string, error) {
	etag, err := s.Store.UploadPart(ctx, key, uploadID, number, body, size, checksum)
	select {
	case <-s.gate:
	case <-ctx.Done():
		return "", ctx.Err()
	}
	return etag, err
}

// Bytes taken in the first moments of a run count towards the job's speed,
// as they do towards the overall speed.
func TestSpeedCountsFromTheStart(t *testing.T) {
	gate := make(chan struct{})
	r := &rig{t: t, store: memstore.New(), dir: t.TempDir()}
	r.dbPath = t.TempDir() + "/journal.db"
	r.opts = uploader.Options{
		PartSize: testPart, MultipartThreshold: testPart, ParallelFiles: 1, ParallelParts: 3,
		StallTimeout: time.Minute, RetryBaseWait: time.Millisecond, RetryMaxWait: 20 * time.Millisecond,
	}
	r.wrap = func(m *memstore.Store) uploader.Store { return bufferingStore{m, gate} }
	r.start()
	t.Cleanup(r.stop)
	defer close(gate)

	time.Sleep(600 * time.Millisecond) // the engine idles a while, as a window does before a drop
	id := r.send("", r.file("s.bin", 6*testPart)).IDs[0]
	waitFor(t, "three parts taken", func() bool { return r.job(id).Done >= 3*testPart })
	// Nothing moves after the burst: the job has a speed only if the burst
	// counts, and then within a few seconds (two seconds of samples).
	waitFor(t, "a speed for the job", func() bool { return r.job(id).Speed > 0 })
	if job := r.job(id); job.ETA < 0 {
		t.Fatalf("job speed %v but no ETA", job.Speed)
	}
}

// A retried job that finds parts already sent does not count them as speed.
func TestSpeedIgnoresPartsSentBefore(t *testing.T) {
	r := newRig(t, func(o *uploader.Options) { o.ParallelParts = 1 })
	var deny atomic.Bool
	deny.Store(true)
	r.store.SetHook(func(ctx context.Context, op, key string, part int32) error {
		if op == "part" && part == 4 && deny.Load() {
			return &uploader.StoreError{Kind: uploader.KindAccessDenied, Code: "AccessDenied", Err: errors.New("denied")}
		}
		return nil
	})
	id := r.send("", r.file("r.bin", 6*testPart)).IDs[0]
	r.wait()
	if s := r.job(id); s.State != uploader.StateFailed {
		t.Fatalf("state %s, want failed after part 3", s.State)
	}

	release, inFlight := blockParts(r) // nothing moves after the retry
	defer release()
	if err := r.engine.Retry(id); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "part 4 in flight", func() bool { return inFlight.Load() == 1 })
	time.Sleep(2500 * time.Millisecond) // samples long enough for a speed
	if s := r.job(id); s.Done != 3*testPart || s.Speed != 0 {
		t.Fatalf("done %d, speed %v; want %d and 0 while nothing moves", s.Done, s.Speed, 3*testPart)
	}
}
