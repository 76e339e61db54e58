package desktop

import (
	"errors"
	"fmt"
	"reflect"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/godbus/dbus/v5"

	"hoist/app/awake/awaketest"
)

// fileChooser stands in for the desktop portal's FileChooser on a private
// bus (the D-Bus daemon and protocol are the real ones; no portal
// backend runs on test machines). Each OpenFile answers with status and
// uris, on the request path the caller asked for with handle_token, or
// (like portals before 0.9) on a path of its own; early answers before
// the call returns, as a fast portal may.
type fileChooser struct {
	conn    *dbus.Conn
	status  uint32
	uris    []string
	early   bool
	ownPath bool
	mu      sync.Mutex
	titles  []string
	options []map[string]dbus.Variant
	senders []string
}

func (f *fileChooser) OpenFile(sender dbus.Sender, parent, title string, options map[string]dbus.Variant) (dbus.ObjectPath, *dbus.Error) {
	f.mu.Lock()
	f.titles = append(f.titles, title)
	f.options = append(f.options, options)
	f.senders = append(f.senders, string(sender))
	f.mu.Unlock()
	var token string
	_ = options["handle_token"].Store(&token)
	who := strings.ReplaceAll(strings.TrimPrefix(string(sender), ":"), ".", "_")
	path := dbus.ObjectPath(portalPath + "/request/" + who + "/" + token)
	if f.ownPath {
		path = dbus.ObjectPath(portalPath + "/request/" + who + "/old1")
	}
	answer := func() {
		_ = f.conn.Emit(path, requestInterface+"."+requestResponse, f.status, map[string]dbus.Variant{"uris": dbus.MakeVariant(f.uris)})
	}
	if f.early {
		answer()
	} else {
		go func() { time.Sleep(100 * time.Millisecond); answer() }()
	}
	return path, nil
}

// servePortal exports f as the portal on a new private bus and returns a
// client connection to that bus.
func servePortal(t *testing.T, f *fileChooser) *dbus.Conn {
	t.Helper()
	addr := awaketest.Bus(t)
	service, err := dbus.Connect(addr)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { service.Close() })
	f.conn = service
	if err := service.Export(f, portalPath, "org.freedesktop.portal.FileChooser"); err != nil {
		t.Fatal(err)
	}
	if reply, err := service.RequestName(portalName, dbus.NameFlagDoNotQueue); err != nil || reply != dbus.RequestNameReplyPrimaryOwner {
		t.Fatalf("request name: %v %v", reply, err)
	}
	client, err := dbus.Connect(addr)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { client.Close() })
	return client
}

// openWithin runs portalOpen, failing the test if it has not answered
// within a minute (a lost answer would otherwise hang the test).
func openWithin(t *testing.T, conn *dbus.Conn, folders bool) ([]string, error) {
	t.Helper()
	type result struct {
		paths []string
		err   error
	}
	done := make(chan result, 1)
	go func() {
		p, err := portalOpen(conn, "Choose files to upload", "Upload", folders)
		done <- result{p, err}
	}()
	select {
	case r := <-done:
		return r.paths, r.err
	case <-time.After(time.Minute):
		t.Fatal("portalOpen never returned: the portal's answer was lost")
		return nil, nil
	}
}

// The chosen files come back as exact paths: "+" stays a plus, "%20" is a
// space, UTF-8 is decoded; the dialog was asked for several files (or
// folders) with Hoist's title and button; and an answer that comes before
// the call returns, or on an old portal's own request path, is not lost.
func TestPortalOpen(t *testing.T) {
	uris := []string{"file:///home/ana/Q3+Q4%20report.pdf", "file:///home/ana/caf%C3%A9/100%25.txt", "file://localhost/srv/a%2Bb"}
	want := []string{"/home/ana/Q3+Q4 report.pdf", "/home/ana/café/100%.txt", "/srv/a+b"}
	for _, c := range []struct {
		name           string
		early, ownPath bool
		folders        bool
	}{
		{name: "late answer"},
		{name: "answer before the call returns", early: true},
		{name: "old portal's own request path", ownPath: true, folders: true},
	} {
		t.Run(c.name, func(t *testing.T) {
			f := &fileChooser{status: responseSuccess, uris: uris, early: c.early, ownPath: c.ownPath}
			conn := servePortal(t, f)
			got, err := openWithin(t, conn, c.folders)
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(got, want) {
				t.Fatalf("paths %q, want %q", got, want)
			}
			f.mu.Lock()
			defer f.mu.Unlock()
			if len(f.titles) != 1 || f.titles[0] != "Choose files to upload" {
				t.Errorf("titles %q", f.titles)
			}
			o := f.options[0]
			checks := map[string]any{"multiple": true, "directory": c.folders, "modal": true, "accept_label": "Upload"}
			for k, v := range checks {
				if got := o[k].Value(); got != v {
					t.Errorf("option %s = %v, want %v", k, got, v)
				}
			}
			if tok, _ := o["handle_token"].Value().(string); !strings.HasPrefix(tok, "hoist") {
				t.Errorf("handle_token %q", tok)
			}
		})
	}
}

// Cancel is no paths and no error; a dialog that ended otherwise, or an
// answer that is not a local file, is an error (the window then offers
// Fyne's own dialog).
func TestPortalOpenCancelAndErrors(t *testing.T) {
	t.Run("cancel", func(t *testing.T) {
		conn := servePortal(t, &fileChooser{status: responseCancelled})
		got, err := openWithin(t, conn, false)
		if err != nil || got != nil {
			t.Fatalf("cancel gave %q, %v; want none, nil", got, err)
		}
	})
	t.Run("ended", func(t *testing.T) {
		conn := servePortal(t, &fileChooser{status: 2})
		if _, err := openWithin(t, conn, false); !errors.Is(err, errPortalEnded) {
			t.Fatalf("status 2 gave %v, want errPortalEnded", err)
		}
	})
	for i, uri := range []string{"https://example.com/a.txt", "file://otherhost/a.txt", "file://", "file:///a%zz"} {
		// Named by number: a "%" in the test's temporary directory would
		// be an escape in the D-Bus address of its bus.
		t.Run(fmt.Sprintf("not a local file %d", i), func(t *testing.T) {
			conn := servePortal(t, &fileChooser{status: responseSuccess, uris: []string{uri}})
			if got, err := openWithin(t, conn, false); err == nil {
				t.Fatalf("%q gave %q and no error", uri, got)
			}
		})
	}
	t.Run("no portal", func(t *testing.T) {
		conn, err := dbus.Connect(awaketest.Bus(t))
		if err != nil {
			t.Fatal(err)
		}
		defer conn.Close()
		if _, err := openWithin(t, conn, false); err == nil {
			t.Fatal("no portal on the bus, and no error")
		}
	})
}
