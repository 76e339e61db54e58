package uploader

import (
	"strings"
	"testing"
	"time"
)

func TestKeySanitising(t *testing.T) {
	for _, tc := range []struct{ prefix, rel, want string }{
		{"uploads", "a.txt", "uploads/a.txt"},
		{"", "folder/sub/a.txt", "folder/sub/a.txt"},
		{"p", "../../etc/passwd", "p/etc/passwd"},
		{"p", "/abs/path.txt", "p/abs/path.txt"},
		{"p", `..\..\windows\win.ini`, "p/windows/win.ini"},
		{"p", `C:\Users\me\file.txt`, "p/Users/me/file.txt"},
		{"p", "a/./b//c.txt", "p/a/b/c.txt"},
		{"p", "bad\x00name\x1f.txt", "p/bad_name_.txt"},
		{"p", "new\nline.txt", "p/new_line.txt"},
		{"p", "caf\xe9.txt", "p/caf_.txt"},
		{"p", "résumé — final (1).pdf", "p/résumé — final (1).pdf"},
		{"../x/./", "a", "x/a"},
	} {
		got, err := Key(tc.prefix, tc.rel)
		if err != nil || got != tc.want {
			t.Errorf("Key(%q, %q) = %q, %v; want %q", tc.prefix, tc.rel, got, err, tc.want)
		}
	}
	for _, rel := range []string{"", "..", "../..", "/", "./."} {
		if k, err := Key("p", rel); err == nil {
			t.Errorf("Key(p, %q) = %q; want an error", rel, k)
		}
	}
	if _, err := Key("p", strings.Repeat("x", 1100)); err == nil {
		t.Error("an over-long key must be refused")
	}
}

func TestRenamed(t *testing.T) {
	for _, tc := range []struct {
		key  string
		n    int
		want string
	}{
		{"a/report.pdf", 1, "a/report (1).pdf"},
		{"report", 2, "report (2)"},
		{"a/.bashrc", 1, "a/.bashrc (1)"},
		{"a/archive.tar.gz", 3, "a/archive.tar (3).gz"},
	} {
		if got := renamed(tc.key, tc.n); got != tc.want {
			t.Errorf("renamed(%q, %d) = %q; want %q", tc.key, tc.n, got, tc.want)
		}
	}
}

func TestPrefixTemplate(t *testing.T) {
	now := time.Date(2026, 3, 7, 12, 0, 0, 0, time.Local)
	tpl, err := ParsePrefixTemplate("in/{yyyy}/{mm}/{dd}/{date}/{sub}/", "sub", "email")
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct{ sub, want string }{
		{"user-1", "in/2026/03/07/2026-03-07/user-1/"},
		{"../../admin", "in/2026/03/07/2026-03-07/.._.._admin/"},
		{"", "in/2026/03/07/2026-03-07/unknown/"},
		{"..", "in/2026/03/07/2026-03-07/unknown/"},
	} {
		if got := tpl.Expand(now, map[string]string{"sub": tc.sub}); got != tc.want {
			t.Errorf("sub %q: %q; want %q", tc.sub, got, tc.want)
		}
	}
	for _, bad := range []string{"{nope}/", "a{b", "x}"} {
		if _, err := ParsePrefixTemplate(bad, "sub"); err == nil {
			t.Errorf("template %q accepted", bad)
		}
	}
}

func TestPartSize(t *testing.T) {
	for _, tc := range []struct{ file, min, want int64 }{
		{0, 16 * MiB, 16 * MiB},
		{100 * GiB, 16 * MiB, 16 * MiB},
		{160 * GiB, 16 * MiB, 17 * MiB},
		{1 * TiB, 16 * MiB, 105 * MiB},
		{5 * TiB, 16 * MiB, 525 * MiB},
		{10 * MiB, 1 * MiB, 5 * MiB},
	} {
		got, err := PartSize(tc.file, tc.min)
		if err != nil || got != tc.want {
			t.Errorf("PartSize(%d, %d) = %d, %v; want %d", tc.file, tc.min, got, err, tc.want)
		}
		if n := PartCount(tc.file, got); n > MaxParts || n < 1 {
			t.Errorf("PartCount = %d", n)
		}
	}
	if _, err := PartSize(5*TiB+1, 16*MiB); err == nil {
		t.Error("a file over 5 TiB must be refused")
	}
}

