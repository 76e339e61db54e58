package config

import (
	"fmt"
	"math/big"
	"strconv"
	"strings"
	"time"
)

// Byte-size units. The binary units (KiB, MiB, …) are powers of 1024; the
// decimal ones (KB, MB, …) are powers of 1000.
const (
	KiB Size = 1 << (10 * (iota + 1))
	MiB
	GiB
	TiB
)

// Size is a number of bytes. In TOML it is written either as an integer (a
// count of bytes) or as a string: a non-negative number, optionally with a
// fraction, an optional space and an optional unit — B, KiB, MiB, GiB, TiB
// (binary) or KB, MB, GB, TB (decimal); units are matched without regard to
// case. "16MiB", "16 MiB", "1.5GiB", "100MB" and "4096" are all sizes. The
// result must be a whole number of bytes that fits in an int64.
type Size int64

// sizeUnits maps a lower-cased unit to its multiplier.
var sizeUnits = map[string]int64{
	"":    1,
	"b":   1,
	"kib": 1 << 10,
	"mib": 1 << 20,
	"gib": 1 << 30,
	"tib": 1 << 40,
	"kb":  1e3,
	"mb":  1e6,
	"gb":  1e9,
	"tb":  1e12,
}

// ParseSize parses a size string as described on [Size].
func ParseSize(s string) (Size, error) {
	t := strings.TrimSpace(s)
	i := 0
	for i < len(t) && (t[i] >= '0' && t[i] <= '9' || t[i] == '.') {
		i++
	}
	num, unit := t[:i], strings.ToLower(strings.TrimSpace(t[i:]))
	if !validDecimal(num) {
		return 0, fmt.Errorf("invalid size %q: want a number of bytes or a string like \"16MiB\"", s)
	}
	mult, ok := sizeUnits[unit]
	if !ok {
		return 0, fmt.Errorf("invalid size %q: unknown unit %q (use B, KiB, MiB, GiB, TiB, KB, MB, GB or TB)", s, strings.TrimSpace(t[i:]))
	}
	r, ok := new(big.Rat).SetString(num)
	if !ok {
		return 0, fmt.Errorf("invalid size %q: bad number", s)
	}
	r.Mul(r, new(big.Rat).SetInt64(mult))
	if !r.IsInt() {
		return 0, fmt.Errorf("invalid size %q: not a whole number of bytes", s)
	}
	if !r.Num().IsInt64() {
		return 0, fmt.Errorf("invalid size %q: too large", s)
	}
	return Size(r.Num().Int64()), nil
}

// validDecimal reports whether s is digits with at most one '.', and at
// least one digit.
func validDecimal(s string) bool {
	digits, dots := 0, 0
	for _, c := range s {
		switch {
		case c == '.':
			dots++
		case c >= '0' && c <= '9':
			digits++
		default:
			return false
		}
	}
	return digits > 0 && dots <= 1
}

// UnmarshalText parses a size string as described on [Size]. It lets a
// Size be used with flag.TextVar.
func (s *Size) UnmarshalText(text []byte) error {
	v, err := ParseSize(string(text))
	if err != nil {
		return err
	}
	*s = v
	return nil
}

// UnmarshalTOML accepts a TOML integer (bytes) or string (see [Size]).
func (s *Size) UnmarshalTOML(data any) error {
	switch v := data.(type) {
	case int64:
		if v < 0 {
			return fmt.Errorf("invalid size %d: must not be negative", v)
		}
		*s = Size(v)
		return nil
	case string:
		return s.UnmarshalText([]byte(v))
	default:
		return fmt.Errorf("invalid size %v: want an integer number of bytes or a string like \"16MiB\"", data)
	}
}

// binaryUnits are the units [Size.String] uses, largest first.
var binaryUnits = []struct {
	n    Size
	name string
}{{TiB, "TiB"}, {GiB, "GiB"}, {MiB, "MiB"}, {KiB, "KiB"}}

// MarshalText writes the size so that [Size.UnmarshalText] reads back the
// same value: in the largest binary unit that divides it ("16MiB"), else in
// bytes ("1000B").
func (s Size) MarshalText() ([]byte, error) {
	for _, u := range binaryUnits {
		if s != 0 && s%u.n == 0 {
			return []byte(strconv.FormatInt(int64(s/u.n), 10) + u.name), nil
		}
	}
	return []byte(strconv.FormatInt(int64(s), 10) + "B"), nil
}

// String formats the size for people, in the largest binary unit not above
// it: exactly when it is a whole number of that unit ("16MiB", "5GiB"),
// otherwise rounded to two decimals ("1.50MiB", "95.37MiB"). Sizes under
// 1 KiB are printed in bytes ("100B"). Use MarshalText for an exact form.
func (s Size) String() string {
	abs := s
	if abs < 0 {
		abs = -abs
	}
	for _, u := range binaryUnits {
		if abs < u.n {
			continue
		}
		if s%u.n == 0 {
			return strconv.FormatInt(int64(s/u.n), 10) + u.name
		}
		return strconv.FormatFloat(float64(s)/float64(u.n), 'f', 2, 64) + u.name
	}
	return strconv.FormatInt(int64(s), 10) + "B"
}

// Duration is a time.Duration written in TOML as a Go duration string
// ("60s", "1m30s", "250ms"). Integers are rejected, since a bare number has
// no unit.
type Duration time.Duration

// D returns d as a time.Duration.
func (d Duration) D() time.Duration { return time.Duration(d) }

// String formats d like time.Duration does ("1m0s").
func (d Duration) String() string { return time.Duration(d).String() }

// UnmarshalText parses a Go duration string.
func (d *Duration) UnmarshalText(text []byte) error {
	v, err := time.ParseDuration(strings.TrimSpace(string(text)))
	if err != nil {
		return fmt.Errorf("invalid duration %q: want a string like \"60s\" or \"1m30s\": %w", text, err)
	}
	*d = Duration(v)
	return nil
}

// MarshalText writes d as a Go duration string.
func (d Duration) MarshalText() ([]byte, error) {
	return []byte(d.String()), nil
}

// UnmarshalTOML accepts only a TOML string holding a Go duration.
func (d *Duration) UnmarshalTOML(data any) error {
	s, ok := data.(string)
	if !ok {
		return fmt.Errorf("invalid duration %v: want a string with a unit like \"60s\"", data)
	}
	return d.UnmarshalText([]byte(s))
}
