package faultproxy

import (
	"io"
	"net"
	"sync"
	"testing"
	"time"
)

// The pacer's timeline, on a made-up clock: each reservation ends n/rate
// after the previous one, idle time is not saved up, and a new rate counts
// from the next reservation.
func TestPacerTimeline(t *testing.T) {
	var p pacer
	t0 := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	if got := p.take(t0, 1000); !got.Equal(t0) {
		t.Fatalf("unlimited: due %v, want now", got)
	}
	p.setRate(1000) // 1000 B/s: 100 B take 100 ms
	steps := []struct {
		at   time.Duration // when take is called, after t0
		n    int
		want time.Duration // when the bytes have passed, after t0
	}{
		{0, 100, 100 * time.Millisecond},
		{0, 100, 200 * time.Millisecond},                     // queued behind the first
		{50 * time.Millisecond, 300, 500 * time.Millisecond}, // still behind
		{2 * time.Second, 100, 2100 * time.Millisecond},      // idle: no credit saved up
	}
	for i, s := range steps {
		if got := p.take(t0.Add(s.at), s.n); !got.Equal(t0.Add(s.want)) {
			t.Fatalf("step %d: due at %v, want %v", i, got.Sub(t0), s.want)
		}
	}
	p.setRate(2000)
	if got := p.take(t0.Add(3*time.Second), 100); !got.Equal(t0.Add(3050 * time.Millisecond)) {
		t.Fatalf("after the rate doubled: due at %v, want 3.05s", got.Sub(t0))
	}
}

// pump writes size bytes on each connection through the proxy to an echo
// server and reads them back, returning when every byte came back.
func pump(t *testing.T, conns []net.Conn, size int) {
	t.Helper()
	var wg sync.WaitGroup
	for _, c := range conns {
		wg.Add(2)
		go func() { defer wg.Done(); _, _ = c.Write(make([]byte, size)) }()
		go func() {
			defer wg.Done()
			if _, err := io.CopyN(io.Discard, c, int64(size)); err != nil {
				t.Errorf("read back: %v", err)
			}
		}()
	}
	wg.Wait()
}

// The shared rate holds for all connections together: four connections
// through a 1 MiB/s link move 1 MiB in about a second, not a quarter.
// Bounds are wide (a loaded machine only makes it slower, and the lower
// bound cannot be beaten by an honest pacer).
func TestLinkSharedRate(t *testing.T) {
	p := newProxy(t, echoServer(t))
	p.SetLink(Link{Up: 1 << 20})
	conns := []net.Conn{dial(t, p), dial(t, p), dial(t, p), dial(t, p)}
	start := time.Now()
	pump(t, conns, 256<<10)
	el := time.Since(start)
	if el < 900*time.Millisecond || el > 5*time.Second {
		t.Fatalf("1 MiB over a shared 1 MiB/s link took %v, want about 1 s", el)
	}
	if got := p.BytesUp(); got != 1<<20 {
		t.Fatalf("forwarded %d bytes, want %d", got, 1<<20)
	}
}

// The per-connection cap limits each stream, while parallel streams add
// up: one connection capped at 256 KiB/s needs about 2 s for 512 KiB; four
// of them move four times as much in about the same time.
func TestLinkPerConnCap(t *testing.T) {
	p := newProxy(t, echoServer(t))
	p.SetLink(Link{Up: 64 << 20, PerConn: 256 << 10})
	start := time.Now()
	pump(t, []net.Conn{dial(t, p)}, 512<<10)
	one := time.Since(start)
	start = time.Now()
	pump(t, []net.Conn{dial(t, p), dial(t, p), dial(t, p), dial(t, p)}, 512<<10)
	four := time.Since(start)
	if one < 1800*time.Millisecond || one > 8*time.Second {
		t.Fatalf("512 KiB on one connection capped at 256 KiB/s took %v, want about 2 s", one)
	}
	if four < 1800*time.Millisecond || four > 3*one {
		t.Fatalf("four capped connections took %v for 4× the bytes (one took %v): the cap must be per connection", four, one)
	}
}

// The one-way delay applies each way: a small echo takes at least the
// round trip, and a stream keeps many chunks in flight (a 1 MiB echo over
// 100 ms each way does not take a round trip per chunk).
func TestLinkDelay(t *testing.T) {
	p := newProxy(t, echoServer(t))
	const delay = 100 * time.Millisecond
	p.SetLink(Link{Delay: delay})
	c := dial(t, p)
	buf := make([]byte, 1)
	for range 3 {
		start := time.Now()
		if _, err := c.Write([]byte{'x'}); err != nil {
			t.Fatal(err)
		}
		if _, err := io.ReadFull(c, buf); err != nil {
			t.Fatal(err)
		}
		// The echo crosses the proxy twice (client → echo server → client),
		// each crossing delayed once.
		if rtt := time.Since(start); rtt < 2*delay || rtt > 2*delay+2*time.Second {
			t.Fatalf("round trip %v, want at least %v", rtt, 2*delay)
		}
	}
	start := time.Now()
	pump(t, []net.Conn{c}, 1<<20)
	if el := time.Since(start); el > 10*2*delay {
		t.Fatalf("1 MiB echo took %v over a %v round trip: the link does not keep chunks in flight", el, 2*delay)
	}
}

// A delayed link passes a half-close on after the data before it.
func TestLinkDelayHalfClose(t *testing.T) {
	p := newProxy(t, echoServer(t))
	p.SetLink(Link{Delay: 30 * time.Millisecond, Up: 4 << 20})
	c := dial(t, p)
	msg := make([]byte, 200<<10)
	if _, err := c.Write(msg); err != nil {
		t.Fatal(err)
	}
	if err := c.(*net.TCPConn).CloseWrite(); err != nil {
		t.Fatal(err)
	}
	got, err := io.ReadAll(c)
	if err != nil || len(got) != len(msg) {
		t.Fatalf("read back %d bytes (%v), want %d then EOF", len(got), err, len(msg))
	}
}

// Freeze stops every open connection for good, while new connections
// work: the state of a laptop waking up with dead connections.
func TestFreeze(t *testing.T) {
	p := newProxy(t, echoServer(t))
	old := dial(t, p)
	pump(t, []net.Conn{old}, 1000)
	p.Freeze()
	if _, err := old.Write([]byte("after")); err != nil {
		t.Fatal(err)
	}
	_ = old.SetReadDeadline(time.Now().Add(300 * time.Millisecond))
	if n, err := old.Read(make([]byte, 16)); err == nil {
		t.Fatalf("a frozen connection echoed %d bytes", n)
	}
	pump(t, []net.Conn{dial(t, p)}, 64<<10)
}
