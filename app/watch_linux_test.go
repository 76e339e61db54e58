package app

import (
	"context"
	"io"
	"os"
	"path/filepath"
	"testing"
	"time"

	"hoist/app/awake"
	"hoist/app/awake/awaketest"
	"hoist/uploader"
	"hoist/uploader/journal"
	"hoist/uploader/memstore"
)

// gatedStore holds every PUT until the test opens the gate.
type gatedStore struct {
	*memstore.Store
	gate chan struct{}
}

func (s gatedStore) Put(ctx context.Context, key string, body io.ReadSeeker, size int64, sum string, ifNoneMatch bool) (uploader.ObjectInfo, error) {
	select {
	case <-s.gate:
	case <-ctx.Done():
		return uploader.ObjectInfo{}, ctx.Err()
	}
	return s.Store.Put(ctx, key, body, size, sum, ifNoneMatch)
}

// While an upload runs, Hoist holds a logind "sleep:idle" lock (on a real
// D-Bus daemon, with a stand-in for logind), and releases it as soon as
// nothing is uploading; with keep_awake off it takes none.
func TestKeepsAwakeWhileSending(t *testing.T) {
	bus := awaketest.Bus(t)
	logind := awaketest.ServeLogind(t, bus)
	t.Setenv("DBUS_SYSTEM_BUS_ADDRESS", bus)
	t.Setenv("DBUS_SESSION_BUS_ADDRESS", "")
	t.Setenv("XDG_RUNTIME_DIR", t.TempDir()) // no session bus to fall back to

	j, err := journal.Open(filepath.Join(t.TempDir(), "journal.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer j.Close()
	store := gatedStore{memstore.New(), make(chan struct{})}
	e, err := uploader.New(uploader.Options{Store: store, Journal: j, Adaptive: true})
	if err != nil {
		t.Fatal(err)
	}
	e.Start()
	defer e.Close()
	w := startWatchers(e, true, nil)
	defer w.close()

	file := filepath.Join(t.TempDir(), "a.txt")
	if err := os.WriteFile(file, []byte("hello"), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := e.Enqueue(context.Background(), "p/", file); err != nil {
		t.Fatal(err)
	}
	waitUntil(t, "the lock to be taken", func() bool { return w.keepingAwake() })
	if calls := logind.Calls(); len(calls) != 1 || calls[0] != [4]string{"sleep:idle", "Hoist", awake.Why, "block"} {
		t.Fatalf("Inhibit calls %q", calls)
	}
	if !logind.Held(0, time.Second) {
		t.Fatal("lock released while the upload runs")
	}
	close(store.gate) // the upload finishes
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if err := e.Wait(ctx); err != nil {
		t.Fatal(err)
	}
	if logind.Held(0, 5*time.Second) {
		t.Fatal("lock still held after the upload finished")
	}
	if w.keepingAwake() {
		t.Fatal("keeper says it keeps awake with nothing uploading")
	}

	w.setKeepAwake(false)
	store2 := filepath.Join(t.TempDir(), "b.txt")
	if err := os.WriteFile(store2, []byte("again"), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := e.Enqueue(context.Background(), "p/", store2); err != nil {
		t.Fatal(err)
	}
	if err := e.Wait(ctx); err != nil {
		t.Fatal(err)
	}
	time.Sleep(2 * awakePoll)
	if n := len(logind.Calls()); n != 1 {
		t.Fatalf("%d locks taken with keep_awake off", n)
	}
}

func waitUntil(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(15 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(20 * time.Millisecond)
	}
}
