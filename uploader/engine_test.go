package uploader_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"hoist/uploader"
	"hoist/uploader/journal"
	"hoist/uploader/memstore"
)

const testPart = 5 * uploader.MiB

type rig struct {
	t       *testing.T
	store   *memstore.Store
	journal *journal.Journal
	engine  *uploader.Engine
	dir     string
	dbPath  string
	opts    uploader.Options
	// wrap, if set, puts a store around the memory store on (re)start.
	wrap func(*memstore.Store) uploader.Store
	// beforeStart, if set, sees each new engine before it starts.
	beforeStart func(*uploader.Engine)
}

// newRig starts an engine on a memory store and a real journal.
func newRig(t *testing.T, tune func(*uploader.Options)) *rig {
	t.Helper()
	r := &rig{t: t, store: memstore.New(), dir: t.TempDir()}
	r.dbPath = filepath.Join(t.TempDir(), "journal.db")
	r.opts = uploader.Options{
		PartSize: testPart, MultipartThreshold: testPart, Checksums: true,
		ParallelFiles: 2, ParallelParts: 3,
		StallTimeout: 2 * time.Second, RetryBaseWait: time.Millisecond, RetryMaxWait: 20 * time.Millisecond,
		PauseGrace: 200 * time.Millisecond,
	}
	if tune != nil {
		tune(&r.opts)
	}
	r.start()
	t.Cleanup(r.stop)
	return r
}

func (r *rig) start() {
	r.t.Helper()
	j, err := journal.Open(r.dbPath)
	if err != nil {
		r.t.Fatalf("open journal: %v", err)
	}
	r.journal = j
	opts := r.opts
	opts.Store, opts.Journal = r.store, j
	if r.wrap != nil {
		opts.Store = r.wrap(r.store)
	}
	e, err := uploader.New(opts)
	if err != nil {
		r.t.Fatalf("new engine: %v", err)
	}
	r.engine = e
	if r.beforeStart != nil {
		r.beforeStart(e)
	}
	e.Start()
}

func (r *rig) stop() {
	if r.engine != nil {
		r.engine.Close()
		r.journal.Close()
		r.engine = nil
	}
}

func (r *rig) restart() {
	r.stop()
	r.start()
}

// file writes a file of size random bytes under the rig's dir.
func (r *rig) file(name string, size int64) string {
	r.t.Helper()
	p := filepath.Join(r.dir, filepath.FromSlash(name))
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		r.t.Fatal(err)
	}
	data := make([]byte, size)
	rng := rand.NewChaCha8([32]byte{byte(size), byte(len(name))})
	rng.Read(data)
	if err := os.WriteFile(p, data, 0o644); err != nil {
		r.t.Fatal(err)
	}
	return p
}

func (r *rig) send(prefix string, paths ...string) uploader.Added {
	r.t.Helper()
	added, err := r.engine.Enqueue(context.Background(), prefix, paths...)
	if err != nil {
		r.t.Fatalf("enqueue: %v", err)
	}
	return added
}

func (r *rig) wait() {
	r.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	if err := r.engine.Wait(ctx); err != nil {
		r.t.Fatalf("wait: %v", err)
	}
}

// settle waits until the engine has aborted every discarded upload.
func (r *rig) settle() {
	r.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if err := r.engine.WaitAborts(ctx); err != nil {
		r.t.Fatalf("wait for aborts (%d pending): %v", r.engine.PendingAborts(), err)
	}
}

func (r *rig) job(id uint64) uploader.JobSnapshot {
	r.t.Helper()
	for _, j := range r.engine.Snapshot().Jobs {
		if j.ID == id {
			return j
		}
	}
	r.t.Fatalf("job %d not in snapshot", id)
	return uploader.JobSnapshot{}
}

// waitFor polls until cond holds (bounded), failing the test otherwise.
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

