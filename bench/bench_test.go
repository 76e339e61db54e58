package main

import (
	"context"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"
)

func TestParseSize(t *testing.T) {
	tests := []struct {
		in   string
		want int64
		bad  bool
	}{
		{in: "2GiB", want: 2 << 30},
		{in: "64KiB", want: 64 << 10},
		{in: "256MiB", want: 256 << 20},
		{in: "1.5GiB", want: 3 << 29},
		{in: "65536", want: 65536},
		{in: "10 MB", want: 10_000_000},
		{in: "0", bad: true},
		{in: "-1KiB", bad: true},
		{in: "lots", bad: true},
	}
	for _, tt := range tests {
		got, err := parseSize(tt.in)
		if tt.bad {
			if err == nil {
				t.Errorf("parseSize(%q) = %d, want an error", tt.in, got)
			}
			continue
		}
		if err != nil || got != tt.want {
			t.Errorf("parseSize(%q) = %d, %v; want %d", tt.in, got, err, tt.want)
		}
	}
}

func TestParseTools(t *testing.T) {
	got, err := parseTools("hoist, mc,aws,rclone")
	if err != nil || strings.Join(got, ",") != "hoist,mc,aws,rclone" {
		t.Fatalf("parseTools = %v, %v", got, err)
	}
	for _, bad := range []string{"", "hoist,s5cmd", "mc,mc"} {
		if _, err := parseTools(bad); err == nil {
			t.Errorf("parseTools(%q) accepted", bad)
		}
	}
}

func run1(tool string, wall time.Duration, rss int64) result {
	return result{tool: tool, status: statusOK, runs: []measurement{{wall: wall, cpu: wall / 2, maxRSS: rss}}}
}

func TestVerdict(t *testing.T) {
	big := workload{id: "big", count: 1, bytes: 2 << 30}
	small := workload{id: "small", isDir: true, count: 2000, bytes: 2000 << 16}
	missing := result{tool: "aws", status: statusMissing, reason: "gone"}
	tests := []struct {
		name    string
		s       section
		met     bool
		contain string
	}{
		{"big met", section{big, []result{run1("hoist", 8*time.Second, 40*miB), run1("mc", 10*time.Second, 100*miB), missing}}, true, "0.80×"},
		{"big too slow", section{big, []result{run1("hoist", 9500*time.Millisecond, 40*miB), run1("mc", 10*time.Second, 1)}}, false, "NOT met"},
		{"big too fat", section{big, []result{run1("hoist", 5*time.Second, 65*miB), run1("mc", 10*time.Second, 1)}}, false, "65.0 MiB"},
		{"small met", section{small, []result{run1("hoist", 10*time.Second, 1), run1("rclone", 11*time.Second, 1), run1("mc", 20*time.Second, 1)}}, true, "rclone"},
		{"small not met", section{small, []result{run1("hoist", 10*time.Second, 1), run1("rclone", 10500*time.Millisecond, 1)}}, false, "1.05×"},
		{"hoist failed", section{small, []result{{tool: "hoist", status: statusFailed}, run1("mc", time.Second, 1)}}, false, "hoist FAILED"},
		{"no peer", section{small, []result{run1("hoist", time.Second, 1), missing}}, false, "no peer"},
	}
	for _, tt := range tests {
		met, line := tt.s.verdict()
		if met != tt.met || !strings.Contains(line, tt.contain) {
			t.Errorf("%s: verdict = %v, %q; want %v containing %q", tt.name, met, line, tt.met, tt.contain)
		}
	}
}

func TestRenderShowsMissingAndFailed(t *testing.T) {
	s := section{
		w: workload{title: "(a) one 2 GiB file", count: 1, bytes: 2 << 30},
		results: []result{
			run1("hoist", 8*time.Second, 40*miB),
			{tool: "mc", status: statusFailed, reason: "bucket holds 0 objects"},
			{tool: "aws", status: statusMissing, reason: "/usr/bin/aws not found"},
			run1("rclone", 10*time.Second, 80*miB),
		},
	}
	for _, md := range []bool{false, true} {
		out := s.render(md)
		for _, want := range []string{"MISSING", "FAILED", "/usr/bin/aws not found", "best peer", "0.80× wall", "— met"} {
			if !strings.Contains(out, want) {
				t.Errorf("render(markdown=%v) lacks %q:\n%s", md, want, out)
			}
		}
	}
}

