package main

import (
	"strings"
	"testing"
	"time"
)

// The many-files report says which targets are met.
func TestManyReport(t *testing.T) {
	r := manyResult{count: 100000,
		send:   measurement{wall: time.Minute, maxRSS: 120 * miB},
		resume: measurement{wall: time.Second, maxRSS: 45 * miB}}
	text := r.text()
	if !strings.Contains(text, "120.0 MiB peak RSS  (target <= 150 MiB at 100,000 files: meets)") ||
		!strings.Contains(text, "45.0 MiB peak RSS  (target <= 40 MiB: MISSES)") {
		t.Fatalf("report:\n%s", text)
	}
	r.count, r.resume.maxRSS = 5000, 30*miB
	if text := r.text(); !strings.Contains(text, "(target <= 40 MiB: met here, but judged only at 100,000 files)") {
		t.Fatalf("report of a smaller run:\n%s", text)
	}
	if _, err := parseFlags([]string{"-many", "0", "-many-only"}, "."); err == nil {
		t.Fatal("-many-only with no files accepted")
	}
	if o, err := parseFlags([]string{"-many", "0"}, "."); err != nil || o.many != 0 {
		t.Fatalf("-many 0: %v", err)
	}
}