func (r *rig) assertStored(key, path string) {
	r.t.Helper()
	want, err := os.ReadFile(path)
	if err != nil {
		r.t.Fatal(err)
	}
	got, ok := r.store.Object(key)
	if !ok {
		r.t.Fatalf("object %q missing; have %v", key, r.store.Keys())
	}
	if !bytes.Equal(got, want) {
		r.t.Fatalf("object %q: %d bytes differ from the %d-byte source", key, len(got), len(want))
	}
}

func TestSizes(t *testing.T) {
	sizes := []int64{0, 1, testPart - 1, testPart, testPart + 1, 2*testPart - 1, 2 * testPart, 2*testPart + 1, 7*testPart + 12345}
	r := newRig(t, nil)
	for _, size := range sizes {
		t.Run(fmt.Sprint(size), func(t *testing.T) {
			name := fmt.Sprintf("f%d.bin", size)
			p := r.file(name, size)
			added := r.send("up", p)
			r.wait()
			j := r.job(added.IDs[0])
			if j.State != uploader.StateDone {
				t.Fatalf("state %s (%s: %s)", j.State, j.Reason, j.Detail)
			}
			if j.Fraction() != 1 || j.Done != size {
				t.Fatalf("progress %d/%d (%v) after done", j.Done, j.Size, j.Fraction())
			}
			r.assertStored("up/"+name, p)
		})
	}
	if n := r.store.Uploads(); n != 0 {
		t.Fatalf("%d multipart uploads left open", n)
	}
}

func TestFolderKeepsStructure(t *testing.T) {
	r := newRig(t, nil)
	r.file("photos/2024/a.jpg", 10)
	r.file("photos/2024/deep/b.jpg", 20)
	r.file("photos/c.txt", 0)
	r.send("in", filepath.Join(r.dir, "photos"))
	r.wait()
	want := []string{"in/photos/2024/a.jpg", "in/photos/2024/deep/b.jpg", "in/photos/c.txt"}
	if got := r.store.Keys(); strings.Join(got, ",") != strings.Join(want, ",") {
		t.Fatalf("keys %v, want %v", got, want)
	}
}

func TestEnqueueProblems(t *testing.T) {
	r := newRig(t, func(o *uploader.Options) { o.ParallelFiles = 1 })
	block := make(chan struct{})
	r.store.SetHook(func(ctx context.Context, op, key string, part int32) error {
		select {
		case <-block:
		case <-ctx.Done():
		}
		return nil
	})
	p := r.file("a.txt", 3)
	empty := filepath.Join(r.dir, "empty")
	os.Mkdir(empty, 0o755)
	added := r.send("", p, filepath.Join(r.dir, "missing.txt"), empty, p)
	if len(added.IDs) != 1 {
		t.Fatalf("queued %d jobs, want 1", len(added.IDs))
	}
	again := r.send("", p)
	close(block)
	r.wait()
	reasons := map[string]bool{}
	for _, p := range append(added.Problems, again.Problems...) {
		reasons[p.Reason] = true
	}
	for _, want := range []string{"it no longer exists", "the folder is empty"} {
		if !reasons[want] {
			t.Errorf("no problem %q in %v", want, reasons)
		}
	}
	if len(again.Problems) != 0 || len(again.IDs) != 0 || len(again.Continued) != 1 || again.Continued[0] != added.IDs[0] {
		t.Errorf("sending a queued file again: %+v; want its job continued", again)
	}
}

// A file sent again while its upload is unfinished (paused, or waiting
// after a restart) continues that upload: no second job, no problem, and
// a paused one resumes.
func TestSendAgainContinuesTheQueuedUpload(t *testing.T) {
	r := newRig(t, nil)
	p := r.file("big.bin", 3*testPart)
	first := r.send("k", p)
	r.engine.Pause(first.IDs...)
	waitFor(t, "the pause", func() bool { return r.job(first.IDs[0]).State == uploader.StatePaused })
	r.restart()
	again := r.send("k", p)
	if len(again.IDs) != 0 || len(again.Problems) != 0 || len(again.Continued) != 1 || again.Continued[0] != first.IDs[0] {
		t.Fatalf("sent again: %+v; want job %d continued", again, first.IDs[0])
	}
	r.wait()
	if j := r.job(first.IDs[0]); j.State != uploader.StateDone {
		t.Fatalf("continued job is %s (%s)", j.State, j.Reason)
	}
	r.assertStored("k/big.bin", p)
	if keys := r.store.Keys(); len(keys) != 1 {
		t.Fatalf("stored %v; want one object", keys)
	}
}

