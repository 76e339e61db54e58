package main

import (
	"fmt"
	"strconv"
	"strings"
)

const (
	kiB = 1 << 10
	miB = 1 << 20
	giB = 1 << 30
)

// sizeUnits maps a suffix to its multiplier. Binary units are the ones the
// flags document; decimal ones are accepted so "2GB" does not surprise.
var sizeUnits = []struct {
	suffix string
	mult   int64
}{
	{"TiB", 1 << 40}, {"GiB", giB}, {"MiB", miB}, {"KiB", kiB},
	{"TB", 1e12}, {"GB", 1e9}, {"MB", 1e6}, {"KB", 1e3}, {"kB", 1e3},
	{"B", 1},
}

// parseSize reads "2GiB", "64KiB", "1.5GiB", "65536" into bytes.
func parseSize(s string) (int64, error) {
	s = strings.TrimSpace(s)
	mult := int64(1)
	num := s
	for _, u := range sizeUnits {
		if strings.HasSuffix(s, u.suffix) {
			mult, num = u.mult, strings.TrimSpace(strings.TrimSuffix(s, u.suffix))
			break
		}
	}
	f, err := strconv.ParseFloat(num, 64)
	if err != nil || f <= 0 {
		return 0, fmt.Errorf("parse size %q: want a positive number with an optional unit such as 64KiB or 2GiB", s)
	}
	return int64(f * float64(mult)), nil
}

// formatSize prints bytes in the largest binary unit that keeps it readable.
func formatSize(n int64) string {
	switch {
	case n >= giB && n%giB == 0:
		return fmt.Sprintf("%d GiB", n/giB)
	case n >= giB:
		return fmt.Sprintf("%.2f GiB", float64(n)/giB)
	case n >= miB && n%miB == 0:
		return fmt.Sprintf("%d MiB", n/miB)
	case n >= miB:
		return fmt.Sprintf("%.2f MiB", float64(n)/miB)
	case n >= kiB && n%kiB == 0:
		return fmt.Sprintf("%d KiB", n/kiB)
	default:
		return fmt.Sprintf("%d B", n)
	}
}

// sizeFlag is a flag.Value holding a byte count.
type sizeFlag int64

func (s *sizeFlag) String() string { return formatSize(int64(*s)) }

func (s *sizeFlag) Set(v string) error {
	n, err := parseSize(v)
	if err != nil {
		return err
	}
	*s = sizeFlag(n)
	return nil
}