func TestExitCode(t *testing.T) {
	r := &report{sections: []section{{results: []result{run1("mc", time.Second, 1), {tool: "aws", status: statusMissing}}}}}
	if r.exitCode(false) != 1 || r.exitCode(true) != 0 {
		t.Errorf("missing tool: exitCode(false)=%d exitCode(true)=%d", r.exitCode(false), r.exitCode(true))
	}
	r.sections[0].results[0].status = statusFailed
	if r.exitCode(true) != 1 {
		t.Error("failed tool must give exit 1 even with -allow-missing")
	}
}

func TestWorkloadsAreRandomAndSized(t *testing.T) {
	dir := t.TempDir()
	big, err := makeBigFile(context.Background(), dir, 3*miB+5)
	if err != nil {
		t.Fatal(err)
	}
	small, err := makeSmallFiles(context.Background(), dir, 3, 4*kiB)
	if err != nil {
		t.Fatal(err)
	}
	fi, err := os.Stat(big.path)
	if err != nil || fi.Size() != 3*miB+5 {
		t.Fatalf("big file: %v, %v", fi, err)
	}
	entries, err := os.ReadDir(small.path)
	if err != nil || len(entries) != 3 || small.bytes != 12*kiB {
		t.Fatalf("small files: %d entries, %d bytes, %v", len(entries), small.bytes, err)
	}
	a, _ := os.ReadFile(filepath.Join(small.path, entries[0].Name()))
	b, _ := os.ReadFile(filepath.Join(small.path, entries[1].Name()))
	if string(a) == string(b) || strings.Count(string(a), "\x00") > len(a)/16 {
		t.Error("small files should differ and not be zeros")
	}
}

func TestEnvWithout(t *testing.T) {
	env := []string{"AWS_CA_BUNDLE=/x", "AWS_PROFILE=p", "HOME=/root", "PATH=/bin"}
	u := upload{server: server{endpoint: "http://127.0.0.1:1", region: "us-east-1", accessKey: "k", secretKey: "s"}, scratch: t.TempDir(), src: "/f", bucket: "b", prefix: "bench/aws/"}
	t.Setenv("AWS_PROFILE", "leak")
	inv, err := awsTool{path: "/usr/bin/aws"}.prepare(context.Background(), u)
	if err != nil {
		t.Fatal(err)
	}
	joined := strings.Join(inv.env, "\n")
	if strings.Contains(joined, "AWS_PROFILE") || !strings.Contains(joined, "AWS_ACCESS_KEY_ID=k") {
		t.Errorf("aws env leaks or lacks credentials:\n%s", joined)
	}
	if os.Getenv("AWS_CA_BUNDLE") != "" && !strings.Contains(joined, "AWS_CA_BUNDLE=") {
		t.Error("aws must keep AWS_CA_BUNDLE")
	}
	inv, err = rcloneTool{path: "/usr/bin/rclone"}.prepare(context.Background(), u)
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(strings.Join(inv.env, "\n"), "AWS_CA_BUNDLE") {
		t.Error("rclone must run without AWS_CA_BUNDLE")
	}
	got := envWithout(env, hasPrefix("AWS_"))
	if strings.Join(got, ",") != "HOME=/root,PATH=/bin" {
		t.Errorf("envWithout = %v", got)
	}
}

func TestProcCPU(t *testing.T) {
	deadline := time.Now().Add(50 * time.Millisecond)
	for time.Now().Before(deadline) {
	}
	got, err := procCPU(os.Getpid())
	if err != nil || got <= 0 {
		t.Errorf("procCPU(self) = %v, %v; want > 0 after a busy loop", got, err)
	}
}

func TestMachineCPUAndBusyNote(t *testing.T) {
	if _, err := machineCPU(); err != nil {
		t.Fatal(err)
	}
	busy := run1("mc", 10*time.Second, 1)
	busy.runs[0].otherCPU = 5 * time.Second * time.Duration(runtime.NumCPU()) // half the machine
	s := section{w: workload{title: "t", count: 1, bytes: 1}, results: []result{busy}}
	if out := s.render(false); !strings.Contains(out, "UNRELIABLE") {
		t.Errorf("busy run not flagged:\n%s", out)
	}
}