func TestCollisionPolicies(t *testing.T) {
	for _, tc := range []struct {
		policy    uploader.CollisionPolicy
		size      int64
		wantState uploader.State
		wantKey   string
		wantOld   bool // the existing object is untouched
	}{
		{uploader.Rename, 100, uploader.StateDone, "k/a (1).txt", true},
		{uploader.Skip, 100, uploader.StateSkipped, "k/a.txt", true},
		{uploader.Overwrite, 100, uploader.StateDone, "k/a.txt", false},
		{uploader.Rename, 2*testPart + 3, uploader.StateDone, "k/a (1).txt", true},
		{uploader.Skip, 2*testPart + 3, uploader.StateSkipped, "k/a.txt", true},
		{uploader.Overwrite, 2*testPart + 3, uploader.StateDone, "k/a.txt", false},
	} {
		t.Run(fmt.Sprintf("%s/%d", tc.policy, tc.size), func(t *testing.T) {
			r := newRig(t, func(o *uploader.Options) { o.Collision = tc.policy })
			old := []byte("someone else's file")
			r.store.SetObject("k/a.txt", old)
			r.store.SetObject("k/a (2).txt", old)
			p := r.file("a.txt", tc.size)
			j := r.job(r.send("k", p).IDs[0])
			r.wait()
			j = r.job(j.ID)
			if j.State != tc.wantState || j.Key != tc.wantKey {
				t.Fatalf("state %s key %q (%s), want %s %q", j.State, j.Key, j.Reason, tc.wantState, tc.wantKey)
			}
			if tc.wantState == uploader.StateDone {
				r.assertStored(tc.wantKey, p)
			}
			got, _ := r.store.Object("k/a.txt")
			if bytes.Equal(got, old) != tc.wantOld {
				t.Fatalf("existing object kept = %v, want %v", bytes.Equal(got, old), tc.wantOld)
			}
			if j.State == uploader.StateSkipped && j.Reason == "" {
				t.Fatal("skipped without a reason")
			}
		})
	}
}

func TestIdenticalObjectCountsAsSent(t *testing.T) {
	r := newRig(t, nil)
	p := r.file("same.txt", 1000)
	data, _ := os.ReadFile(p)
	r.store.SetObject("same.txt", data)
	j := r.send("", p)
	r.wait()
	if s := r.job(j.IDs[0]); s.State != uploader.StateDone || s.Key != "same.txt" {
		t.Fatalf("state %s key %s", s.State, s.Key)
	}
	if len(r.store.Keys()) != 1 {
		t.Fatalf("keys %v", r.store.Keys())
	}
}

func retryable() error {
	return &uploader.StoreError{Kind: uploader.KindRetryable, Code: "InternalError", Err: errors.New("boom")}
}

func TestTransientErrorsAreRetried(t *testing.T) {
	r := newRig(t, nil)
	var fails atomic.Int32
	r.store.SetHook(func(ctx context.Context, op, key string, part int32) error {
		if (op == "part" && part == 2 || op == "put" || op == "create" || op == "complete") && fails.Add(1)%3 != 0 {
			return retryable()
		}
		return nil
	})
	big := r.file("big.bin", 3*testPart)
	small := r.file("small.bin", 10)
	added := r.send("", big, small)
	r.wait()
	for _, id := range added.IDs {
		if s := r.job(id); s.State != uploader.StateDone {
			t.Fatalf("job %d: %s %s", id, s.State, s.Detail)
		}
	}
	r.assertStored("big.bin", big)
	if fails.Load() < 6 {
		t.Fatalf("hook failed only %d times", fails.Load())
	}
}

