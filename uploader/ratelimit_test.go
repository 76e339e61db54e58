package uploader

import (
	"testing"
	"time"
)

func TestParseRate(t *testing.T) {
	good := []struct {
		in   string
		want Rate
	}{
		{"20Mbit", 2_500_000},
		{"20 Mbit/s", 2_500_000},
		{"20mbps", 2_500_000},
		{"1.5Gbit", 187_500_000},
		{"800 kbit/s", 100_000},
		{"2.5MB/s", 2_500_000},
		{"500KiB/s", 512_000},
		{"1MiB", 1 << 20},
		{"100B/s", 100},
		{"off", 0}, {"", 0}, {"0", 0}, {"none", 0},
	}
	for _, g := range good {
		got, err := ParseRate(g.in)
		if err != nil || got != g.want {
			t.Errorf("ParseRate(%q) = %d, %v; want %d", g.in, got, err, g.want)
		}
	}
	for _, bad := range []string{"20", "fast", "-3Mbit", "Mbit", "2bit", "20 Mb", "1e30GB"} {
		if got, err := ParseRate(bad); err == nil {
			t.Errorf("ParseRate(%q) = %d, want an error", bad, got)
		}
	}
	for r, want := range map[Rate]string{0: "off", 2_500_000: "20 Mbit/s", 100_000: "800 kbit/s", 125_000_000: "1 Gbit/s"} {
		if got := r.String(); got != want {
			t.Errorf("Rate(%d).String() = %q, want %q", int64(r), got, want)
		}
	}
}

func TestSchedule(t *testing.T) {
	// 2026-11-23 is a Monday.
	at := func(day int, hhmm string) time.Time {
		c, _ := time.Parse("15:04", hhmm)
		return time.Date(2026, 11, 23+day, c.Hour(), c.Minute(), 0, 0, time.Local)
	}
	cases := []struct {
		sched string
		when  time.Time
		want  bool
	}{
		{"Mon-Fri 09:00-17:00", at(0, "09:00"), true},
		{"Mon-Fri 09:00-17:00", at(0, "16:59"), true},
		{"Mon-Fri 09:00-17:00", at(0, "17:00"), false},
		{"Mon-Fri 09:00-17:00", at(0, "08:59"), false},
		{"Mon-Fri 09:00-17:00", at(4, "12:00"), true},  // Friday
		{"Mon-Fri 09:00-17:00", at(5, "12:00"), false}, // Saturday
		{"Sat-Mon", at(6, "03:00"), true},              // Sunday, a range across the week's end
		{"Sat-Mon", at(1, "03:00"), false},             // Tuesday
		{"22:00-06:00", at(2, "23:30"), true},
		{"22:00-06:00", at(2, "05:59"), true},
		{"22:00-06:00", at(2, "12:00"), false},
		{"Fri 22:00-06:00", at(5, "05:00"), true}, // Saturday morning, after Friday night
		{"Fri 22:00-06:00", at(4, "05:00"), false},
		{"mon,wednesday 08:00-09:00; Sun", at(2, "08:30"), true},
		{"mon,wednesday 08:00-09:00; Sun", at(6, "20:00"), true},
		{"mon,wednesday 08:00-09:00; Sun", at(1, "08:30"), false},
		{"", at(3, "03:00"), true},
		{"always", at(3, "03:00"), true},
	}
	for _, c := range cases {
		s, err := ParseSchedule(c.sched)
		if err != nil {
			t.Fatalf("ParseSchedule(%q): %v", c.sched, err)
		}
		if got := s.Active(c.when); got != c.want {
			t.Errorf("%q at %s: active %v, want %v", c.sched, c.when.Format("Mon 15:04"), got, c.want)
		}
	}
	for _, bad := range []string{"Mon-Fri 9-17", "Funday", "Mon 25:00-26:00", "Mon 10:00-10:00", "Mon Tue", "09:00"} {
		if _, err := ParseSchedule(bad); err == nil {
			t.Errorf("ParseSchedule(%q) succeeded, want an error", bad)
		}
	}
}

// The limiter spreads chunks on one timeline shared by every caller, on a
// made-up clock: the wait is exactly what the rate says, a change of limit
// counts from the next chunk, and outside the schedule nothing waits.
func TestLimiterTimeline(t *testing.T) {
	now := time.Date(2026, 11, 23, 10, 0, 0, 0, time.Local) // Monday 10:00
	l := NewLimiter(func() time.Time { return now })
	if _, limited := l.reserve(1 << 20); limited {
		t.Fatal("no limit set, but the limiter holds bytes back")
	}
	l.Set(1000, Schedule{})
	for i, want := range []time.Duration{100 * time.Millisecond, 200 * time.Millisecond, 300 * time.Millisecond} {
		if d, _ := l.reserve(100); d != want {
			t.Fatalf("chunk %d: wait %v, want %v", i, d, want)
		}
	}
	l.Set(10_000, Schedule{}) // live change: the next chunk follows the new rate
	if d, _ := l.reserve(100); d != 10*time.Millisecond {
		t.Fatalf("after raising the limit: wait %v, want 10ms", d)
	}
	if l.chunk(1<<20) != limitChunk {
		t.Fatalf("a limited read passes %d bytes at once, want %d", l.chunk(1<<20), limitChunk)
	}
	office, _ := ParseSchedule("Mon-Fri 09:00-17:00")
	l.Set(1000, office)
	if _, limited := l.reserve(100); !limited {
		t.Fatal("inside the schedule, but not limited")
	}
	now = now.Add(8 * time.Hour) // 18:00
	if d, limited := l.reserve(1 << 20); limited || d != 0 {
		t.Fatalf("outside the schedule: limited %v, wait %v", limited, d)
	}
	if r, s := l.Limit(); r != 1000 || s.String() != "Mon-Fri 09:00-17:00" {
		t.Fatalf("Limit() = %v, %v", r, s)
	}
}
