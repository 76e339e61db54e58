package instance

import (
	"context"
	"errors"
	"testing"
)

func TestOneInstancePerDataFolder(t *testing.T) {
	t.Setenv("XDG_RUNTIME_DIR", t.TempDir())
	data := t.TempDir()
	ctx := context.Background()
	if Running(ctx, data) {
		t.Fatal("running before anyone listens")
	}
	if _, err := Send(ctx, data, Message{Join: "x"}); !errors.Is(err, ErrNotRunning) {
		t.Fatalf("Send with nobody listening = %v", err)
	}
	got := make(chan Message, 1)
	s, err := Listen(data, func(m Message) Reply { got <- m; return Reply{OK: true, Message: "taken"} })
	if err != nil {
		t.Fatal(err)
	}
	if _, err := Listen(data, nil); !errors.Is(err, ErrRunning) {
		t.Fatalf("second Listen = %v, want ErrRunning", err)
	}
	// Another data folder has its own window.
	other, err := Listen(t.TempDir(), func(Message) Reply { return Reply{} })
	if err != nil {
		t.Fatal(err)
	}
	other.Close()

	r, err := Send(ctx, data, Message{Join: "https://acme.example/.well-known/hoist.json", Open: []string{"/a b"}, Raise: true})
	if err != nil || !r.OK || r.Message != "taken" {
		t.Fatalf("Send = %+v, %v", r, err)
	}
	m := <-got
	if m.Join != "https://acme.example/.well-known/hoist.json" || len(m.Open) != 1 || m.Open[0] != "/a b" || !m.Raise || m.Version != ProtocolVersion {
		t.Errorf("received %+v", m)
	}
	if !Running(ctx, data) {
		t.Error("Running = false while listening")
	}
	checkPrivate(t, data)
	s.Close()
	if Running(ctx, data) {
		t.Error("running after Close")
	}
	// A stale socket (a crash) does not block the next start.
	leaveStale(t, data)
	s2, err := Listen(data, func(Message) Reply { return Reply{OK: true} })
	if err != nil {
		t.Fatalf("Listen over a stale socket: %v", err)
	}
	s2.Close()
}