func TestNetworkOutageIsWaitedOut(t *testing.T) {
	r := newRig(t, func(o *uploader.Options) { o.MaxFailures = 2 })
	var calls atomic.Int32
	r.store.SetHook(func(ctx context.Context, op, key string, part int32) error {
		if calls.Add(1) <= 30 { // far more than MaxFailures
			return &uploader.StoreError{Kind: uploader.KindOffline, Err: errors.New("connection refused")}
		}
		return nil
	})
	p := r.file("x.bin", 2*testPart)
	id := r.send("", p).IDs[0]
	waitFor(t, "the waiting note", func() bool { return r.job(id).Note != "" || r.job(id).State == uploader.StateDone })
	r.wait()
	if s := r.job(id); s.State != uploader.StateDone {
		t.Fatalf("state %s: %s", s.State, s.Detail)
	}
}

func TestPermanentErrorsFailAtOnce(t *testing.T) {
	for _, tc := range []struct {
		kind uploader.ErrorKind
		want string
	}{
		{uploader.KindAccessDenied, "refused access"},
		{uploader.KindNoSuchBucket, "does not exist"},
		{uploader.KindCredentials, "Sign in again"},
	} {
		t.Run(tc.want, func(t *testing.T) {
			r := newRig(t, nil)
			var calls atomic.Int32
			r.store.SetHook(func(ctx context.Context, op, key string, part int32) error {
				calls.Add(1)
				return &uploader.StoreError{Kind: tc.kind, Err: errors.New("no")}
			})
			id := r.send("", r.file("a", 10)).IDs[0]
			r.wait()
			s := r.job(id)
			if s.State != uploader.StateFailed || !strings.Contains(s.Reason, tc.want) || s.Detail == "" {
				t.Fatalf("state %s reason %q detail %q", s.State, s.Reason, s.Detail)
			}
			if n := calls.Load(); n > 3 {
				t.Fatalf("a permanent error was tried %d times", n)
			}
			hist, err := r.engine.History(true)
			if err != nil || len(hist) != 1 || hist[0].ID != id {
				t.Fatalf("failed history %v, %v", hist, err)
			}
		})
	}
}

func TestStalledPartIsRetried(t *testing.T) {
	r := newRig(t, func(o *uploader.Options) { o.StallTimeout = 100 * time.Millisecond })
	var stalls atomic.Int32
	r.store.SetHook(func(ctx context.Context, op, key string, part int32) error {
		if op == "part" && part == 1 && stalls.Add(1) == 1 {
			<-ctx.Done() // a link that froze: nothing moves until the engine gives up
			return ctx.Err()
		}
		return nil
	})
	p := r.file("s.bin", 2*testPart)
	id := r.send("", p).IDs[0]
	r.wait()
	if s := r.job(id); s.State != uploader.StateDone {
		t.Fatalf("state %s: %s", s.State, s.Detail)
	}
	if stalls.Load() < 2 {
		t.Fatal("part 1 was not retried after stalling")
	}
	r.assertStored("s.bin", p)
}

// blockParts makes every part upload wait until released, and counts
// parts in flight.
func blockParts(r *rig) (release func(), inFlight *atomic.Int32) {
	gate := make(chan struct{})
	inFlight = &atomic.Int32{}
	r.store.SetHook(func(ctx context.Context, op, key string, part int32) error {
		if op != "part" {
			return nil
		}
		inFlight.Add(1)
		defer inFlight.Add(-1)
		select {
		case <-gate:
			return nil
		case <-ctx.Done():
			return ctx.Err()
		}
	})
	return func() { close(gate) }, inFlight
}

