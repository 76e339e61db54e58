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

// halfwayStore reads half of each part's body, then holds the request
// until its gate opens (or the request is cancelled), then reads the rest:
// a part in flight, with bytes on the wire that the store has not
// acknowledged.
type halfwayStore struct {
	*memstore.Store
	gate    chan struct{}
	started *atomic.Int32 // parts begun
	held    *atomic.Int32 // parts waiting at the gate now
}

func (s halfwayStore) UploadPart(ctx context.Context, key, uploadID string, number int32, body io.ReadSeeker, size int64, checksum string) (string, error) {
	s.started.Add(1)
	half := make([]byte, size/2)
	if _, err := io.ReadFull(body, half); err != nil {
		return "", err
	}
	s.held.Add(1)
	select {
	case <-s.gate:
		s.held.Add(-1)
	case <-ctx.Done():
		s.held.Add(-1)
		return "", ctx.Err()
	}
	if _, err := body.Seek(0, io.SeekStart); err != nil {
		return "", err
	}
	return s.Store.UploadPart(ctx, key, uploadID, number, body, size, checksum)
}

func newHalfwayRig(t *testing.T, tune func(*uploader.Options)) (*rig, halfwayStore) {
	t.Helper()
	hs := halfwayStore{gate: make(chan struct{}), started: new(atomic.Int32), held: new(atomic.Int32)}
	r := &rig{t: t, store: memstore.New(), dir: t.TempDir()}
	r.dbPath = t.TempDir() + "/journal.db"
	r.opts = uploader.Options{
		PartSize: testPart, MultipartThreshold: testPart, Checksums: true, ParallelFiles: 2, ParallelParts: 2,
		StallTimeout: time.Minute, RetryBaseWait: time.Millisecond, RetryMaxWait: 20 * time.Millisecond,
	}
	if tune != nil {
		tune(&r.opts)
	}
	r.wrap = func(m *memstore.Store) uploader.Store { hs.Store = m; return hs }
	r.start()
	t.Cleanup(r.stop)
	return r, hs
}

// Bytes in flight count in Done, not in Confirmed; finished parts count in
// both.
func TestConfirmedBytesAreCountedApartFromBytesInFlight(t *testing.T) {
	r, hs := newHalfwayRig(t, nil)
	id := r.send("", r.file("c.bin", 4*testPart)).IDs[0]
	waitFor(t, "two parts halfway", func() bool { return hs.held.Load() == 2 })
	s := r.job(id)
	if s.Confirmed != 0 || s.Done != testPart {
		t.Fatalf("two parts halfway: confirmed %d, done %d; want 0 and %d", s.Confirmed, s.Done, testPart)
	}
	if tot := r.engine.Snapshot().Totals; tot.BytesConfirmed != 0 || tot.BytesDone != testPart {
		t.Fatalf("totals: confirmed %d, done %d", tot.BytesConfirmed, tot.BytesDone)
	}
	close(hs.gate)
	r.wait()
	s = r.job(id)
	if s.State != uploader.StateDone || s.Confirmed != s.Size || s.Done != s.Size {
		t.Fatalf("done: state %s, confirmed %d, done %d of %d", s.State, s.Confirmed, s.Done, s.Size)
	}
}

// A Pause lets the parts on their way finish within the grace period, and
// starts no new one: what was shown as sent is kept.
func TestPauseLetsPartsOnTheirWayFinish(t *testing.T) {
	r, hs := newHalfwayRig(t, func(o *uploader.Options) { o.PauseGrace = 10 * time.Second })
	id := r.send("", r.file("p.bin", 6*testPart)).IDs[0]
	waitFor(t, "two parts halfway", func() bool { return hs.held.Load() == 2 })
	r.engine.Pause(id)
	if s := r.job(id); !s.Pausing || s.State != uploader.StateRunning {
		t.Fatalf("just after Pause: state %s, pausing %v", s.State, s.Pausing)
	}
	close(hs.gate) // the two parts finish, well within the grace
	waitFor(t, "pause", func() bool { return r.job(id).State == uploader.StatePaused })
	s := r.job(id)
	if s.Confirmed != 2*testPart || s.Done != 2*testPart {
		t.Fatalf("paused: confirmed %d, done %d; want both parts kept (%d)", s.Confirmed, s.Done, 2*testPart)
	}
	if got := hs.started.Load(); got != 2 {
		t.Fatalf("%d parts started; a Pause must start no new part", got)
	}
	// After a restart the kept bytes are still confirmed (from the journal).
	r.restart()
	if s := r.job(id); s.Confirmed != 2*testPart || s.State != uploader.StatePaused {
		t.Fatalf("after restart: state %s, confirmed %d", s.State, s.Confirmed)
	}
	r.engine.Resume(id)
	r.wait()
	if s := r.job(id); s.State != uploader.StateDone {
		t.Fatalf("state %s: %s", s.State, s.Detail)
	}
	if got := hs.started.Load(); got != 6 {
		t.Fatalf("%d parts sent for a 6-part file; the kept ones must not be sent again", got)
	}
}

