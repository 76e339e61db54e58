package desktop

import (
	"os"
	"path/filepath"
	"syscall"
	"testing"
	"time"
	"unsafe"
)

// These tests drive the real Open dialog (comdlg32) from a second thread
// through the window messages a customer's clicks and typing would send.
// CI runs them under wine (packaging's TestWindows); on Windows they run
// as they are.

var (
	user32       = syscall.NewLazyDLL("user32.dll")
	findWindow   = user32.NewProc("FindWindowW")
	getDlgItem   = user32.NewProc("GetDlgItem")
	sendMessage  = user32.NewProc("SendMessageW")
	postMessage  = user32.NewProc("PostMessageW")
	isWindow     = user32.NewProc("IsWindow")
	dialogClass  = mustUTF16("#32770")
	idOK         = uintptr(1)
	idCancel     = uintptr(2)
	wmSetText    = uintptr(0x000C)
	wmCommand    = uintptr(0x0111)
	fileNameBox  = []uintptr{0x047c, 0x0480} // cmb13 (explorer style), edt1
	dialogWait   = time.Minute
	dialogSettle = 300 * time.Millisecond
)

// mustUTF16 is s as a NUL-ended UTF-16 string; s has no NUL.
func mustUTF16(s string) *uint16 {
	p, err := syscall.UTF16PtrFromString(s)
	if err != nil {
		panic(err)
	}
	return p
}

// waitDialog returns the Open dialog titled title once it is shown.
func waitDialog(t *testing.T, title string) uintptr {
	t.Helper()
	name := mustUTF16(title)
	deadline := time.Now().Add(dialogWait)
	for time.Now().Before(deadline) {
		if h, _, _ := findWindow.Call(uintptr(unsafe.Pointer(dialogClass)), uintptr(unsafe.Pointer(name))); h != 0 {
			time.Sleep(dialogSettle) // let it finish filling its controls
			return h
		}
		time.Sleep(50 * time.Millisecond)
	}
	t.Errorf("no dialog titled %q within %v", title, dialogWait)
	return 0
}

// typeAndOK puts text in the dialog's file name box and presses Open.
func typeAndOK(t *testing.T, dlg uintptr, text string) {
	t.Helper()
	var box uintptr
	for _, id := range fileNameBox {
		if box, _, _ = getDlgItem.Call(dlg, id); box != 0 {
			break
		}
	}
	if box == 0 {
		t.Error("the Open dialog has no file name box")
		return
	}
	sendMessage.Call(box, wmSetText, 0, uintptr(unsafe.Pointer(mustUTF16(text))))
	postMessage.Call(dlg, wmCommand, idOK, 0)
	time.Sleep(dialogSettle)
}

type picked struct {
	paths []string
	err   error
}

func pickAsync(title string) <-chan picked {
	done := make(chan picked, 1)
	go func() {
		p, err := pick(title, false)
		done <- picked{p, err}
	}()
	return done
}

func await(t *testing.T, done <-chan picked) picked {
	t.Helper()
	select {
	case r := <-done:
		return r
	case <-time.After(dialogWait):
		t.Fatal("the Open dialog never returned")
		return picked{}
	}
}

// Several files chosen at once come back as full paths, names with "+",
// spaces and non-ASCII letters intact.
func TestPickSeveralWindows(t *testing.T) {
	dir := t.TempDir()
	names := []string{"Q3+Q4 report.txt", "café.txt"}
	for _, n := range names {
		if err := os.WriteFile(filepath.Join(dir, n), []byte(n), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	const title = "Hoist test: choose files"
	done := pickAsync(title)
	dlg := waitDialog(t, title)
	if dlg == 0 {
		t.FailNow()
	}
	typeAndOK(t, dlg, dir) // go to the folder
	if ok, _, _ := isWindow.Call(dlg); ok == 0 {
		t.Fatal("the dialog closed on a folder instead of opening it")
	}
	typeAndOK(t, dlg, `"`+names[0]+`" "`+names[1]+`"`)
	r := await(t, done)
	if r.err != nil {
		t.Fatal(r.err)
	}
	if len(r.paths) != len(names) {
		t.Fatalf("paths %q, want %d", r.paths, len(names))
	}
	for i, p := range r.paths {
		got, err := os.Stat(p)
		if err != nil {
			t.Fatalf("returned path %q: %v", p, err)
		}
		want, _ := os.Stat(filepath.Join(dir, names[i]))
		if !os.SameFile(got, want) {
			t.Errorf("path %d is %q, want %s", i, p, names[i])
		}
	}
}

// Cancel is no paths and no error.
func TestPickCancelWindows(t *testing.T) {
	const title = "Hoist test: cancel"
	done := pickAsync(title)
	dlg := waitDialog(t, title)
	if dlg == 0 {
		t.FailNow()
	}
	postMessage.Call(dlg, wmCommand, idCancel, 0)
	if r := await(t, done); r.err != nil || r.paths != nil {
		t.Fatalf("cancel gave %q, %v", r.paths, r.err)
	}
}

// One file is its full path (the dialog then answers without the folder
// and NUL-separated names).
func TestPickOneWindows(t *testing.T) {
	dir := t.TempDir()
	file := filepath.Join(dir, "one file.bin")
	if err := os.WriteFile(file, []byte("x"), 0o644); err != nil {
		t.Fatal(err)
	}
	const title = "Hoist test: one file"
	done := pickAsync(title)
	dlg := waitDialog(t, title)
	if dlg == 0 {
		t.FailNow()
	}
	typeAndOK(t, dlg, file)
	r := await(t, done)
	if r.err != nil || len(r.paths) != 1 {
		t.Fatalf("got %q, %v", r.paths, r.err)
	}
	got, err := os.Stat(r.paths[0])
	if err != nil {
		t.Fatal(err)
	}
	want, _ := os.Stat(file)
	if !os.SameFile(got, want) {
		t.Fatalf("path %q, want %s", r.paths[0], file)
	}
}