func TestCancelAbortsUpload(t *testing.T) {
	r := newRig(t, nil)
	_, inFlight := blockParts(r)
	id := r.send("", r.file("c.bin", 4*testPart)).IDs[0]
	waitFor(t, "parts in flight", func() bool { return inFlight.Load() > 0 })
	if r.store.Uploads() != 1 {
		t.Fatalf("%d uploads open, want 1", r.store.Uploads())
	}
	r.engine.Cancel(id)
	r.wait()
	r.settle()
	if s := r.job(id); s.State != uploader.StateCancelled {
		t.Fatalf("state %s", s.State)
	}
	if r.store.Uploads() != 0 || r.store.Calls("abort") == 0 {
		t.Fatalf("cancel left %d uploads (aborts: %d)", r.store.Uploads(), r.store.Calls("abort"))
	}
}

func TestCancelQueuedAndAll(t *testing.T) {
	r := newRig(t, func(o *uploader.Options) { o.ParallelFiles = 1 })
	_, inFlight := blockParts(r)
	a := r.send("", r.file("a.bin", 2*testPart)).IDs[0]
	b := r.send("", r.file("b.bin", 2*testPart)).IDs[0]
	waitFor(t, "parts in flight", func() bool { return inFlight.Load() > 0 })
	r.engine.CancelAll()
	r.wait()
	r.settle()
	for _, id := range []uint64{a, b} {
		if s := r.job(id); s.State != uploader.StateCancelled {
			t.Fatalf("job %d: %s", id, s.State)
		}
	}
	if r.store.Uploads() != 0 {
		t.Fatal("uploads left open")
	}
	if tot := r.engine.Snapshot().Totals; tot.Files != 0 {
		t.Fatalf("cancelled jobs counted in totals: %+v", tot)
	}
}

func TestPauseAndResume(t *testing.T) {
	r := newRig(t, nil)
	release, inFlight := blockParts(r)
	p := r.file("p.bin", 6*testPart)
	id := r.send("", p).IDs[0]
	waitFor(t, "parts in flight", func() bool { return inFlight.Load() > 0 })
	r.engine.Pause(id)
	waitFor(t, "pause", func() bool { return r.job(id).State == uploader.StatePaused })
	if r.store.Uploads() != 1 {
		t.Fatal("pause must keep the multipart upload")
	}
	release()
	r.engine.Resume(id)
	r.wait()
	if s := r.job(id); s.State != uploader.StateDone {
		t.Fatalf("state %s", s.State)
	}
	r.assertStored("p.bin", p)
}

func TestPausedStaysPausedAcrossRestart(t *testing.T) {
	r := newRig(t, nil)
	release, inFlight := blockParts(r)
	id := r.send("", r.file("p.bin", 3*testPart)).IDs[0]
	waitFor(t, "parts in flight", func() bool { return inFlight.Load() > 0 })
	r.engine.PauseAll()
	waitFor(t, "pause", func() bool { return r.job(id).State == uploader.StatePaused })
	release()
	r.restart()
	if s := r.job(id); s.State != uploader.StatePaused {
		t.Fatalf("after restart: %s", s.State)
	}
	r.engine.ResumeAll()
	r.wait()
	if s := r.job(id); s.State != uploader.StateDone {
		t.Fatalf("state %s", s.State)
	}
}

func TestResumeAfterRestartSendsOnlyMissingParts(t *testing.T) {
	r := newRig(t, func(o *uploader.Options) { o.ParallelParts = 2 })
	const parts = 10
	var sent atomic.Int32
	gate := make(chan struct{})
	r.store.SetHook(func(ctx context.Context, op, key string, part int32) error {
		if op == "part" && sent.Add(1) > 4 {
			select { // parts after the fourth hang until the "crash"
			case <-gate:
			case <-ctx.Done():
				return ctx.Err()
			}
		}
		return nil
	})
	p := r.file("r.bin", parts*testPart)
	id := r.send("", p).IDs[0]
	waitFor(t, "4 parts", func() bool { return r.store.PartsSent() >= 4 && sent.Load() >= 6 })
	before := r.job(id).Done
	r.restart() // Close abandons parts in flight, like a crash would
	close(gate)
	r.store.SetHook(nil)
	if s := r.job(id); s.Done < before-int64(2)*testPart {
		t.Fatalf("resumed progress %d lost more than the parts in flight (had %d)", s.Done, before)
	}
	r.wait()
	if s := r.job(id); s.State != uploader.StateDone {
		t.Fatalf("state %s: %s", s.State, s.Detail)
	}
	r.assertStored("r.bin", p)
	if got := r.store.PartsSent(); got != parts {
		t.Fatalf("stored %d parts for a %d-part file: finished parts were sent again", got, parts)
	}
}

