package cli_test

// End-to-end tests (real binary, real MinIO) of what `hoist send` does with
// awkward inputs: identical large files, empty-looking and disguised
// names, links and special files, Hoist's own folders, files sent again
// while queued, and names that would act on the terminal.

import (
	"bytes"
	"context"
	"encoding/json"
	"net"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"

	"hoist/internal/faultproxy"
)

// keysUnder lists the object keys under prefix, less the batch receipts
// Hoist keeps beside them (.hoist/).
func keysUnder(t *testing.T, prefix string) []string {
	t.Helper()
	out, err := minio.S3Client().ListObjectsV2(context.Background(), &s3.ListObjectsV2Input{Bucket: aws.String(bucket), Prefix: aws.String(prefix + "/")})
	if err != nil {
		t.Fatalf("list %s: %v", prefix, err)
	}
	var keys []string
	for _, o := range out.Contents {
		if k := strings.TrimPrefix(aws.ToString(o.Key), prefix+"/"); !strings.HasPrefix(k, ".hoist/") {
			keys = append(keys, k)
		}
	}
	return keys
}

// Issue 7 item 4: an identical multipart file already in place counts as
// sent; no "big (1).bin" copy.
func TestSendIdenticalLargeFileAgain(t *testing.T) {
	w := newWorld(t, "", "", `part_size = "5MiB"`)
	big := w.file("big.bin", 12<<20)
	if code, out, errOut := w.hoist("send", big); code != 0 {
		t.Fatalf("first send: exit %d\n%s\n%s", code, out, errOut)
	}
	code, out, errOut := w.hoist("send", big)
	if code != 0 || !strings.Contains(errOut, "already in place") || !strings.Contains(out, "1 of 1 files sent") {
		t.Fatalf("second send: exit %d\n%s\n%s", code, out, errOut)
	}
	if keys := keysUnder(t, w.prefix); strings.Join(keys, ",") != "big.bin" {
		t.Fatalf("stored %v; want only big.bin", keys)
	}
	assertObject(t, w.prefix+"/big.bin", big)
}

// Issue 7 item 5: a file named " " is not stored at its folder's own key
// (which hid the folder on MinIO); it gets a stand-in name, and says so.
func TestSendNameOfOnlySpaces(t *testing.T) {
	w := newWorld(t, "", "")
	spaces := w.file("folder/ ", 5)
	a := w.file("folder/a.txt", 7)
	code, out, errOut := w.hoist("send", filepath.Join(w.dir, "src", "folder"))
	if code != 0 || !strings.Contains(out, "2 of 2 files sent") || !strings.Contains(errOut, `stored as "folder/_"`) {
		t.Fatalf("exit %d\n%s\n%s", code, out, errOut)
	}
	assertObject(t, w.prefix+"/folder/_", spaces)
	assertObject(t, w.prefix+"/folder/a.txt", a)
	if _, err := getObject(t, w.prefix+"/folder"); err == nil {
		t.Fatal("an object sits at the folder's own key")
	}
}

// Issue 7 item 9: bidi overrides and invisible characters never reach a
// key, and names are stored in NFC.
func TestSendDisguisedNames(t *testing.T) {
	w := newWorld(t, "", "")
	bidi := w.file("invoice\u202etxt.exe", 3)
	zw := w.file("\ufeffzero\u200bwidth.txt", 4)
	nfd := w.file("cafe\u0301.txt", 5)
	code, out, errOut := w.hoist("send", bidi, zw, nfd)
	if code != 0 {
		t.Fatalf("exit %d\n%s\n%s", code, out, errOut)
	}
	assertObject(t, w.prefix+"/invoice_txt.exe", bidi)
	assertObject(t, w.prefix+"/zerowidth.txt", zw)
	assertObject(t, w.prefix+"/caf\u00e9.txt", nfd)
}

// Issue 7 item 6: links and special files. A link to a file inside the
// folder is sent; links to folders, links out of the folder and FIFOs are
// not, each is reported, the summary counts them and the exit code says
// something was not sent. A dropped root that is a link is followed.
func TestSendLinksAndSpecialFiles(t *testing.T) {
	w := newWorld(t, "", "")
	tree := filepath.Join(w.dir, "src", "tree")
	plain := w.file("tree/plain.txt", 10)
	w.file("tree/sub/inner.txt", 11)
	outside := w.file("outside.txt", 12)
	must(t, os.Symlink("plain.txt", filepath.Join(tree, "to-file")))
	must(t, os.Symlink("sub", filepath.Join(tree, "to-folder")))
	must(t, os.Symlink(outside, filepath.Join(tree, "to-outside")))
	must(t, syscall.Mkfifo(filepath.Join(tree, "pipe"), 0o644))
	sock, err := net.Listen("unix", filepath.Join(tree, "sock"))
	must(t, err)
	defer sock.Close()

	code, out, errOut := w.hoist("send", tree)
	if code != 1 {
		t.Fatalf("exit %d (want 1: some entries were not sent)\n%s\n%s", code, out, errOut)
	}
	for _, want := range []string{"to-folder: a link to a folder", "to-outside: a link to a file outside", "pipe: a named pipe", "sock: a socket"} {
		if !strings.Contains(errOut, want) {
			t.Errorf("stderr lacks %q:\n%s", want, errOut)
		}
	}
	if !strings.Contains(out, "3 of 7 files sent") || !strings.Contains(out, "4 not sent") {
		t.Errorf("summary: %q", out)
	}
	assertObject(t, w.prefix+"/tree/to-file", plain)
	assertObject(t, w.prefix+"/tree/plain.txt", plain)
	if keys := keysUnder(t, w.prefix+"/tree"); len(keys) != 3 {
		t.Errorf("stored %v; want plain.txt, sub/inner.txt, to-file", keys)
	}

	// The dropped root itself a link to a folder: followed, under its name.
	link := filepath.Join(w.dir, "shortcut")
	must(t, os.Symlink(filepath.Join(tree, "sub"), link))
	code, out, errOut = w.hoist("send", link)
	if code != 0 || !strings.Contains(out, "1 of 1 files sent") {
		t.Fatalf("dropped link: exit %d\n%s\n%s", code, out, errOut)
	}
	assertObject(t, w.prefix+"/shortcut/inner.txt", filepath.Join(tree, "sub", "inner.txt"))
}

