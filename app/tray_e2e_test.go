//go:build linux

package app

// The system tray as a desktop shows it, with the real binary on a real X
// server (Xvfb): a private D-Bus session bus with a small
// StatusNotifierWatcher (the tray host's side of the StatusNotifierItem
// protocol that Fyne's tray speaks), the tray menu read and clicked through
// com.canonical.dbusmenu as a panel does, and the window closed the way a
// window manager closes it (WM_DELETE_WINDOW, testdata/closewindow.py).
// Without a watcher on the bus there is no tray, and the window is the
// fallback.
//
// A defect it caught: Fyne 2.7.1's tray window (SetSystemTrayWindow) is
// shown on a click on the icon straight from the D-Bus goroutine, so GL
// ran off its thread and Hoist crashed now and then (SIGSEGV in
// glDrawArrays, X errors) — the crash supersonic-app/supersonic#823
// reports upstream. Hoist no longer uses it: the icon opens the menu.

import (
	"fmt"
	"image"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/godbus/dbus/v5"

	"hoist/app/awake/awaketest"
	"hoist/devstack"
	"hoist/internal/faultproxy"
)

const (
	// trayFileSize is the file sent: 26 parts of 5 MiB, over two minutes
	// at trayLinkRate, so it is still running when the test quits (about
	// a minute in, on an idle machine).
	trayFileSize = 128 << 20
	trayLinkRate = 1 << 20
)

// trayWatcher is org.kde.StatusNotifierWatcher: it records who registered
// which item.
type trayWatcher struct {
	mu    sync.Mutex
	items [][2]string // sender's bus name, the item's service or path
}

// RegisterStatusNotifierItem is the D-Bus method.
func (w *trayWatcher) RegisterStatusNotifierItem(sender dbus.Sender, service string) *dbus.Error {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.items = append(w.items, [2]string{string(sender), service})
	return nil
}

// RegisterStatusNotifierHost is the D-Bus method (a host is the panel).
func (w *trayWatcher) RegisterStatusNotifierHost(string) *dbus.Error { return nil }

func (w *trayWatcher) registered() [][2]string {
	w.mu.Lock()
	defer w.mu.Unlock()
	return append([][2]string(nil), w.items...)
}

// trayBus is a private session bus, with a watcher unless none is wanted,
// and the test's own connection to it.
type trayBus struct {
	addr    string
	conn    *dbus.Conn
	watcher *trayWatcher
}

func startTrayBus(t *testing.T, withWatcher bool) *trayBus {
	t.Helper()
	b := &trayBus{addr: awaketest.Bus(t)}
	conn, err := dbus.Connect(b.addr)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close() })
	b.conn = conn
	if !withWatcher {
		return b
	}
	b.watcher = &trayWatcher{}
	if err := conn.Export(b.watcher, "/StatusNotifierWatcher", "org.kde.StatusNotifierWatcher"); err != nil {
		t.Fatal(err)
	}
	if reply, err := conn.RequestName("org.kde.StatusNotifierWatcher", dbus.NameFlagDoNotQueue); err != nil || reply != dbus.RequestNameReplyPrimaryOwner {
		t.Fatalf("own the watcher's name: %v %v", reply, err)
	}
	return b
}

// trayItem is the item Hoist registered: its bus name and object path.
type trayItem struct {
	bus  *trayBus
	dest string
	path dbus.ObjectPath
	menu dbus.ObjectPath
}

// waitItem waits for Hoist to register a tray item, and reads its menu's
// path and title.
func (b *trayBus) waitItem(t *testing.T) *trayItem {
	t.Helper()
	var got [][2]string
	if !pollUntil(90*time.Second, func() bool { got = b.watcher.registered(); return len(got) > 0 }) {
		t.Fatal("Hoist never registered a tray item with the StatusNotifierWatcher")
	}
	it := &trayItem{bus: b, dest: got[0][0], path: dbus.ObjectPath(got[0][1])}
	if !strings.HasPrefix(got[0][1], "/") {
		// The protocol also allows a bus name; the item is then at the
		// usual path.
		it.dest, it.path = got[0][1], "/StatusNotifierItem"
	}
	obj := b.conn.Object(it.dest, it.path)
	// Fyne sets the title and icon just after the item is on the bus.
	var title, icon dbus.Variant
	ok := pollUntil(30*time.Second, func() bool {
		menu, err := obj.GetProperty("org.kde.StatusNotifierItem.Menu")
		if err != nil {
			return false
		}
		it.menu, _ = menu.Value().(dbus.ObjectPath)
		title, _ = obj.GetProperty("org.kde.StatusNotifierItem.Title")
		icon, _ = obj.GetProperty("org.kde.StatusNotifierItem.IconPixmap")
		return title.Value() == "Hoist" && icon.Signature().String() == "a(iiay)" && len(fmt.Sprint(icon.Value())) > 1000 && it.menu != ""
	})
	if !ok {
		t.Fatalf("tray item: title %v, icon %s of %d characters, menu %q", title.Value(), icon.Signature(), len(fmt.Sprint(icon.Value())), it.menu)
	}
	t.Logf("tray item %s %s, menu %s", it.dest, it.path, it.menu)
	return it
}

