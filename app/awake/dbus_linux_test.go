package awake

import (
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/godbus/dbus/v5"

	"hoist/app/awake/awaketest"
)

// Against a real D-Bus daemon: Hoist asks logind for a "sleep:idle" block
// lock in its own name, holds the file descriptor while uploads run, and
// closes it on release (logind then lets the machine sleep again).
func TestLogindInhibit(t *testing.T) {
	addr := awaketest.Bus(t)
	svc := awaketest.ServeLogind(t, addr)
	release, err := DBus{System: addr}.Inhibit(Why)
	if err != nil {
		t.Fatal(err)
	}
	if calls := svc.Calls(); len(calls) != 1 || calls[0] != [4]string{"sleep:idle", "Hoist", Why, "block"} {
		t.Fatalf("Inhibit calls %q", calls)
	}
	// Past the moment the service dropped its own copy of the lock.
	if !svc.Held(0, time.Second) {
		t.Fatal("the lock was released while held")
	}
	release()
	if svc.Held(0, 5*time.Second) {
		t.Fatal("after release the lock is still held")
	}
}

// fakePortal is org.freedesktop.portal.Inhibit; each request it hands out
// records being closed.
type fakePortal struct {
	conn   *dbus.Conn
	mu     sync.Mutex
	flags  []uint32
	reason []string
	closed chan struct{}
}

func (p *fakePortal) Inhibit(window string, flags uint32, options map[string]dbus.Variant) (dbus.ObjectPath, *dbus.Error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.flags = append(p.flags, flags)
	r, _ := options["reason"].Value().(string)
	p.reason = append(p.reason, r)
	path := dbus.ObjectPath("/org/freedesktop/portal/desktop/request/1_1/hoist")
	if err := p.conn.Export(portalRequest{p.closed}, path, "org.freedesktop.portal.Request"); err != nil {
		return "", dbus.MakeFailedError(err)
	}
	return path, nil
}

type portalRequest struct{ closed chan struct{} }

func (r portalRequest) Close() *dbus.Error {
	close(r.closed)
	return nil
}

// Without logind (no such service on the system bus), Hoist asks the
// desktop portal on the session bus to hold off suspend (not the screen),
// and closes its request on release.
func TestPortalInhibitFallback(t *testing.T) {
	system, session := awaketest.Bus(t), awaketest.Bus(t)
	conn, err := dbus.Connect(session)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	p := &fakePortal{conn: conn, closed: make(chan struct{})}
	if err := conn.Export(p, "/org/freedesktop/portal/desktop", "org.freedesktop.portal.Inhibit"); err != nil {
		t.Fatal(err)
	}
	if _, err := conn.RequestName("org.freedesktop.portal.Desktop", dbus.NameFlagDoNotQueue); err != nil {
		t.Fatal(err)
	}
	release, err := DBus{System: system, Session: session}.Inhibit(Why)
	if err != nil {
		t.Fatal(err)
	}
	p.mu.Lock()
	flags, reason := p.flags, p.reason
	p.mu.Unlock()
	if len(flags) != 1 || flags[0] != 4 || reason[0] != Why {
		t.Fatalf("portal Inhibit with flags %v, reason %q; want [4] (suspend only), %q", flags, reason, Why)
	}
	select {
	case <-p.closed:
		t.Fatal("request closed while held")
	default:
	}
	release()
	select {
	case <-p.closed:
	case <-time.After(5 * time.Second):
		t.Fatal("release did not close the portal request")
	}
}

// With neither service, Inhibit fails and names both.
func TestInhibitWithoutServices(t *testing.T) {
	bus := awaketest.Bus(t)
	_, err := DBus{System: bus, Session: bus}.Inhibit(Why)
	if err == nil || !strings.Contains(err.Error(), "logind") || !strings.Contains(err.Error(), "portal") {
		t.Fatalf("Inhibit = %v, want an error naming logind and the portal", err)
	}
}
