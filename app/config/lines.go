package config

import (
	"bufio"
	"bytes"
	"strings"
)

// keyLines maps the dotted name of every table and key in a TOML document
// to the 1-based line where it first appears. It is a line scanner, not a
// parser: good enough to point at a setting in an error message, and it
// never fails (a line it does not understand is skipped).
func keyLines(data []byte) map[string]int {
	lines := make(map[string]int)
	table := ""
	sc := bufio.NewScanner(bytes.NewReader(data))
	sc.Buffer(make([]byte, 0, 64<<10), 1<<20)
	for n := 1; sc.Scan(); n++ {
		line := strings.TrimSpace(sc.Text())
		switch {
		case line == "" || line[0] == '#':
			continue
		case line[0] == '[':
			name := strings.Trim(line, "[] \t")
			if i := strings.Index(name, "]"); i >= 0 {
				name = name[:i]
			}
			table = dottedKey(name)
			record(lines, table, n)
		default:
			k, _, ok := strings.Cut(line, "=")
			if !ok {
				continue
			}
			key := dottedKey(k)
			if table != "" {
				key = table + "." + key
			}
			record(lines, key, n)
		}
	}
	return lines
}

func record(lines map[string]int, key string, n int) {
	if _, seen := lines[key]; !seen && key != "" {
		lines[key] = n
	}
}

// dottedKey normalises a TOML key as written ("a . \"b\"") to "a.b".
func dottedKey(k string) string {
	parts := strings.Split(k, ".")
	for i, p := range parts {
		parts[i] = strings.Trim(strings.TrimSpace(p), `"'`)
	}
	return strings.Join(parts, ".")
}

// suggest returns the known setting closest to the unknown dotted name, or
// "" when none is close: it compares the last part with the settings of the
// same table (or, for an unknown table, with the table names), and accepts
// an edit distance of at most a third of the name's length (at least 1).
func suggest(name string, known map[string]bool) string {
	table, last := "", name
	if i := strings.LastIndex(name, "."); i >= 0 {
		table, last = name[:i], name[i+1:]
	}
	best, bestD := "", max(len(last)/3, 1)+1
	for k := range known {
		kt, kl := "", k
		if i := strings.LastIndex(k, "."); i >= 0 {
			kt, kl = k[:i], k[i+1:]
		}
		if kt != table {
			continue
		}
		if d := editDistance(strings.ToLower(last), strings.ToLower(kl)); d < bestD || d == bestD && kl < best {
			best, bestD = kl, d
		}
	}
	if bestD > max(len(last)/3, 1) {
		return ""
	}
	return best
}

// editDistance is the Levenshtein distance between a and b (bytes).
func editDistance(a, b string) int {
	prev := make([]int, len(b)+1)
	cur := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev, cur = cur, prev
	}
	return prev[len(b)]
}