func TestUnjournaledPartsOnServerAreKept(t *testing.T) {
	r := newRig(t, func(o *uploader.Options) { o.ParallelParts = 1 })
	p := r.file("u.bin", 4*testPart)
	// The upload starts, parts 1–2 arrive, then the engine stops.
	var n atomic.Int32
	r.store.SetHook(func(ctx context.Context, op, key string, part int32) error {
		if op == "part" && n.Add(1) > 2 {
			<-ctx.Done()
			return ctx.Err()
		}
		return nil
	})
	id := r.send("", p).IDs[0]
	waitFor(t, "2 parts", func() bool { return r.store.PartsSent() == 2 })
	r.stop()
	// Forget the parts in the journal, as if the process died between the
	// server's answer and the journal write.
	j, err := journal.Open(r.dbPath)
	if err != nil {
		t.Fatal(err)
	}
	j.ClearParts(id)
	j.Close()
	r.store.SetHook(nil)
	r.start()
	r.wait()
	if s := r.job(id); s.State != uploader.StateDone {
		t.Fatalf("state %s: %s", s.State, s.Detail)
	}
	if r.store.PartsSent() != 4 {
		t.Fatalf("sent %d parts, want 4 (parts on the server must be recognised)", r.store.PartsSent())
	}
	r.assertStored("u.bin", p)
}

func TestChangedFileFails(t *testing.T) {
	r := newRig(t, func(o *uploader.Options) { o.ParallelParts = 1 })
	p := r.file("m.bin", 4*testPart)
	var n atomic.Int32
	r.store.SetHook(func(ctx context.Context, op, key string, part int32) error {
		if op == "part" && n.Add(1) == 2 {
			f, _ := os.OpenFile(p, os.O_WRONLY|os.O_APPEND, 0)
			f.Write([]byte("more"))
			f.Close()
		}
		return nil
	})
	id := r.send("", p).IDs[0]
	r.wait()
	r.settle()
	s := r.job(id)
	if s.State != uploader.StateFailed || !strings.Contains(s.Reason, "changed") {
		t.Fatalf("state %s reason %q", s.State, s.Reason)
	}
	if len(r.store.Keys()) != 0 || r.store.Uploads() != 0 {
		t.Fatalf("a changed file left objects %v or %d uploads", r.store.Keys(), r.store.Uploads())
	}
}

func TestChangedSinceBeganRestartsCleanly(t *testing.T) {
	r := newRig(t, func(o *uploader.Options) { o.ParallelParts = 1 })
	release, inFlight := blockParts(r)
	p := r.file("c.bin", 3*testPart)
	id := r.send("", p).IDs[0]
	waitFor(t, "parts in flight", func() bool { return inFlight.Load() > 0 })
	r.stop()
	release()
	r.store.SetHook(nil)
	p = r.file("c.bin", 3*testPart+7) // rewritten while Hoist was closed
	r.start()
	r.wait()
	r.settle()
	s := r.job(id)
	if s.State != uploader.StateDone || !strings.Contains(s.Reason, "changed") {
		t.Fatalf("state %s reason %q", s.State, s.Reason)
	}
	r.assertStored("c.bin", p)
	if r.store.Uploads() != 0 {
		t.Fatal("old upload not aborted")
	}
}

