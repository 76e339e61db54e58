//go:build unix

package uploader_test

import (
	"fmt"
	"net"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"

	"hoist/uploader"
)

// problemsByName maps the base name of each problem's path to its reason.
func problemsByName(added uploader.Added) map[string]string {
	out := map[string]string{}
	for _, p := range added.Problems {
		out[filepath.Base(p.Path)] = p.Reason
	}
	return out
}

// The link and special-file policy: links to files inside the dropped
// tree are followed, links to folders and to files outside are not, nor
// are FIFOs and sockets, and every entry not sent is reported with why.
func TestLinksAndSpecialFiles(t *testing.T) {
	r := newRig(t, nil)
	r.file("tree/plain.txt", 10)
	r.file("tree/sub/inner.txt", 20)
	outside := r.file("outside.txt", 30)
	tree := filepath.Join(r.dir, "tree")
	must(t, os.Symlink("plain.txt", filepath.Join(tree, "to-file")))
	must(t, os.Symlink("sub", filepath.Join(tree, "to-folder")))
	must(t, os.Symlink(tree, filepath.Join(tree, "sub", "loop")))
	must(t, os.Symlink(outside, filepath.Join(tree, "to-outside")))
	must(t, os.Symlink("gone.txt", filepath.Join(tree, "broken")))
	must(t, syscall.Mkfifo(filepath.Join(tree, "pipe"), 0o644))
	sock, err := net.Listen("unix", filepath.Join(tree, "sock"))
	must(t, err)
	defer sock.Close()

	added := r.send("k", tree)
	r.wait()
	want := []string{"k/tree/plain.txt", "k/tree/sub/inner.txt", "k/tree/to-file"}
	if got := r.store.Keys(); strings.Join(got, ",") != strings.Join(want, ",") {
		t.Fatalf("stored %v; want %v", got, want)
	}
	r.assertStored("k/tree/to-file", filepath.Join(tree, "plain.txt"))
	probs := problemsByName(added)
	for name, words := range map[string]string{
		"to-folder":  "link to a folder",
		"loop":       "link to a folder",
		"to-outside": "outside the folder",
		"broken":     "no longer exists",
		"pipe":       "named pipe",
		"sock":       "socket",
	} {
		if !strings.Contains(probs[name], words) {
			t.Errorf("%s: reason %q; want one saying %q", name, probs[name], words)
		}
	}
	if len(added.Problems) != 6 {
		t.Errorf("%d problems, want 6: %v", len(added.Problems), added.Problems)
	}
}

// A dropped root that is a link is followed, to a folder or a file, and
// keeps the name it was dropped with.
func TestDroppedLinkIsFollowed(t *testing.T) {
	r := newRig(t, nil)
	r.file("real/a.txt", 10)
	f := r.file("file.txt", 5)
	link := filepath.Join(r.dir, "shortcut")
	must(t, os.Symlink(filepath.Join(r.dir, "real"), link))
	fileLink := filepath.Join(r.dir, "file-link")
	must(t, os.Symlink(f, fileLink))
	added := r.send("k", link, fileLink)
	r.wait()
	if len(added.Problems) != 0 {
		t.Fatalf("problems: %v", added.Problems)
	}
	r.assertStored("k/shortcut/a.txt", filepath.Join(r.dir, "real", "a.txt"))
	r.assertStored("k/file-link", f)
}

