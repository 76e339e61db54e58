//go:build windows

package uploader_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"golang.org/x/sys/windows"

	"hoist/uploader"
)

// A file that another program holds open without sharing it for reading
// (as Word or Outlook do) fails with a plain reason, not as a storage
// problem; once the program lets go, Retry sends it.
func TestWindowsFileHeldOpenByAnotherProgram(t *testing.T) {
	r := newRig(t, nil)
	p := r.file("report.docx", 3*testPart+7)
	name, err := windows.UTF16PtrFromString(p)
	if err != nil {
		t.Fatal(err)
	}
	h, err := windows.CreateFile(name, windows.GENERIC_READ|windows.GENERIC_WRITE, 0 /* no sharing */, nil, windows.OPEN_EXISTING, windows.FILE_ATTRIBUTE_NORMAL, 0)
	if err != nil {
		t.Fatalf("hold the file open: %v", err)
	}
	held := true
	defer func() {
		if held {
			windows.CloseHandle(h)
		}
	}()
	id := r.send("", p).IDs[0]
	r.wait()
	s := r.job(id)
	if s.State != uploader.StateFailed || !strings.Contains(s.Reason, "Another program has this file open") {
		t.Fatalf("held-open file: state %s, reason %q, detail %q", s.State, s.Reason, s.Detail)
	}
	if s.Code != uploader.CodeFileLocked {
		t.Errorf("held-open file: code %q, want %q", s.Code, uploader.CodeFileLocked)
	}
	windows.CloseHandle(h)
	held = false
	if err := r.engine.Retry(id); err != nil {
		t.Fatal(err)
	}
	r.wait()
	if s := r.job(id); s.State != uploader.StateDone {
		t.Fatalf("after the program let go: %s %q", s.State, s.Reason)
	}
	r.assertStored("report.docx", p)
}

// Paths longer than Windows' old 260-character limit, paths with a drive
// letter in either slash, and \\?\ paths are sent, and their keys hold
// only the names below what was dropped.
func TestWindowsLongAndDriveLetterPaths(t *testing.T) {
	r := newRig(t, nil)
	seg := strings.Repeat("d", 60)
	below := strings.Repeat(seg+"/", 4) + "file with spaces.bin"
	spell := map[string]func(string) string{
		"long":     func(p string) string { return p },
		"slashes":  filepath.ToSlash,
		"verbatim": func(p string) string { return `\\?\` + p },
	}
	files := map[string]string{}
	var ids []uint64
	for prefix, how := range spell {
		p := r.file(prefix+"/"+below, testPart+3)
		if len(p) <= 260 {
			t.Fatalf("path only %d characters long", len(p))
		}
		if vol := filepath.VolumeName(p); len(vol) != 2 || vol[1] != ':' {
			t.Fatalf("temp path %q has no drive letter", p)
		}
		files[prefix] = p
		ids = append(ids, r.send("up", how(filepath.Join(r.dir, prefix))).IDs...)
	}
	r.wait()
	for _, id := range ids {
		if s := r.job(id); s.State != uploader.StateDone {
			t.Fatalf("job %d: %s %q %s", id, s.State, s.Reason, s.Detail)
		}
	}
	for prefix, p := range files {
		r.assertStored("up/"+prefix+"/"+below, p)
	}
}

// Names from a UNC path (a file server share: \\server\share\...) keep the
// folder structure below what was dropped and never the server or share
// name, with Windows' own path rules.
func TestWindowsUNCNames(t *testing.T) {
	for _, tc := range []struct{ root, file, want string }{
		{`\\server\share\scans`, `\\server\share\scans\2024\a.tif`, "scans/2024/a.tif"},
		{`\\server\share\`, `\\server\share\a.tif`, "a.tif"},
		{`\\?\UNC\server\share\scans`, `\\?\UNC\server\share\scans\b.tif`, "scans/b.tif"},
	} {
		rel, err := filepath.Rel(filepath.Dir(filepath.Clean(tc.root)), tc.file)
		if err != nil {
			t.Fatalf("%s: %v", tc.file, err)
		}
		if got := uploader.SanitizePath(rel); got != tc.want {
			t.Errorf("%s dropped from %s: key %q, want %q", tc.file, tc.root, got, tc.want)
		}
	}
	if _, err := os.Stat(`\\nonexistent-hoist-server\share`); err == nil {
		t.Fatal("a made-up server answered")
	}
}
