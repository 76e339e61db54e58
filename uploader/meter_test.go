package uploader

import (
	"math"
	"testing"
	"time"
)

func TestMeter(t *testing.T) {
	t0 := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	at := func(ms int) time.Time { return t0.Add(time.Duration(ms) * time.Millisecond) }
	var m meter
	if s := m.speed(); s != 0 {
		t.Fatalf("empty meter: %v", s)
	}
	// A burst of 16 MB into the network stack's buffers, then 1 MB/s.
	m.add(at(0), 0)
	m.add(at(250), 16e6)
	if s := m.speed(); s != 0 {
		t.Fatalf("after 250 ms: %v, want 0 (too early to tell)", s)
	}
	for ms := 500; ms <= 2000; ms += 250 {
		m.add(at(ms), 16e6+int64(ms-250)*1e3)
	}
	if s, want := m.speed(), (16e6+1.75e6)/2.0; math.Abs(s-want) > 1 {
		t.Fatalf("after 2 s: %v, want %v", s, want)
	}
	// Once the burst is out of the window, only the steady rate counts.
	for ms := 2250; ms <= 8000; ms += 250 {
		m.add(at(ms), 16e6+int64(ms-250)*1e3)
	}
	if s := m.speed(); math.Abs(s-1e6) > 1 {
		t.Fatalf("after 8 s: %v, want 1e6", s)
	}
	// Bytes taken back (a retried request) never make it negative.
	m.add(at(8250), 0)
	if s := m.speed(); s != 0 {
		t.Fatalf("after going back: %v", s)
	}
}