// A Pause waits no longer than its grace for parts that do not finish.
func TestPauseGraceIsBounded(t *testing.T) {
	r, hs := newHalfwayRig(t, func(o *uploader.Options) { o.PauseGrace = 300 * time.Millisecond })
	defer close(hs.gate)
	id := r.send("", r.file("b.bin", 4*testPart)).IDs[0]
	waitFor(t, "two parts halfway", func() bool { return hs.held.Load() == 2 })
	begun := time.Now()
	r.engine.Pause(id)
	waitFor(t, "pause", func() bool { return r.job(id).State == uploader.StatePaused })
	if took := time.Since(begun); took > 5*time.Second {
		t.Fatalf("pause took %v with a 300 ms grace", took)
	}
	if s := r.job(id); s.Confirmed != 0 || s.Done != 0 {
		t.Fatalf("paused with parts cut off: confirmed %d, done %d; want 0", s.Confirmed, s.Done)
	}
}

// Cancelling one file keeps what it had sent in the totals, so the
// overall progress of the others does not run backwards.
func TestCancelDoesNotMakeTotalsRunBackwards(t *testing.T) {
	r, hs := newHalfwayRig(t, func(o *uploader.Options) { o.ParallelFiles = 2; o.ParallelParts = 1 })
	defer close(hs.gate)
	a := r.send("", r.file("a.bin", 2*testPart)).IDs[0]
	b := r.send("", r.file("b.bin", 8*testPart)).IDs[0]
	waitFor(t, "both files halfway through a part", func() bool { return hs.held.Load() == 2 })
	before := r.engine.Snapshot().Totals.Fraction()
	r.engine.Cancel(a)
	waitFor(t, "cancel", func() bool { return r.job(a).State == uploader.StateCancelled })
	after := r.engine.Snapshot().Totals
	if after.Fraction() < before {
		t.Fatalf("overall progress ran backwards on cancel: %.3f → %.3f", before, after.Fraction())
	}
	if after.Files != 1 {
		t.Fatalf("files %d after cancelling one of two", after.Files)
	}
	_ = b
}

// Uploads paused for a sign-out wait for the next sign-in, also after a
// restart; Resume ends the wait.
func TestWaitingForSignInSurvivesRestart(t *testing.T) {
	r := newRig(t, nil)
	release, inFlight := blockParts(r)
	running := r.send("", r.file("run.bin", 3*testPart)).IDs[0]
	waitFor(t, "parts in flight", func() bool { return inFlight.Load() > 0 })
	mine := r.send("", r.file("mine.bin", 3*testPart)).IDs[0]
	r.engine.Pause(mine) // paused by the user: not a sign-in's
	queued := r.send("", r.file("q.bin", 3*testPart)).IDs[0]
	r.engine.PauseForSignIn(running, queued)
	waitFor(t, "pause", func() bool { return r.job(running).State == uploader.StatePaused })
	release()
	r.restart()
	for id, want := range map[uint64]bool{running: true, queued: true, mine: false} {
		s := r.job(id)
		if s.State != uploader.StatePaused || s.WaitingSignIn != want {
			t.Fatalf("job %d after restart: state %s, waiting for sign-in %v (want %v)", id, s.State, s.WaitingSignIn, want)
		}
	}
	r.engine.Resume(running, queued)
	for _, id := range []uint64{running, queued} {
		if s := r.job(id); s.WaitingSignIn {
			t.Fatalf("job %d still waiting for a sign-in after Resume", id)
		}
	}
	r.wait()
	if s := r.job(running); s.State != uploader.StateDone {
		t.Fatalf("state %s", s.State)
	}
}

// Clear finished takes finished jobs out of the list, not out of history.
func TestClearFinished(t *testing.T) {
	r := newRig(t, nil)
	done := r.send("", r.file("d.txt", 10)).IDs[0]
	r.wait()
	release, _ := blockParts(r)
	defer release()
	paused := r.send("", r.file("p.bin", 2*testPart)).IDs[0]
	r.engine.Pause(paused)
	if n := r.engine.ClearFinished(); n != 1 {
		t.Fatalf("cleared %d, want 1", n)
	}
	s := r.engine.Snapshot()
	if len(s.Jobs) != 1 || s.Jobs[0].ID != paused || s.Totals.Files != 1 {
		t.Fatalf("after clearing: %+v", s.Totals)
	}
	h, err := r.engine.History(false)
	if err != nil || len(h) != 1 || h[0].ID != done {
		t.Fatalf("history %v, %v", h, err)
	}
}

// A request that keeps failing says which side fails and when the next
// try is; TryNow starts it at once; the note goes when bytes move again.
func TestRetryWaitSaysWhenAndTryNowCutsItShort(t *testing.T) {
	r := newRig(t, func(o *uploader.Options) {
		o.RetryBaseWait, o.RetryMaxWait = time.Hour, time.Hour
	})
	var failing atomic.Bool
	failing.Store(true)
	r.store.SetHook(func(ctx context.Context, op, key string, part int32) error {
		if op == "put" && failing.Load() {
			return &uploader.StoreError{Kind: uploader.KindRetryable, Code: "ServiceUnavailable", Err: errors.New("503 Service Unavailable")}
		}
		return nil
	})
	id := r.send("", r.file("t.txt", 100)).IDs[0]
	waitFor(t, "a retry wait", func() bool { return !r.job(id).RetryAt.IsZero() })
	s := r.job(id)
	if s.Note != "Your organisation's storage isn't answering properly" || s.LastError == "" {
		t.Fatalf("note %q, last error %q", s.Note, s.LastError)
	}
	if until := time.Until(s.RetryAt); until < 10*time.Minute {
		t.Fatalf("next try in %v, want the hour's backoff", until)
	}
	failing.Store(false)
	r.engine.TryNow(id)
	r.wait()
	if s := r.job(id); s.State != uploader.StateDone || s.Note != "" {
		t.Fatalf("after Try now: state %s, note %q", s.State, s.Note)
	}
}
