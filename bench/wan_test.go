package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// The parallelism trace is read from Hoist's own log lines: one entry per
// level the controller chose, with seconds since the first.
func TestReadTrace(t *testing.T) {
	log := strings.Join([]string{
		`time=2026-12-02T05:00:00.000Z level=INFO msg="keeping the computer awake while sending"`,
		`time=2026-12-02T05:00:01.000Z level=INFO msg=parallelism limit=16 busy=8 goodput_bps=1000`,
		`time=2026-12-02T05:00:02.000Z level=INFO msg=parallelism limit=32 busy=16 goodput_bps=2000`,
		`time=2026-12-02T05:00:03.000Z level=INFO msg=parallelism limit=32 busy=32 goodput_bps=2000`,
		`time=2026-12-02T05:00:13.500Z level=INFO msg=parallelism limit=24 busy=32 goodput_bps=2100`,
	}, "\n")
	p := filepath.Join(t.TempDir(), "hoist.log")
	if err := os.WriteFile(p, []byte(log), 0o600); err != nil {
		t.Fatal(err)
	}
	if got, want := readTrace(p), "16@0s 32@1s 24@12s"; got != want {
		t.Fatalf("trace %q, want %q", got, want)
	}
	if got := readTrace(filepath.Join(t.TempDir(), "none.log")); got != "" {
		t.Fatalf("trace of a missing log %q", got)
	}
}

// Link use is the ideal time at the link's rate over the wall time; the
// ideal of (d) is 100 MiB at 200 Mbit/s.
func TestWANUtilisation(t *testing.T) {
	var lossy profile
	for _, p := range wanProfiles(1) {
		if p.id == "lossy" {
			lossy = p
		}
	}
	if got := lossy.ideal().Seconds(); got < 4.19 || got > 4.2 {
		t.Fatalf("ideal of (d) %.3f s, want 4.19 s", got)
	}
	s := wanSection{p: lossy, results: []result{run1("hoist", 2*lossy.ideal(), 1)}}
	if met, line := s.p.judge(s); met || !strings.Contains(line, "0.50") {
		t.Fatalf("half the link: met %v, %q", met, line)
	}
	s.results = []result{run1("hoist", lossy.ideal()*10/16, 1)}
	if met, _ := s.p.judge(s); !met {
		t.Fatal("1.6 of the ideal rate not met")
	}
	if n := noise(result{runs: []measurement{{wall: 9 * time.Second}, {wall: 10 * time.Second}, {wall: 11 * time.Second}}}); n != "±10%" {
		t.Fatalf("noise %q", n)
	}
}