func TestVanishedFileFails(t *testing.T) {
	r := newRig(t, func(o *uploader.Options) { o.ParallelFiles = 1 })
	release, inFlight := blockParts(r)
	blocker := r.file("first.bin", 2*testPart)
	gone := r.file("gone.txt", 10)
	r.send("", blocker)
	id := r.send("", gone).IDs[0]
	waitFor(t, "parts in flight", func() bool { return inFlight.Load() > 0 })
	os.Remove(gone)
	release()
	r.wait()
	if s := r.job(id); s.State != uploader.StateFailed || !strings.Contains(s.Reason, "gone") {
		t.Fatalf("state %s reason %q", s.State, s.Reason)
	}
}

func TestCredentialsHoldThenContinue(t *testing.T) {
	var asked atomic.Int32
	r := newRig(t, func(o *uploader.Options) {
		o.OnCredentialsNeeded = func(error) { asked.Add(1) }
	})
	var expired atomic.Bool
	r.store.SetHook(func(ctx context.Context, op, key string, part int32) error {
		if op == "part" && part == 3 {
			expired.Store(true)
		}
		if expired.Load() {
			return &uploader.StoreError{Kind: uploader.KindCredentials, Code: "ExpiredToken", Err: errors.New("expired")}
		}
		return nil
	})
	p := r.file("h.bin", 5*testPart)
	id := r.send("", p).IDs[0]
	waitFor(t, "hold", func() bool { return r.engine.Held() })
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	if err := r.engine.Wait(ctx); err == nil {
		t.Fatal("Wait returned while uploads were held for a sign-in")
	}
	waitFor(t, "the held job to stop", func() bool { return r.engine.Snapshot().Totals.FilesActive == 0 })
	s := r.job(id)
	if s.State.Final() || asked.Load() != 1 || s.Note == "" {
		t.Fatalf("state %s, asked %d times, note %q", s.State, asked.Load(), s.Note)
	}
	expired.Store(false)
	r.store.SetHook(nil)
	r.engine.Release()
	r.wait()
	if s := r.job(id); s.State != uploader.StateDone {
		t.Fatalf("state %s: %s", s.State, s.Detail)
	}
	r.assertStored("h.bin", p)
}

func TestRetryFailedJob(t *testing.T) {
	r := newRig(t, nil)
	var deny atomic.Bool
	deny.Store(true)
	r.store.SetHook(func(ctx context.Context, op, key string, part int32) error {
		if deny.Load() {
			return &uploader.StoreError{Kind: uploader.KindAccessDenied, Err: errors.New("denied")}
		}
		return nil
	})
	p := r.file("f.txt", 10)
	id := r.send("", p).IDs[0]
	r.wait()
	r.restart() // retry works from history too
	deny.Store(false)
	ids, err := r.engine.RetryFailed()
	if err != nil || len(ids) != 1 || ids[0] != id {
		t.Fatalf("retry failed: %v %v", ids, err)
	}
	r.wait()
	if s := r.job(id); s.State != uploader.StateDone {
		t.Fatalf("state %s", s.State)
	}
	if err := r.engine.Retry(id); err == nil {
		t.Fatal("retrying a done job must fail")
	}
	if err := r.engine.Retry(9999); err == nil {
		t.Fatal("retrying an unknown job must fail")
	}
}

