package uploader

import (
	"fmt"
	"path"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/unicode/norm"
)

// maxKeyBytes is S3's limit on the length of an object key.
const maxKeyBytes = 1024

// SanitizePath turns a relative path (with either slash) into a safe,
// readable key fragment: no empty, "." or ".." segments, no leading slash or
// drive letter, control characters replaced with "_", Unicode format
// characters neutralised (see sanitizeSegment), names in NFC, and invalid
// UTF-8 repaired. A segment that is left empty (a name of only spaces, say)
// becomes "_", so a file never lands on its folder's own key. It returns ""
// when nothing usable is left.
func SanitizePath(rel string) string {
	s, _ := sanitizePath(rel)
	return s
}

// sanitizePath is SanitizePath that also reports whether a name had to be
// replaced with "_".
func sanitizePath(rel string) (string, bool) {
	rel = strings.ReplaceAll(rel, `\`, "/")
	var out []string
	replaced := false
	for _, raw := range strings.Split(rel, "/") {
		if raw == "" || raw == "." || raw == ".." {
			continue // path syntax, not a name
		}
		seg := sanitizeSegment(raw)
		if seg == "" && isDriveLetter(raw) {
			continue
		}
		if seg == "" || seg == "." || seg == ".." {
			// A name such as " " or ". " is a real file's name: keep a
			// visible stand-in rather than dropping it, which would put the
			// file at its folder's key (hiding the folder on some stores).
			seg, replaced = "_", true
		}
		out = append(out, seg)
	}
	return strings.Join(out, "/"), replaced
}

// isDriveLetter reports a Windows drive ("C:"), not a folder name anyone
// wants in a key.
func isDriveLetter(seg string) bool {
	return len(seg) == 2 && seg[1] == ':' &&
		(seg[0] >= 'a' && seg[0] <= 'z' || seg[0] >= 'A' && seg[0] <= 'Z')
}

// sanitizeSegment cleans one path segment: invalid UTF-8 and control
// characters become "_", as do the bidirectional controls (U+202A–U+202E,
// U+2066–U+2069, U+200E, U+200F, U+061C) that make "invoice\u202etxt.exe"
// read as "invoiceexe.txt"; every other Unicode format character (category
// Cf: zero-width space, byte order mark, soft hyphen, …) is removed, except
// the zero-width joiner and non-joiner that emoji and several scripts need.
// The result is in Unicode normal form C, so "café" typed either way gives
// one key, and has no leading or trailing spaces. A drive letter ("C:")
// gives "".
func sanitizeSegment(seg string) string {
	if isDriveLetter(seg) {
		return ""
	}
	seg = strings.ToValidUTF8(seg, "_")
	seg = strings.Map(func(r rune) rune {
		switch {
		case unicode.IsControl(r) || r == utf8.RuneError || isBidiControl(r):
			return '_'
		case r == '\u200c' || r == '\u200d': // ZWNJ, ZWJ
			return r
		case unicode.Is(unicode.Cf, r):
			return -1
		}
		return r
	}, seg)
	return strings.TrimSpace(norm.NFC.String(seg))
}

// isBidiControl reports the characters that reorder how text is displayed.
func isBidiControl(r rune) bool {
	return r >= '\u202a' && r <= '\u202e' || r >= '\u2066' && r <= '\u2069' ||
		r == '\u200e' || r == '\u200f' || r == '\u061c'
}

// Key joins a sanitised prefix and relative path into an object key. It
// fails when the result is empty or longer than S3 allows.
func Key(prefix, rel string) (string, error) {
	key, _, err := keyFor(prefix, rel)
	return key, err
}

// keyFor is Key that also returns a note for people when a name had to be
// replaced (see SanitizePath), "" otherwise.
func keyFor(prefix, rel string) (key, note string, err error) {
	p := SanitizePath(prefix)
	r, replaced := sanitizePath(rel)
	if r == "" {
		return "", "", fmt.Errorf("the name %q leaves nothing to use as a file name", rel)
	}
	key = r
	if p != "" {
		key = p + "/" + r
	}
	if len(key) > maxKeyBytes {
		return "", "", fmt.Errorf("the destination name is %d bytes long; the storage allows %d", len(key), maxKeyBytes)
	}
	if replaced {
		note = "A name in its path is empty once spaces are trimmed, so it is stored as " + strconv.Quote(r) + "."
	}
	return key, note, nil
}

// renamed returns key with " (n)" before its extension:
// "a/report.pdf" → "a/report (2).pdf".
func renamed(key string, n int) string {
	dir, file := path.Split(key)
	ext := path.Ext(file)
	if ext == file { // ".bashrc"
		ext = ""
	}
	return fmt.Sprintf("%s%s (%d)%s", dir, strings.TrimSuffix(file, ext), n, ext)
}

var placeholderRE = regexp.MustCompile(`\{([^{}]*)\}`)

// PrefixTemplate is a key prefix with placeholders: {date} (YYYY-MM-DD),
// {yyyy}, {mm}, {dd}, and any claim name the caller supplies values for
// (e.g. {sub}, {email}, {preferred_username}).
type PrefixTemplate struct {
	text string
}

// dateVars are the placeholders every template may use.
var dateVars = []string{"date", "yyyy", "mm", "dd"}

// ParsePrefixTemplate checks that every placeholder in text is a date
// placeholder or one of allowed.
func ParsePrefixTemplate(text string, allowed ...string) (PrefixTemplate, error) {
	known := map[string]bool{}
	for _, v := range append(append([]string{}, dateVars...), allowed...) {
		known[v] = true
	}
	for _, m := range placeholderRE.FindAllStringSubmatch(text, -1) {
		if !known[m[1]] {
			return PrefixTemplate{}, fmt.Errorf("unknown placeholder {%s}", m[1])
		}
	}
	if strings.ContainsAny(placeholderRE.ReplaceAllString(text, ""), "{}") {
		return PrefixTemplate{}, fmt.Errorf("unbalanced braces in %q", text)
	}
	return PrefixTemplate{text: text}, nil
}

// Expand fills in the placeholders for the moment now (in local time) and the
// given values. Each value is sanitised like a path segment, so a claim can
// neither add folders nor climb out of the prefix; an empty value becomes
// "unknown".
func (t PrefixTemplate) Expand(now time.Time, values map[string]string) string {
	return placeholderRE.ReplaceAllStringFunc(t.text, func(m string) string {
		name := m[1 : len(m)-1]
		switch name {
		case "date":
			return now.Format("2006-01-02")
		case "yyyy":
			return now.Format("2006")
		case "mm":
			return now.Format("01")
		case "dd":
			return now.Format("02")
		}
		v := sanitizeSegment(strings.NewReplacer("/", "_", `\`, "_").Replace(values[name]))
		if v == "" || v == "." || v == ".." {
			return "unknown"
		}
		return v
	})
}

// Owner returns the expanded prefix of the folder that belongs to one
// sender: the template up to and including its first folder that holds a
// placeholder other than a date ("uploads/{sub}/{date}/" gives
// "uploads/<sub>/"), else up to its first folder with a date ("uploads/"
// for "uploads/{date}/"). Receipts and re-send requests live under it.
func (t PrefixTemplate) Owner(values map[string]string) string {
	segs := strings.Split(t.text, "/")
	var keep []string
	for i, seg := range segs {
		if i == len(segs)-1 && seg == "" {
			break
		}
		names := placeholderRE.FindAllStringSubmatch(seg, -1)
		other, dated := false, false
		for _, m := range names {
			if slices.Contains(dateVars, m[1]) {
				dated = true
			} else {
				other = true
			}
		}
		if dated && !other {
			break
		}
		keep = append(keep, seg)
		if other {
			break
		}
	}
	if len(keep) == 0 {
		return ""
	}
	return PrefixTemplate{text: strings.Join(keep, "/") + "/"}.Expand(time.Time{}, values)
}
