package uploader

import (
	"context"
	"fmt"
	"math"
	"strconv"
	"strings"
	"sync"
	"time"
)

// Rate is a transfer rate in bytes per second; 0 means no limit.
type Rate int64

// rateUnits are the units ParseRate accepts, longest first so that "Mbit"
// is not read as "bit". Bit units are decimal (1 Mbit/s = 1,000,000 bits a
// second, as network speeds are sold); byte units come decimal (MB) and
// binary (MiB).
var rateUnits = []struct {
	suffix string
	bytes  float64 // bytes per second of one unit
	fold   bool    // matched without regard to case
}{
	{"gbit", 1e9 / 8, true}, {"mbit", 1e6 / 8, true}, {"kbit", 1e3 / 8, true},
	{"gbps", 1e9 / 8, true}, {"mbps", 1e6 / 8, true}, {"kbps", 1e3 / 8, true},
	{"bit", 1.0 / 8, true}, {"bps", 1.0 / 8, true},
	{"GiB", 1 << 30, false}, {"MiB", 1 << 20, false}, {"KiB", 1 << 10, false},
	{"GB", 1e9, false}, {"MB", 1e6, false}, {"KB", 1e3, false}, {"kB", 1e3, false},
	{"B", 1, false},
}

// ParseRate reads a speed such as "20Mbit", "20 Mbit/s", "2.5MB/s" or
// "500KiB/s". Bit units (bit, kbit, Mbit, Gbit; also kbps, Mbps, Gbps) are
// decimal bits a second; byte units are B, KB, MB, GB (decimal) and KiB,
// MiB, GiB (binary) a second; "/s" is optional. "", "0", "off" and "none"
// mean no limit. A number without a unit is refused: 20 what?
func ParseRate(s string) (Rate, error) {
	t := strings.TrimSpace(s)
	switch strings.ToLower(t) {
	case "", "0", "off", "none", "unlimited":
		return 0, nil
	}
	t = strings.TrimSpace(strings.TrimSuffix(t, "/s"))
	for _, u := range rateUnits {
		num, ok := cutSuffix(t, u.suffix, u.fold)
		if !ok {
			continue
		}
		f, err := strconv.ParseFloat(strings.TrimSpace(num), 64)
		if err != nil || f < 0 || math.IsInf(f, 0) || math.IsNaN(f) {
			break
		}
		r := f * u.bytes
		if r > 0 && r < 1 {
			return 0, fmt.Errorf("speed %q: below one byte a second", s)
		}
		if r > 1<<50 {
			return 0, fmt.Errorf("speed %q: too large", s)
		}
		return Rate(r), nil
	}
	return 0, fmt.Errorf("speed %q: want a number and a unit, such as 20Mbit, 2.5MB/s or 500KiB/s (or off)", s)
}

func cutSuffix(s, suffix string, fold bool) (string, bool) {
	if len(s) < len(suffix) {
		return "", false
	}
	tail := s[len(s)-len(suffix):]
	if tail == suffix || (fold && strings.EqualFold(tail, suffix)) {
		return s[:len(s)-len(suffix)], true
	}
	return "", false
}

// String prints the rate in Mbit/s (or kbit/s below one Mbit/s), as
// network speeds are usually given; "off" for no limit.
func (r Rate) String() string {
	bits := float64(r) * 8
	switch {
	case r <= 0:
		return "off"
	case bits >= 1e9:
		return strconv.FormatFloat(bits/1e9, 'f', -1, 64) + " Gbit/s"
	case bits >= 1e6:
		return strconv.FormatFloat(math.Round(bits/1e4)/100, 'f', -1, 64) + " Mbit/s"
	}
	return strconv.FormatFloat(math.Round(bits/10)/100, 'f', -1, 64) + " kbit/s"
}

// Schedule says when a speed limit applies: a list of weekly windows such
// as "Mon-Fri 09:00-17:00". The zero Schedule means always.
type Schedule struct {
	windows []timeWindow
	text    string
}

// timeWindow is one weekly time window: on days (bit i = time.Weekday i) from
// start to end (minutes after midnight, local time); an end at or before
// the start runs past midnight into the next day.
type timeWindow struct {
	days       uint8
	start, end int
}

// ParseSchedule reads windows separated by ";", each "DAYS HH:MM-HH:MM",
// "DAYS" or "HH:MM-HH:MM". DAYS is a day ("Mon"), a range ("Mon-Fri") or a
// list of either ("Mon,Wed,Sat-Sun"); without days a window is every day,
// without times all day. Times are local; "22:00-06:00" runs past
// midnight. "" or "always" is the zero Schedule.
func ParseSchedule(s string) (Schedule, error) {
	t := strings.TrimSpace(s)
	if t == "" || strings.EqualFold(t, "always") {
		return Schedule{}, nil
	}
	var out Schedule
	for _, part := range strings.Split(t, ";") {
		w, err := parseWindow(strings.TrimSpace(part))
		if err != nil {
			return Schedule{}, fmt.Errorf("schedule %q: %w", s, err)
		}
		out.windows = append(out.windows, w)
	}
	out.text = t
	return out, nil
}

