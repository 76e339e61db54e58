package ui

import (
	"fmt"
	"math"
	"strconv"
	"time"
)

// formatBytes writes a size in decimal units, as file managers show them:
// "0 bytes", "1 byte", "950 bytes", "1.2 KB", "34 MB", "1.5 GB".
func formatBytes(n int64) string {
	switch {
	case n == 1:
		return "1 byte"
	case n < 1000:
		return fmt.Sprintf("%d bytes", n)
	}
	units := []string{"KB", "MB", "GB", "TB", "PB", "EB"}
	v := float64(n)
	i := -1
	for v >= 999.95 && i < len(units)-1 {
		v /= 1000
		i++
	}
	if v >= 100 {
		return fmt.Sprintf("%.0f %s", v, units[i])
	}
	return fmt.Sprintf("%.1f %s", v, units[i])
}

// formatSpeed writes bytes per second, e.g. "12.3 MB/s"; "" when unknown.
func formatSpeed(bps float64) string {
	if bps <= 0 || math.IsNaN(bps) || math.IsInf(bps, 0) {
		return ""
	}
	return formatBytes(int64(bps)) + "/s"
}

// formatETA writes the time left in plain words; "" when unknown.
func formatETA(d time.Duration) string {
	switch {
	case d < 0:
		return ""
	case d < time.Minute:
		return "less than a minute left"
	case d < time.Hour:
		m := int(math.Round(d.Minutes()))
		if m == 1 {
			return "about 1 minute left"
		}
		return fmt.Sprintf("about %d minutes left", m)
	case d < 48*time.Hour:
		h := int(d.Hours())
		m := int(d.Minutes()) % 60
		if m == 0 {
			return fmt.Sprintf("about %d h left", h)
		}
		return fmt.Sprintf("about %d h %d min left", h, m)
	}
	return fmt.Sprintf("about %d days left", int(math.Round(d.Hours()/24)))
}

// formatDate writes a time for history lists: "2 Mar 2026 14:05" in local
// time; "" for the zero time.
func formatDate(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.Local().Format("2 Jan 2006 15:04")
}

// plural writes "1 file" or "3 files".
func plural(n int, one, many string) string {
	if n == 1 {
		return "1 " + one
	}
	return fmt.Sprintf("%d %s", n, many)
}

// join writes the non-empty parts separated by " · ".
func join(parts ...string) string {
	s := ""
	for _, p := range parts {
		if p == "" {
			continue
		}
		if s != "" {
			s += " · "
		}
		s += p
	}
	return s
}

// groupDigits writes n with thousands separators: "42,300,000,000".
func groupDigits(n int64) string {
	s := strconv.FormatInt(n, 10)
	start := 0
	if n < 0 {
		start = 1
	}
	for i := len(s) - 3; i > start; i -= 3 {
		s = s[:i] + "," + s[i:]
	}
	return s
}