func TestCompositeChecksum(t *testing.T) {
	// Two parts whose CRC32C values are 0x00000000 and 0xFFFFFFFF.
	got, err := compositeChecksum([]string{"AAAAAA==", "/////w=="})
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasSuffix(got, "-2") {
		t.Fatalf("composite %q lacks the part count", got)
	}
	if !sameChecksum(got, strings.TrimSuffix(got, "-2")) || sameChecksum(got, "AAAAAA==-2") {
		t.Fatal("sameChecksum is wrong")
	}
	if _, err := compositeChecksum([]string{"bad"}); err == nil {
		t.Fatal("malformed part checksum accepted")
	}
}

func TestPrefixOwner(t *testing.T) {
	vals := map[string]string{"sub": "u-1", "email": "a@b.example"}
	for tmpl, want := range map[string]string{
		"uploads/{sub}/":             "uploads/u-1/",
		"uploads/{sub}/{date}/":      "uploads/u-1/",
		"in/{date}/{email}/":         "in/",
		"uploads/{date}/":            "uploads/",
		"":                           "",
		"{sub}":                      "u-1/",
		"a/b/":                       "a/b/",
		"c/{preferred_username}-x/y": "c/unknown-x/",
	} {
		p, err := ParsePrefixTemplate(tmpl, "sub", "email", "preferred_username")
		if err != nil {
			t.Fatal(err)
		}
		if got := p.Owner(vals); got != want {
			t.Errorf("Owner(%q) = %q, want %q", tmpl, got, want)
		}
	}
}

// A name that is empty once trimmed (" ", ". ") must not vanish from the
// key: the file would land on its folder's own key and hide the folder.
func TestKeyEmptyNamesGetAStandIn(t *testing.T) {
	for _, tc := range []struct{ rel, want string }{
		{"folder/ ", "p/folder/_"},
		{"folder/   /a.txt", "p/folder/_/a.txt"},
		{"folder/. ", "p/folder/_"},
		{"folder/\u200b", "p/folder/_"},
		{" ", "p/_"},
	} {
		key, note, err := keyFor("p", tc.rel)
		if err != nil || key != tc.want {
			t.Errorf("keyFor(p, %q) = %q, %v; want %q", tc.rel, key, err, tc.want)
		}
		if !strings.Contains(note, `stored as "`) {
			t.Errorf("keyFor(p, %q): no note saying what it became (%q)", tc.rel, note)
		}
		if parent := tc.want[:strings.LastIndex(tc.want, "/")]; key == parent {
			t.Errorf("keyFor(p, %q) collides with its folder %q", tc.rel, parent)
		}
	}
	if _, note, _ := keyFor("p", "folder/a.txt"); note != "" {
		t.Errorf("a plain name got a note: %q", note)
	}
}

// Bidi controls and invisible characters never reach a key, and a name
// typed in either Unicode form gives the same key.
func TestKeyFormatCharactersAndNFC(t *testing.T) {
	for _, tc := range []struct{ rel, want string }{
		{"invoice\u202etxt.exe", "p/invoice_txt.exe"},
		{"a\u2066b\u2069.txt", "p/a_b_.txt"},
		{"zero\u200bwidth.txt", "p/zerowidth.txt"},
		{"\ufeffbom.txt", "p/bom.txt"},
		{"soft\u00adhyphen", "p/softhyphen"},
		{"cafe\u0301.txt", "p/caf\u00e9.txt"},
		{"caf\u00e9.txt", "p/caf\u00e9.txt"},
		{"family\U0001F468\u200d\U0001F469.png", "p/family\U0001F468\u200d\U0001F469.png"},
	} {
		got, err := Key("p", tc.rel)
		if err != nil || got != tc.want {
			t.Errorf("Key(p, %q) = %q, %v; want %q", tc.rel, got, err, tc.want)
		}
	}
}