// Issue 7 item 14: Hoist never sends its own data folder (sign-in, journal,
// log), even inside a folder being sent, and says so.
func TestSendNeverSendsOwnDataFolder(t *testing.T) {
	w := newWorld(t, "", "")
	home := filepath.Join(w.dir, "src", "home")
	notes := w.file("home/notes.txt", 10)
	w.dataDir = filepath.Join(home, ".local", "share", "hoist")
	if code, out, errOut := w.hoist("send", notes); code != 0 { // creates the journal and the log
		t.Fatalf("exit %d\n%s\n%s", code, out, errOut)
	}
	w.file("home/.local/share/hoist/signin.json", 100) // a stand-in for the sign-in file
	code, out, errOut := w.hoist("send", home)
	if code != 1 || !strings.Contains(errOut, "Hoist's own data") {
		t.Fatalf("exit %d\n%s\n%s", code, out, errOut)
	}
	for _, k := range keysUnder(t, w.prefix) {
		if strings.Contains(k, "hoist/") {
			t.Errorf("Hoist's own file was sent: %s", k)
		}
	}
	// The data folder dropped by itself, or a file in it: refused too.
	code, _, errOut = w.hoist("send", w.dataDir, filepath.Join(w.dataDir, "journal.db"))
	if code != 1 || strings.Count(errOut, "Hoist's own data") != 2 {
		t.Fatalf("exit %d\n%s", code, errOut)
	}
}

// Issue 7 item 13: a file sent again after Ctrl-C, while its upload is
// unfinished, continues that upload, says so, and exits 0 once it arrives.
func TestSendAgainAfterInterrupt(t *testing.T) {
	proxy, err := faultproxy.New(minio.Addr())
	must(t, err)
	defer proxy.Close()
	proxy.SetRate(2 << 20)
	w := newWorld(t, proxy.URL(), "", `part_size = "5MiB"`, "parallel_parts = 1")
	big := w.file("big.bin", 20<<20)
	cmd := w.cmd("send", big)
	var errOut bytes.Buffer
	cmd.Stderr = &errOut
	must(t, cmd.Start())
	key := w.prefix + "/big.bin"
	waitUpload(t, key)
	cmd.Process.Signal(os.Interrupt)
	err = cmd.Wait()
	if exit, ok := err.(interface{ ExitCode() int }); !ok || exit.ExitCode() != 130 {
		t.Fatalf("interrupted send: %v\n%s", err, errOut.String())
	}
	proxy.SetRate(0)
	code, out, errs := w.hoist("send", big)
	if code != 0 || strings.Contains(errs, "not sent") || !strings.Contains(errs, "continuing") || !strings.Contains(out, "1 of 1 files sent") {
		t.Fatalf("send again: exit %d\n%s\n%s", code, out, errs)
	}
	assertObject(t, key, big)
	if keys := keysUnder(t, w.prefix); len(keys) != 1 {
		t.Fatalf("stored %v; want one object", keys)
	}
}

// Issue 7 item 8: names with terminal escapes or newlines are printed
// escaped: no ESC byte or line break from a name reaches the terminal.
func TestOutputEscapesControlCharacters(t *testing.T) {
	w := newWorld(t, "", "")
	title := w.file("evil\x1b]0;pwned\x07.txt", 3)
	erase := w.file("erase\x1b[2Kline.txt", 4)
	split := w.file("two\nlines\u202e.txt", 5)
	missing := filepath.Join(w.dir, "gone\x1b[31m.txt")
	code, out, errOut := w.hoist("send", title, erase, split, missing)
	if code != 1 {
		t.Fatalf("exit %d\n%s\n%s", code, out, errOut)
	}
	_, hist, _ := w.hoist("history")
	all := out + errOut + hist
	if strings.ContainsAny(all, "\x1b\x07\u202e") {
		t.Fatalf("raw control characters reached the output:\n%q", all)
	}
	for _, want := range []string{`evil\x1b]0;pwned\x07.txt`, `erase\x1b[2Kline.txt`, `two\nlines\u202e.txt`, `gone\x1b[31m.txt: it no longer exists`} {
		if !strings.Contains(errOut, want) {
			t.Errorf("stderr lacks %q:\n%s", want, errOut)
		}
	}
	for _, line := range strings.Split(errOut, "\n") {
		if strings.HasPrefix(line, "lines") {
			t.Errorf("a name split a line: %q", line)
		}
	}
	if !strings.Contains(hist, `evil\x1b]0;pwned\x07.txt`) {
		t.Errorf("history:\n%s", hist)
	}
	_, js, _ := w.hoist("history", "--json")
	var entries []map[string]any
	if err := json.Unmarshal([]byte(js), &entries); err != nil || strings.ContainsAny(js, "\x1b\x07\u202e") {
		t.Fatalf("history --json (%v):\n%q", err, js)
	}
	if !strings.Contains(js, `lines\u202e.txt`) {
		t.Errorf("history --json lost the escaped name:\n%s", js)
	}
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}
