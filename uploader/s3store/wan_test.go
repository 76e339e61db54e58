package s3store_test

import (
	"context"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"hoist/internal/faultproxy"
	"hoist/uploader"
	"hoist/uploader/journal"
	"hoist/uploader/s3store"
)

// wanProxy starts an emulated link to the test MinIO, closed when the test
// ends.
func wanProxy(t *testing.T, l faultproxy.Link) *faultproxy.Proxy {
	t.Helper()
	proxy, err := faultproxy.New(minio.Addr())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { proxy.Close() })
	proxy.SetLink(l)
	return proxy
}

// The speed limit holds within 5 % over 30 s on an emulated link that
// could carry five times as much, with the adaptive engine free to put many
// parts in flight; none of them is taken for stalled although each waits
// its turn much longer than the (short) stall timeout; and raising the limit
// while the file is sending applies at once.
func TestSpeedLimitOnEmulatedLink(t *testing.T) {
	const limit = 1_000_000 // 8 Mbit/s
	proxy := wanProxy(t, faultproxy.Link{Up: 5 * limit, Down: 5 * limit, Delay: 20 * time.Millisecond})
	store := &countingStore{Store: newStore(t, func(o *s3store.Options) { o.Endpoint = proxy.URL() })}
	j := newJournal(t)
	e, err := uploader.New(uploader.Options{
		Store: store, Journal: j, Bucket: bucket, Checksums: true, Adaptive: true,
		PartSize: 5 * uploader.MiB, MaxRate: limit,
		StallTimeout: time.Second, RetryBaseWait: 10 * time.Millisecond, RetryMaxWait: 200 * time.Millisecond,
	})
	if err != nil {
		t.Fatal(err)
	}
	e.Start()
	t.Cleanup(func() { e.Close() })
	r := &rig{t: t, engine: e, dir: t.TempDir(), prefix: testPrefix(t)}
	const size = 40 * uploader.MiB // 42 s at the limit
	path := r.file("limited.bin", size)
	added, err := e.Enqueue(context.Background(), r.prefix, path)
	if err != nil {
		t.Fatal(err)
	}
	// Skip the first seconds: the sockets' buffers fill at once.
	time.Sleep(3 * time.Second)
	start, from := time.Now(), proxy.BytesUp()
	time.Sleep(30 * time.Second)
	el, sent := time.Since(start), proxy.BytesUp()-from
	rate := float64(sent) / el.Seconds()
	if rate < 0.95*limit || rate > 1.05*limit {
		t.Fatalf("%.0f B/s crossed the link over %v with a limit of %d B/s: off by more than 5 %%", rate, el.Round(time.Millisecond), limit)
	}
	t.Logf("%.0f B/s over %v (limit %d B/s), %d requests in flight allowed", rate, el.Round(time.Millisecond), limit, e.Parallelism())
	if n := e.Parallelism(); n < 1 {
		t.Fatalf("parallelism %d", n)
	}
	e.SetSpeedLimit(0, uploader.Schedule{}) // the rest goes at the link's rate
	finish := time.Now()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	if err := e.Wait(ctx); err != nil {
		t.Fatal(err)
	}
	// About 10 MiB were left: 2 s at the link's 5 MB/s.
	if d := time.Since(finish); d > 12*time.Second {
		t.Errorf("after the limit was lifted the rest took %v", d)
	}
	job := jobOf(r, added.IDs[0])
	if job.State != uploader.StateDone {
		t.Fatalf("%s: %s", job.State, job.Detail)
	}
	if got, want := store.parts.Load(), int32(size/(5*uploader.MiB)); got != want {
		t.Errorf("%d parts stored for %d", got, want)
	}
	if sent := proxy.BytesUp(); sent > size+size/50 {
		t.Errorf("%d bytes crossed the link for %d: parts were sent again (taken for stalled?)", sent, size)
	}
	assertSame(t, job.Key, path)
}

// newJournal opens a journal in a temporary folder, closed when the test
// ends.
func newJournal(t *testing.T) *journal.Journal {
	t.Helper()
	j, err := journal.Open(filepath.Join(t.TempDir(), "journal.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { j.Close() })
	return j
}

// After a wake from sleep, with every connection dead (frozen in the
// emulator, as connections are after a sleep), the upload continues within
// seconds, not after the stall timeout: the wall clock's jump is noticed,
// connections are dropped, parts start again on new ones and the
// parallelism is measured afresh.
func TestWakeResumesWithinSeconds(t *testing.T) {
	proxy := wanProxy(t, faultproxy.Link{Up: 4 << 20, Down: 4 << 20, Delay: 10 * time.Millisecond})
	store := newStore(t, func(o *s3store.Options) {
		o.Endpoint = proxy.URL()
		o.HTTPTimeout = 2 * time.Minute // only the wake may rescue the requests
	})
	e, err := uploader.New(uploader.Options{
		Store: store, Journal: newJournal(t), Bucket: bucket, Checksums: true, Adaptive: true,
		PartSize: 5 * uploader.MiB, StallTimeout: time.Minute,
		RetryBaseWait: 10 * time.Millisecond, RetryMaxWait: 200 * time.Millisecond,
	})
	if err != nil {
		t.Fatal(err)
	}
	e.Start()
	t.Cleanup(func() { e.Close() })
	r := &rig{t: t, engine: e, dir: t.TempDir(), prefix: testPrefix(t)}
	path := r.file("wake.bin", 30*uploader.MiB) // about 8 s on the link
	added, err := e.Enqueue(context.Background(), r.prefix, path)
	if err != nil {
		t.Fatal(err)
	}
	waitFor(t, "some bytes to cross the link", func() bool { return proxy.BytesUp() > 4<<20 })
	proxy.Freeze() // the laptop sleeps: every connection dies silently
	frozen := proxy.BytesUp()
	time.Sleep(2 * time.Second)
	if s := jobOf(r, added.IDs[0]); s.State.Final() || proxy.BytesUp() != frozen {
		t.Fatalf("while frozen: %s, %d bytes moved", s.State, proxy.BytesUp()-frozen)
	}

	var mu sync.Mutex
	var slept time.Duration
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	go uploader.NetWatch{
		Interval: 50 * time.Millisecond,
		Wall: func() time.Time {
			mu.Lock()
			defer mu.Unlock()
			return time.Now().Round(0).Add(slept)
		},
		OnChange: e.NetworkChanged,
	}.Run(ctx)
	time.Sleep(200 * time.Millisecond)
	woke := time.Now()
	mu.Lock()
	slept = time.Hour // the machine wakes up an hour later
	mu.Unlock()

	deadline := time.Now().Add(40 * time.Second)
	for s := jobOf(r, added.IDs[0]); !s.State.Final(); s = jobOf(r, added.IDs[0]) {
		if time.Now().After(deadline) {
			t.Fatalf("still %s %d/%d bytes %v after the wake", s.State, s.Done, s.Size, time.Since(woke))
		}
		time.Sleep(50 * time.Millisecond)
	}
	took := time.Since(woke)
	s := jobOf(r, added.IDs[0])
	if s.State != uploader.StateDone {
		t.Fatalf("%s: %s", s.State, s.Detail)
	}
	// About 26 MiB were left: 6.5 s on the link, plus a few seconds.
	if took > 20*time.Second {
		t.Fatalf("finished %v after the wake; the stall timeout is a minute, so it was not the wake that helped", took)
	}
	t.Logf("finished %v after the wake", took.Round(time.Millisecond))
	assertSame(t, s.Key, path)
}