func TestProgressStaysInRange(t *testing.T) {
	r := newRig(t, func(o *uploader.Options) { o.ParallelParts = 4 })
	var fails atomic.Int32
	r.store.SetHook(func(ctx context.Context, op, key string, part int32) error {
		if op == "part" && fails.Add(1)%4 == 0 {
			return retryable() // retries must take their bytes back out
		}
		return nil
	})
	r.send("", r.file("g.bin", 12*testPart), r.file("empty", 0))
	done := make(chan struct{})
	go func() { r.wait(); close(done) }()
	for {
		s := r.engine.Snapshot()
		for _, j := range s.Jobs {
			if f := j.Fraction(); f < 0 || f > 1 || f != f || j.Done > j.Size {
				t.Fatalf("job %d fraction %v done %d/%d", j.ID, f, j.Done, j.Size)
			}
			if j.Speed < 0 || j.Speed != j.Speed {
				t.Fatalf("speed %v", j.Speed)
			}
		}
		if f := s.Totals.Fraction(); f < 0 || f > 1 || f != f {
			t.Fatalf("total fraction %v", f)
		}
		select {
		case <-done:
			if s := r.engine.Snapshot().Totals; s.FilesDone != 2 || s.Fraction() != 1 {
				t.Fatalf("totals at the end: %+v", s)
			}
			return
		case <-time.After(time.Millisecond):
		}
	}
}

func TestPauseResumeCancelManyQueued(t *testing.T) {
	r := newRig(t, func(o *uploader.Options) { o.ParallelFiles = 1 })
	release, inFlight := blockParts(r)
	r.send("", r.file("first.bin", 2*testPart))
	for i := range 300 {
		r.file(fmt.Sprintf("many/f%03d", i), 1)
	}
	added := r.send("", filepath.Join(r.dir, "many"))
	waitFor(t, "parts in flight", func() bool { return inFlight.Load() > 0 })
	r.engine.PauseAll()
	r.restart() // the pauses were recorded
	paused := 0
	for _, j := range r.engine.Snapshot().Jobs {
		if j.State == uploader.StatePaused {
			paused++
		}
	}
	if paused != len(added.IDs)+1 {
		t.Fatalf("%d paused after restart, want %d", paused, len(added.IDs)+1)
	}
	release()
	r.engine.ResumeAll()
	r.engine.Cancel(added.IDs[:100]...)
	r.wait()
	done, cancelled := 0, 0
	for _, j := range r.engine.Snapshot().Jobs {
		switch j.State {
		case uploader.StateDone:
			done++
		case uploader.StateCancelled:
			cancelled++
		}
	}
	if done != 201 || cancelled != 100 {
		t.Fatalf("done %d cancelled %d", done, cancelled)
	}
}

func TestEmptyObjectWithoutChecksumIsStillTaken(t *testing.T) {
	r := newRig(t, nil) // rename
	r.store.SetBareObject("k/a.bin", nil)
	p := r.file("a.bin", 2*testPart)
	id := r.send("k", p).IDs[0]
	r.wait()
	if s := r.job(id); s.State != uploader.StateDone || s.Key != "k/a (1).bin" {
		t.Fatalf("%s %s %s", s.State, s.Key, s.Detail)
	}
	if got, _ := r.store.Object("k/a.bin"); len(got) != 0 {
		t.Fatal("the existing empty object was overwritten")
	}
}

func TestCompletedButUnverifiedIsNotSentAgain(t *testing.T) {
	r := newRig(t, nil)
	var completed, verifying atomic.Bool
	r.store.SetHook(func(ctx context.Context, op, key string, part int32) error {
		if op == "complete" {
			completed.Store(true)
		}
		if op == "head" && completed.Load() {
			verifying.Store(true)
			<-ctx.Done() // Hoist stops between completion and verification
			return ctx.Err()
		}
		return nil
	})
	p := r.file("v.bin", 3*testPart)
	id := r.send("", p).IDs[0]
	waitFor(t, "verification to start", verifying.Load)
	r.stop()
	r.store.SetHook(nil)
	sent := r.store.PartsSent()
	r.start()
	r.wait()
	if s := r.job(id); s.State != uploader.StateDone || s.Key != "v.bin" {
		t.Fatalf("%s %s %s", s.State, s.Key, s.Detail)
	}
	if r.store.PartsSent() != sent || len(r.store.Keys()) != 1 {
		t.Fatalf("sent again after a restart: parts %d → %d, keys %v", sent, r.store.PartsSent(), r.store.Keys())
	}
}