func parseWindow(s string) (timeWindow, error) {
	w := timeWindow{days: 0x7f, start: 0, end: 0}
	fields := strings.Fields(s)
	if len(fields) == 0 || len(fields) > 2 {
		return w, fmt.Errorf("%q: want days and/or a time range such as Mon-Fri 09:00-17:00", s)
	}
	if !strings.Contains(fields[len(fields)-1], ":") {
		if len(fields) == 2 {
			return w, fmt.Errorf("%q: want a time range such as 09:00-17:00 after the days", s)
		}
		d, err := parseDays(fields[0])
		return timeWindow{days: d}, err
	}
	if len(fields) == 2 {
		d, err := parseDays(fields[0])
		if err != nil {
			return w, err
		}
		w.days = d
	}
	from, to, ok := strings.Cut(fields[len(fields)-1], "-")
	if !ok {
		return w, fmt.Errorf("%q: want a time range such as 09:00-17:00", fields[len(fields)-1])
	}
	var err error
	if w.start, err = parseClock(from); err != nil {
		return w, err
	}
	if w.end, err = parseClock(to); err != nil {
		return w, err
	}
	if w.start == w.end {
		return w, fmt.Errorf("%q: the window is empty", fields[len(fields)-1])
	}
	return w, nil
}

func parseDays(s string) (uint8, error) {
	var days uint8
	for _, item := range strings.Split(s, ",") {
		from, to, isRange := strings.Cut(item, "-")
		a, err := parseDay(from)
		if err != nil {
			return 0, err
		}
		b := a
		if isRange {
			if b, err = parseDay(to); err != nil {
				return 0, err
			}
		}
		for d := a; ; d = (d + 1) % 7 {
			days |= 1 << d
			if d == b {
				break
			}
		}
	}
	return days, nil
}

var dayNames = []string{"sunday", "monday", "tuesday", "wednesday", "thursday", "friday", "saturday"}

// parseDay reads "Mon" or "Monday", in any case.
func parseDay(s string) (time.Weekday, error) {
	name := strings.ToLower(strings.TrimSpace(s))
	for i, full := range dayNames {
		if name == full || name == full[:3] {
			return time.Weekday(i), nil
		}
	}
	return 0, fmt.Errorf("%q: not a day (Mon, Tue, Wed, Thu, Fri, Sat, Sun)", s)
}

func parseClock(s string) (int, error) {
	h, m, ok := strings.Cut(strings.TrimSpace(s), ":")
	hh, err1 := strconv.Atoi(h)
	mm, err2 := strconv.Atoi(m)
	if !ok || err1 != nil || err2 != nil || hh < 0 || hh > 24 || mm < 0 || mm > 59 || (hh == 24 && mm != 0) {
		return 0, fmt.Errorf("%q: not a time of day (HH:MM)", s)
	}
	return hh*60 + mm, nil
}

// Active reports whether the schedule applies at t (in t's location).
func (s Schedule) Active(t time.Time) bool {
	if len(s.windows) == 0 {
		return true
	}
	mins := t.Hour()*60 + t.Minute()
	today := t.Weekday()
	yesterday := (today + 6) % 7
	for _, w := range s.windows {
		if w.start == 0 && w.end == 0 { // whole days
			if w.days&(1<<today) != 0 {
				return true
			}
			continue
		}
		if w.start < w.end {
			if w.days&(1<<today) != 0 && mins >= w.start && mins < w.end {
				return true
			}
			continue
		}
		// Past midnight: the evening of a listed day, or the morning after.
		if (w.days&(1<<today) != 0 && mins >= w.start) || (w.days&(1<<yesterday) != 0 && mins < w.end) {
			return true
		}
	}
	return false
}

// String returns the schedule as it was written; "always" for the zero
// Schedule.
func (s Schedule) String() string {
	if s.text == "" {
		return "always"
	}
	return s.text
}

// limitChunk is the most bytes a limited reader passes at once, so that
// the limit is smooth and a change of it applies within a fraction of a
// second.
const limitChunk = 16 << 10

// Limiter shares one upload speed limit between every transfer of an
// engine: each chunk read from a file takes the next slot of its size on
// one timeline. The limit and its schedule can change at any time. Safe for
// concurrent use.
type Limiter struct {
	mu    sync.Mutex
	rate  Rate
	sched Schedule
	next  time.Time
	now   func() time.Time
}

// NewLimiter returns a limiter without a limit; now is its clock (nil:
// time.Now).
func NewLimiter(now func() time.Time) *Limiter {
	if now == nil {
		now = time.Now
	}
	return &Limiter{now: now}
}

// Set changes the limit; rate 0 removes it. The schedule says when it
// applies (the zero Schedule: always). Transfers waiting for a slot keep
// it; the next chunks follow the new limit.
func (l *Limiter) Set(rate Rate, sched Schedule) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.rate, l.sched = max(rate, 0), sched
	l.next = time.Time{}
}

// Limit returns the limit and its schedule.
func (l *Limiter) Limit() (Rate, Schedule) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.rate, l.sched
}

// reserve takes n bytes and returns how long to wait before passing them;
// limited is false when no limit applies now.
func (l *Limiter) reserve(n int) (wait time.Duration, limited bool) {
	l.mu.Lock()
	defer l.mu.Unlock()
	now := l.now()
	if l.rate <= 0 || !l.sched.Active(now) {
		return 0, false
	}
	if l.next.Before(now) {
		l.next = now
	}
	l.next = l.next.Add(time.Duration(float64(n) / float64(l.rate) * float64(time.Second)))
	return l.next.Sub(now), true
}

// chunk is how many bytes of a read of n may go at once.
func (l *Limiter) chunk(n int) int {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.rate <= 0 {
		return n
	}
	return min(n, limitChunk)
}

// wait blocks until n more bytes may go, or ctx ends.
func (l *Limiter) wait(ctx context.Context, n int) error {
	d, limited := l.reserve(n)
	if !limited || d <= 0 {
		return nil
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return context.Cause(ctx)
	}
}
