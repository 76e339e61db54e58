package uploader

import (
	"fmt"
	"path"
	"regexp"
	"slices"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"
)

// maxKeyBytes is S3's limit on the length of an object key.
const maxKeyBytes = 1024

// SanitizePath turns a relative path (with either slash) into a safe,
// readable key fragment: no empty, "." or ".." segments, no leading slash or
// drive letter, control characters replaced with "_", and invalid UTF-8
// repaired. It returns "" when nothing usable is left.
func SanitizePath(rel string) string {
	rel = strings.ReplaceAll(rel, `\`, "/")
	var out []string
	for _, seg := range strings.Split(rel, "/") {
		seg = sanitizeSegment(seg)
		if seg == "" || seg == "." || seg == ".." {
			continue
		}
		out = append(out, seg)
	}
	return strings.Join(out, "/")
}

// sanitizeSegment cleans one path segment.
func sanitizeSegment(seg string) string {
	seg = strings.ToValidUTF8(seg, "_")
	seg = strings.Map(func(r rune) rune {
		if unicode.IsControl(r) || r == utf8.RuneError {
			return '_'
		}
		return r
	}, seg)
	// A Windows drive letter ("C:") is not a folder name anyone wants.
	if len(seg) == 2 && seg[1] == ':' {
		return ""
	}
	return strings.TrimSpace(seg)
}

// Key joins a sanitised prefix and relative path into an object key. It
// fails when the result is empty or longer than S3 allows.
func Key(prefix, rel string) (string, error) {
	p := SanitizePath(prefix)
	r := SanitizePath(rel)
	if r == "" {
		return "", fmt.Errorf("the name %q leaves nothing to use as a file name", rel)
	}
	key := r
	if p != "" {
		key = p + "/" + r
	}
	if len(key) > maxKeyBytes {
		return "", fmt.Errorf("the destination name is %d bytes long; the storage allows %d", len(key), maxKeyBytes)
	}
	return key, nil
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