// Hoist's own folders are never sent, not even inside a dropped folder,
// and each is reported.
func TestOwnFoldersAreNeverSent(t *testing.T) {
	r := newRig(t, nil)
	home := filepath.Join(r.dir, "home")
	r.file("home/notes.txt", 10)
	r.file("home/.local/share/hoist/signin.json", 100)
	r.file("home/.config/hoist/hoist.toml", 100)
	r.file("home/settings.toml", 50)
	r.opts.OwnFolders = []string{
		filepath.Join(home, ".local", "share", "hoist"),
		filepath.Join(home, ".config", "hoist"),
		filepath.Join(home, "settings.toml"),
	}
	r.restart()
	must(t, os.Symlink(filepath.Join(home, ".local", "share", "hoist", "signin.json"), filepath.Join(home, "token-link")))
	added := r.send("k", home, filepath.Join(home, ".config", "hoist", "hoist.toml"))
	r.wait()
	if got := r.store.Keys(); strings.Join(got, ",") != "k/home/notes.txt" {
		t.Fatalf("stored %v; want only k/home/notes.txt", got)
	}
	probs := problemsByName(added)
	for _, name := range []string{"hoist", "settings.toml", "token-link", "hoist.toml"} {
		if !strings.Contains(probs[name], "Hoist's own data") {
			t.Errorf("%s: reason %q; want Hoist's own data", name, probs[name])
		}
	}
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

// An identical multipart-sized file already in place counts as sent: no
// part is uploaded and no "name (1)" copy appears, whether the store holds
// it as a multipart object (composite checksum) or with a full-object
// checksum. A different file of the same size is still renamed.
func TestIdenticalLargeFileAlreadyInPlace(t *testing.T) {
	r := newRig(t, nil)
	p := r.file("big.bin", 12<<20) // three 5 MiB parts
	first := r.send("k", p)
	r.wait()
	if j := r.job(first.IDs[0]); j.State != uploader.StateDone {
		t.Fatalf("first send: %s (%s)", j.State, j.Reason)
	}
	sent := r.store.PartsSent()

	again := r.send("k", p)
	r.wait()
	j := r.job(again.IDs[0])
	if j.State != uploader.StateDone || j.Key != "k/big.bin" || !strings.Contains(j.Reason, "already in place") {
		t.Fatalf("second send: %s, key %s, reason %q", j.State, j.Key, j.Reason)
	}
	if r.store.PartsSent() != sent || r.store.Uploads() != 0 {
		t.Fatalf("the identical file was uploaded again (%d parts sent)", r.store.PartsSent()-sent)
	}
	if keys := r.store.Keys(); len(keys) != 1 {
		t.Fatalf("stored %v; want the one object", keys)
	}

	// Full-object checksum (as a single PUT or a FULL_OBJECT upload gives).
	data, _ := os.ReadFile(p)
	r.store.SetObject("k/full.bin", data)
	q := filepath.Join(r.dir, "full.bin")
	must(t, os.WriteFile(q, data, 0o644))
	third := r.send("k", q)
	r.wait()
	if j := r.job(third.IDs[0]); j.State != uploader.StateDone || j.Key != "k/full.bin" || r.store.PartsSent() != sent {
		t.Fatalf("full-object checksum: %s, key %s, %d parts sent", j.State, j.Key, r.store.PartsSent()-sent)
	}

	// Same size, other bytes: a renamed copy.
	data[len(data)/2] ^= 1
	must(t, os.WriteFile(p, data, 0o644))
	fourth := r.send("k", p)
	r.wait()
	if j := r.job(fourth.IDs[0]); j.State != uploader.StateDone || j.Key != "k/big (1).bin" {
		t.Fatalf("changed file: %s, key %s (%s)", j.State, j.Key, j.Reason)
	}
	r.assertStored("k/big (1).bin", p)
}

// History stays bounded: finished jobs beyond HistoryMaxEntries leave the
// journal once the uploads come to rest, and at the next start.
func TestHistoryIsTrimmed(t *testing.T) {
	r := newRig(t, func(o *uploader.Options) { o.HistoryMaxEntries = 3 })
	for i := range 6 {
		r.send("k", r.file(fmt.Sprintf("f%d.txt", i), 10))
		r.wait()
	}
	waitFor(t, "the trim", func() bool {
		h, err := r.engine.History(false)
		return err == nil && len(h) == 3
	})
	h, _ := r.engine.History(false)
	for _, rec := range h {
		if rec.Rel == "f0.txt" || rec.Rel == "f1.txt" || rec.Rel == "f2.txt" {
			t.Errorf("an old job stayed: %s", rec.Rel)
		}
	}
	r.opts.HistoryMaxEntries = 1
	r.restart()
	if h, _ := r.engine.History(false); len(h) != 1 || h[0].Rel != "f5.txt" {
		t.Fatalf("after a restart with max 1: %v", h)
	}
}
