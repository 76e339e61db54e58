package uploader_test

import (
	"bytes"
	"context"
	"io"
	"sync"
	"testing"
	"time"

	"hoist/uploader"
	"hoist/uploader/memstore"
)

// sharedLink is a store whose parts all read their bodies through one
// link of a fixed rate, shared equally by the requests on it (as a home
// uplink is): a part alone on it goes four times as fast as one of four.
type sharedLink struct {
	*memstore.Store
	rate float64 // bytes a second for all parts together

	mu     sync.Mutex
	cond   *sync.Cond
	credit map[int32]float64
}

func newSharedLink(rate float64) *sharedLink {
	l := &sharedLink{rate: rate, credit: map[int32]float64{}}
	l.cond = sync.NewCond(&l.mu)
	return l
}

// run hands out the link's bytes every 10 ms, shared by the parts on it.
func (l *sharedLink) run(ctx context.Context) {
	tick := time.NewTicker(10 * time.Millisecond)
	defer tick.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
		}
		l.mu.Lock()
		if n := len(l.credit); n > 0 {
			share := l.rate / 100 / float64(n)
			for k := range l.credit {
				l.credit[k] += share
			}
		}
		l.cond.Broadcast()
		l.mu.Unlock()
	}
}

func (l *sharedLink) UploadPart(ctx context.Context, key, uploadID string, number int32, body io.ReadSeeker, size int64, checksum string) (string, error) {
	l.mu.Lock()
	l.credit[number] = 0
	l.mu.Unlock()
	defer func() {
		l.mu.Lock()
		delete(l.credit, number)
		l.cond.Broadcast()
		l.mu.Unlock()
	}()
	stop := context.AfterFunc(ctx, func() { l.mu.Lock(); l.cond.Broadcast(); l.mu.Unlock() })
	defer stop()
	var data bytes.Buffer
	buf := make([]byte, 32<<10)
	for int64(data.Len()) < size {
		l.mu.Lock()
		for l.credit[number] < float64(len(buf)) && ctx.Err() == nil && int64(data.Len())+int64(l.credit[number]) < size {
			l.cond.Wait()
		}
		l.credit[number] = 0
		l.mu.Unlock()
		if ctx.Err() != nil {
			return "", ctx.Err()
		}
		n, err := body.Read(buf[:min(int64(len(buf)), size-int64(data.Len()))])
		data.Write(buf[:n])
		if err != nil && err != io.EOF {
			return "", err
		}
	}
	return l.Store.UploadPart(ctx, key, uploadID, number, bytes.NewReader(data.Bytes()), size, checksum)
}

// A Pause with four parts a quarter of the way, on a link that needs
// longer than the grace for all of them, lets the ones that can finish in
// time finish (they get the link to themselves) and stops the rest at
// once: bytes are kept instead of all four being cut off at the end of
// the grace.
func TestPauseKeepsThePartsThatCanFinish(t *testing.T) {
	const rate = 4 * uploader.MiB // a part alone takes 1.25 s, four together 5 s
	link := newSharedLink(float64(rate))
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	go link.run(ctx)
	r := &rig{t: t, store: memstore.New(), dir: t.TempDir()}
	r.dbPath = t.TempDir() + "/journal.db"
	r.opts = uploader.Options{
		PartSize: testPart, MultipartThreshold: testPart, Checksums: true, ParallelFiles: 1, ParallelParts: 4,
		StallTimeout: time.Minute, RetryBaseWait: time.Millisecond, RetryMaxWait: 20 * time.Millisecond,
		// Four parts with three quarters left need 3.75 s on this link
		// together: none would finish in the grace if all went on.
		PauseGrace: 2500 * time.Millisecond,
	}
	r.wrap = func(m *memstore.Store) uploader.Store { link.Store = m; return link }
	r.start()
	t.Cleanup(r.stop)

	id := r.send("", r.file("t.bin", 4*testPart)).IDs[0]
	waitFor(t, "four parts a quarter of the way", func() bool {
		s := r.job(id)
		return s.Done >= testPart && s.Speed > 0
	})
	r.engine.Pause(id)
	waitFor(t, "pause", func() bool { return r.job(id).State == uploader.StatePaused })
	s := r.job(id)
	if s.Confirmed < testPart {
		t.Fatalf("paused with %d bytes kept; want at least one whole part (%d): the parts that could finish were cut off", s.Confirmed, testPart)
	}
	t.Logf("paused with %d of 4 parts kept", s.Confirmed/testPart)
	r.engine.Resume(id)
	r.wait()
	if s := r.job(id); s.State != uploader.StateDone {
		t.Fatalf("state %s: %s", s.State, s.Detail)
	}
}