// menuItem is one entry of a dbusmenu layout.
type menuItem struct {
	id    int32
	label string
}

// menu reads the tray menu's entries (separators left out), as a panel
// does before it shows the menu.
func (it *trayItem) entries(t *testing.T) []menuItem {
	t.Helper()
	var rev uint32
	var root struct {
		ID       int32
		Props    map[string]dbus.Variant
		Children []dbus.Variant
	}
	call := it.bus.conn.Object(it.dest, it.menu).Call("com.canonical.dbusmenu.GetLayout", 0, int32(0), int32(-1), []string{})
	if err := call.Store(&rev, &root); err != nil {
		t.Fatalf("GetLayout: %v", err)
	}
	var items []menuItem
	for _, c := range root.Children {
		fields, ok := c.Value().([]any)
		if !ok || len(fields) < 2 {
			continue
		}
		id, _ := fields[0].(int32)
		props, _ := fields[1].(map[string]dbus.Variant)
		if typ, _ := props["type"].Value().(string); typ == "separator" {
			continue
		}
		label, _ := props["label"].Value().(string)
		items = append(items, menuItem{id, label})
	}
	return items
}

// click clicks the menu entry labelled label, once the menu has it.
func (it *trayItem) click(t *testing.T, label string) {
	t.Helper()
	var items []menuItem
	found := int32(-1)
	if !pollUntil(30*time.Second, func() bool {
		items = it.entries(t)
		for _, m := range items {
			if m.label == label {
				found = m.id
			}
		}
		return found >= 0
	}) {
		t.Fatalf("no %q in the tray menu %v", label, items)
	}
	call := it.bus.conn.Object(it.dest, it.menu).Call("com.canonical.dbusmenu.Event", 0,
		found, "clicked", dbus.MakeVariant(""), uint32(time.Now().Unix()))
	if call.Err != nil {
		t.Fatalf("click %q: %v", label, call.Err)
	}
}

// isMenu reports whether the item asks panels to open its menu on a left
// click (ItemIsMenu), instead of calling Activate.
func (it *trayItem) isMenu(t *testing.T) bool {
	t.Helper()
	v, err := it.bus.conn.Object(it.dest, it.path).GetProperty("org.kde.StatusNotifierItem.ItemIsMenu")
	if err != nil {
		t.Fatalf("ItemIsMenu: %v", err)
	}
	b, _ := v.Value().(bool)
	return b
}

// activate is a left click on the tray icon by a panel that calls
// Activate regardless; it returns the item's answer.
func (it *trayItem) activate() error {
	return it.bus.conn.Object(it.dest, it.path).Call("org.kde.StatusNotifierItem.Activate", 0, int32(0), int32(0)).Err
}

// trayWorld is MinIO behind a slow link, a config with static keys for
// it, a file to send and Hoist's window started on it with the bus.
type trayWorld struct {
	x       *xDisplay
	tools   xTools
	minio   *devstack.MinIO
	key     string
	dataDir string
	exited  <-chan struct{}
}

