package ui

import (
	"math"
	"strconv"
	"strings"
	"time"

	"fyne.io/fyne/v2/lang"
)

// The window's numbers follow the language: its decimal mark ("1.2 GB",
// "1,2 GB"), its thousands separator and how dates are written are
// translations with their own keys (lang.X), since they are not sentences.

// decimalMark is "." in English, "," in German.
func decimalMark() string { return lang.X("format.decimal-mark", ".") }

// thousandsSeparator is "," in English, "." in German.
func thousandsSeparator() string { return lang.X("format.thousands-separator", ",") }

// dateLayout is how history dates are written, as a Go time layout.
func dateLayout() string { return lang.X("format.date-time", "2 Jan 2006 15:04") }

// formatBytes writes a size in decimal units, as file managers show them:
// "0 bytes", "1 byte", "950 bytes", "1.2 KB", "34 MB", "1.5 GB" (in German
// "950 Byte", "1,2 KB").
func formatBytes(n int64) string {
	if n < 1000 {
		return lang.N("{{.Count}} bytes", int(n), map[string]any{"Count": n})
	}
	units := []string{"KB", "MB", "GB", "TB", "PB", "EB"}
	v := float64(n)
	i := -1
	for v >= 999.95 && i < len(units)-1 {
		v /= 1000
		i++
	}
	if v >= 100 {
		return strconv.FormatFloat(v, 'f', 0, 64) + " " + units[i]
	}
	s := strconv.FormatFloat(v, 'f', 1, 64)
	return strings.Replace(s, ".", decimalMark(), 1) + " " + units[i]
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
		return lang.L("less than a minute left")
	case d < time.Hour:
		m := int(math.Round(d.Minutes()))
		return lang.N("about {{.Count}} minutes left", m, map[string]any{"Count": m})
	case d < 48*time.Hour:
		h := int(d.Hours())
		m := int(d.Minutes()) % 60
		if m == 0 {
			return lang.L("about {{.Hours}} h left", map[string]any{"Hours": h})
		}
		return lang.L("about {{.Hours}} h {{.Minutes}} min left", map[string]any{"Hours": h, "Minutes": m})
	}
	days := int(math.Round(d.Hours() / 24))
	return lang.N("about {{.Count}} days left", days, map[string]any{"Count": days})
}

// formatDate writes a time for history lists: "2 Mar 2026 14:05" in local
// time ("02.03.2026 14:05" in German); "" for the zero time.
func formatDate(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.Local().Format(dateLayout())
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

// groupDigits writes n with thousands separators: "42,300,000,000" (in
// German "42.300.000.000").
func groupDigits(n int64) string {
	s := strconv.FormatInt(n, 10)
	sep := thousandsSeparator()
	start := 0
	if n < 0 {
		start = 1
	}
	for i := len(s) - 3; i > start; i -= 3 {
		s = s[:i] + sep + s[i:]
	}
	return s
}
