package cli

import (
	"encoding/json"
	"testing"
)

func TestPrintable(t *testing.T) {
	for in, want := range map[string]string{
		"plain name.txt":        "plain name.txt",
		"a\x1b]0;title\x07b":    `a\x1b]0;title\x07b`,
		"two\nlines\r":          `two\nlines\r`,
		"invoice\u202etxt.exe":  `invoice\u202etxt.exe`,
		"zero\u200bwidth\ufeff": `zero\u200bwidth\ufeff`,
		"bad\xffutf8":           `bad\xffutf8`,
		"c1\u009bcode":          `c1\x9bcode`,
		"café 👨\u200d👩 résumé":  "café 👨\u200d👩 résumé",
	} {
		if got := Printable(in); got != want {
			t.Errorf("Printable(%q) = %q; want %q", in, got, want)
		}
	}
}

func TestEscapeFormatCharsKeepsTheJSON(t *testing.T) {
	in := []string{"a\u202eb", "tag\U000E0041", "plain é"}
	raw, _ := json.Marshal(in)
	out := escapeFormatChars(raw)
	var back []string
	if err := json.Unmarshal([]byte(out), &back); err != nil || len(back) != 3 || back[0] != in[0] || back[1] != in[1] || back[2] != in[2] {
		t.Fatalf("%s read back as %q (%v)", out, back, err)
	}
	for _, r := range out {
		if r == '\u202e' || r == '\U000E0041' {
			t.Fatalf("a format character stayed raw: %q", out)
		}
	}
}