func startTrayWorld(t *testing.T, bus *trayBus) *trayWorld {
	t.Helper()
	tools := lookupXTools(t)
	w := &trayWorld{x: startXvfb(t, tools), tools: tools, minio: devstack.StartMinIOForTest(t)}
	link, err := faultproxy.New(w.minio.Addr())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { link.Close() })
	link.SetRate(trayLinkRate)
	cfg := filepath.Join(t.TempDir(), "hoist.toml")
	text := fmt.Sprintf(`[s3]
endpoint = %q
region = "us-east-1"
bucket = %q
path_style = true
access_key_id = %q
secret_access_key = %q

[upload]
key_prefix = "tray/"
part_size = "5MiB"
parallel_files = 1
parallel_parts = 2
retry_max_wait = "1s"
`, link.URL(), devstack.DefaultBucket, w.minio.AccessKey, w.minio.SecretKey)
	if err := os.WriteFile(cfg, []byte(text), 0o600); err != nil {
		t.Fatal(err)
	}
	src := filepath.Join(t.TempDir(), "tray-survey.bin")
	if err := os.Rename(writeFile(t, trayFileSize), src); err != nil {
		t.Fatal(err)
	}
	w.key = "tray/" + filepath.Base(src)
	w.dataDir = filepath.Join(t.TempDir(), "data")
	path, _ := fakeXDGOpen(t)
	_, w.exited = launchHoistWindow(t, w.x, hoistBinary(t),
		[]string{"--config", cfg, "--data-dir", w.dataDir, src}, w.dataDir, path,
		"DBUS_SESSION_BUS_ADDRESS="+bus.addr)
	w.x.hoist = w.x.waitWindow("^Hoist")
	admin := w.minio.S3Client()
	if !pollUntil(90*time.Second, func() bool { return uploadID(admin, w.key) != "" }) {
		t.Fatal("the file given on the command line never started uploading")
	}
	return w
}

// close asks Hoist's window to close, as a window manager's close button.
func (w *trayWorld) close(t *testing.T) {
	t.Helper()
	script, err := filepath.Abs(filepath.Join("testdata", "closewindow.py"))
	if err != nil {
		t.Fatal(err)
	}
	if out, err := w.x.run(w.tools.python, script, w.x.hoist); err != nil {
		t.Fatalf("close the window: %v %s", err, out)
	}
}

// visible reports whether Hoist's window is mapped.
func (w *trayWorld) visible() bool {
	out, _ := w.x.run(w.x.tools.xdotool, "search", "--onlyvisible", "--name", "^Hoist")
	return strings.Contains(" "+strings.Join(strings.Fields(out), " ")+" ", " "+w.x.hoist+" ")
}

func (w *trayWorld) running() bool {
	select {
	case <-w.exited:
		return false
	default:
		return true
	}
}

// shot is a screenshot of the window without the pointer over it.
func (w *trayWorld) shot() *xShot {
	w.x.movePointerAway()
	return w.x.screenshot()
}

// centredButton finds a solid block of the primary colour (a button of
// high importance) in the middle of the window, where Fyne centres a
// dialog: its centre in the middle third across and between 35 % and 75 %
// down. The rows' bars, the selected filter and the footer's bar are all
// outside that box.
func (s *xShot) centredButton() (image.Rectangle, bool) {
	win := s.win
	box := image.Rect(win.Min.X, win.Min.Y+win.Dy()*35/100, win.Max.X, win.Min.Y+win.Dy()*75/100)
	inner := *s
	inner.win = box
	b, ok := inner.primaryBlock(60)
	c := b.Min.Add(b.Size().Div(2))
	return b, ok && c.X > win.Min.X+win.Dx()/3 && c.X < win.Max.X-win.Dx()/3
}

// quitDialog waits for the "Quit Hoist?" question, by its Quit button,
// and returns where to click. before is the window without the question:
// it must not show such a button, or the test could not tell.
func (w *trayWorld) quitDialog(t *testing.T, before *xShot) image.Point {
	t.Helper()
	if b, ok := before.centredButton(); ok {
		t.Fatalf("the window shows a button at %v before the question", b)
	}
	var quit image.Rectangle
	w.x.movePointerAway()
	shot := w.x.waitFor("the Quit Hoist? question", func(s *xShot) bool {
		var ok bool
		quit, ok = s.centredButton()
		return ok
	})
	newWindowArtifacts(t).save(t, "tray-question-"+t.Name()+".png", shot.window())
	return quit.Min.Add(quit.Size().Div(2))
}

// answerQuit clicks the question's Quit (again while the question stays:
// a click before the window is ready is lost) and waits for Hoist to exit.
func (w *trayWorld) answerQuit(t *testing.T, at image.Point) {
	t.Helper()
	for attempt := 1; ; attempt++ {
		w.x.click(at)
		select {
		case <-w.exited:
			return
		case <-time.After(15 * time.Second):
		}
		if attempt == 3 {
			t.Fatal("Hoist did not quit after Quit was clicked three times")
		}
	}
}

