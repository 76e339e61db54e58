package cli

import (
	"fmt"
	"strings"
	"unicode"
	"unicode/utf8"
)

// Printable returns s with everything that could act on a terminal or
// disguise a name written as a visible escape: control characters (ESC,
// newline, carriage return, backspace, C1 codes) as \x1b, \n, \r, …;
// Unicode format characters (bidirectional overrides, zero-width spaces,
// byte order marks) as \u202e and the like; invalid UTF-8 as \xff. A file
// named "a\x1b]0;pwned\a" then cannot set the terminal's title, and one
// with a newline cannot split or forge a line of output. A backslash is
// left as it is.
func Printable(s string) string {
	clean := true
	for _, r := range s {
		if needsEscape(r) {
			clean = false
			break
		}
	}
	if clean {
		return s
	}
	var b strings.Builder
	for i := 0; i < len(s); {
		r, size := utf8.DecodeRuneInString(s[i:])
		switch {
		case r == utf8.RuneError && size == 1:
			fmt.Fprintf(&b, `\x%02x`, s[i])
		case r == '\n':
			b.WriteString(`\n`)
		case r == '\r':
			b.WriteString(`\r`)
		case r == '\t':
			b.WriteString(`\t`)
		case needsEscape(r) && r < 0x100:
			fmt.Fprintf(&b, `\x%02x`, r)
		case needsEscape(r):
			fmt.Fprintf(&b, `\u%04x`, r)
		default:
			b.WriteRune(r)
		}
		i += size
	}
	return b.String()
}

// needsEscape reports the runes Printable escapes (the joiners emoji need
// are kept).
func needsEscape(r rune) bool {
	switch {
	case r == utf8.RuneError:
		return true
	case r == '\u200c' || r == '\u200d':
		return false
	}
	return unicode.IsControl(r) || unicode.Is(unicode.Cf, r) || r == '\u2028' || r == '\u2029'
}

// printables applies Printable to each string argument, for format
// calls whose arguments carry file names, keys or messages.
func printables(args []any) []any {
	out := make([]any, len(args))
	for i, a := range args {
		switch v := a.(type) {
		case string:
			out[i] = Printable(v)
		case error:
			out[i] = Printable(v.Error())
		default:
			out[i] = a
		}
	}
	return out
}

// escapeFormatChars writes every rune of JSON text that Printable would
// escape and encoding/json leaves as it is (Unicode format characters) as
// a \uXXXX escape, which JSON reads back as the same character. Such runes
// only occur inside JSON strings, so the result is the same JSON.
func escapeFormatChars(b []byte) string {
	s := string(b)
	if !strings.ContainsFunc(s, func(r rune) bool { return r >= 0x80 && needsEscape(r) }) {
		return s
	}
	var out strings.Builder
	for _, r := range s {
		switch {
		case r >= 0x80 && needsEscape(r) && r <= 0xffff:
			fmt.Fprintf(&out, `\u%04x`, r)
		case r > 0xffff && needsEscape(r):
			r -= 0x10000 // a surrogate pair, as JSON spells it
			fmt.Fprintf(&out, `\u%04x\u%04x`, 0xd800+(r>>10), 0xdc00+(r&0x3ff))
		default:
			out.WriteRune(r)
		}
	}
	return out.String()
}