// assertKeptForLater checks that quitting left the upload unfinished and
// in place, to continue next time: not aborted, not completed.
func (w *trayWorld) assertKeptForLater(t *testing.T) {
	t.Helper()
	admin := w.minio.S3Client()
	if objectExists(admin, w.key) {
		t.Fatalf("%s finished before the test quit: make the file larger", w.key)
	}
	if uploadID(admin, w.key) == "" {
		t.Fatal("quitting discarded the unfinished upload")
	}
}

func TestWindowClosesToTrayWhileUploading(t *testing.T) {
	bus := startTrayBus(t, true)
	w := startTrayWorld(t, bus)
	item := bus.waitItem(t)
	admin := w.minio.S3Client()
	id := uploadID(admin, w.key)

	// Close while the upload runs: the window hides, Hoist keeps running
	// and parts keep arriving in MinIO.
	w.close(t)
	if !pollUntil(30*time.Second, func() bool { return !w.visible() }) {
		t.Fatal("closing the window while uploading did not hide it to the tray")
	}
	parts := partCount(admin, w.key, id)
	if !pollUntil(60*time.Second, func() bool { return partCount(admin, w.key, id) > parts }) {
		t.Fatalf("no part arrived while the window was in the tray (%d parts)", parts)
	}
	if !w.running() {
		t.Fatal("Hoist quit instead of going to the tray")
	}
	t.Logf("in the tray: parts %d → %d", parts, partCount(admin, w.key, id))

	// A left click opens the menu (Fyne's own "show the tray window on a
	// click" ran the window's GL calls on the D-Bus goroutine and crashed
	// Hoist now and then). A panel that calls Activate anyway is refused,
	// and Hoist goes on.
	if !item.isMenu(t) {
		t.Error("the tray item does not ask for its menu on a left click")
	}
	if err := item.activate(); err == nil {
		t.Error("Activate was taken: the icon would show the window off the UI goroutine")
	}
	time.Sleep(2 * time.Second)
	if !w.running() || w.visible() {
		t.Fatalf("after Activate: running %v, visible %v", w.running(), w.visible())
	}
	var labels []string
	for _, m := range item.entries(t) {
		labels = append(labels, m.label)
	}
	if got := strings.Join(labels, "|"); got != "Show Hoist|Pause all|Resume all|Quit Hoist" {
		t.Errorf("tray menu %q", got)
	}
	item.click(t, "Show Hoist")
	if !pollUntil(30*time.Second, w.visible) {
		t.Fatal("Show Hoist in the tray menu did not show the window")
	}
	w.x.waitFor("the uploads screen", func(s *xShot) bool { _, ok := s.dropZoneTop(); return ok })
	before := w.shot()

	// Quit from the tray asks in the window, as closing it does without a
	// tray, and Quit then quits.
	w.close(t) // hidden again: Quit must bring the window back to ask
	if !pollUntil(30*time.Second, func() bool { return !w.visible() }) {
		t.Fatal("the second close did not hide the window")
	}
	item.click(t, "Quit Hoist")
	if !pollUntil(30*time.Second, w.visible) {
		t.Fatal("Quit Hoist in the tray menu did not bring the window back to ask")
	}
	at := w.quitDialog(t, before)
	if !w.running() {
		t.Fatal("Quit Hoist quit without asking while an upload ran")
	}
	w.answerQuit(t, at)
	w.assertKeptForLater(t)
}

func TestWindowWithoutTrayAsksOnClose(t *testing.T) {
	bus := startTrayBus(t, false)
	w := startTrayWorld(t, bus)

	// No tray host: closing while uploading asks in the window, which
	// stays, and nothing was put on the bus as a tray item.
	w.x.waitFor("the uploads screen", func(s *xShot) bool { _, ok := s.dropZoneTop(); return ok })
	before := w.shot()
	w.close(t)
	at := w.quitDialog(t, before)
	if !w.visible() || !w.running() {
		t.Fatalf("close without a tray: visible %v, running %v; want the window asking", w.visible(), w.running())
	}
	var names []string
	if err := bus.conn.BusObject().Call("org.freedesktop.DBus.ListNames", 0).Store(&names); err != nil {
		t.Fatal(err)
	}
	for _, n := range names {
		if strings.HasPrefix(n, "org.kde.StatusNotifierItem") {
			t.Errorf("a tray item %s is on a bus without a tray host", n)
		}
	}
	if log, _ := os.ReadFile(filepath.Join(w.dataDir, "hoist.log")); !strings.Contains(string(log), "system_tray=false") {
		t.Errorf("hoist.log does not say there is no system tray:\n%s", log)
	}
	w.answerQuit(t, at)
	w.assertKeptForLater(t)
}
