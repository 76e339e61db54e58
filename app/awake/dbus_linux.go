package awake

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"syscall"
	"time"

	"github.com/godbus/dbus/v5"
)

// callTimeout bounds every D-Bus call: a bus that does not answer must not
// hold an upload up.
const callTimeout = 5 * time.Second

// New returns the system's inhibitor: logind on the system bus, else the
// desktop portal on the session bus.
func New() Inhibitor {
	return DBus{System: systemBusAddress(), Session: sessionBusAddress()}
}

// DBus inhibits idle sleep through logind on the bus at System (its
// Manager.Inhibit with what "sleep:idle", mode "block": the inhibition
// lasts as long as the file descriptor it returns is open), falling back to
// the XDG desktop portal's Inhibit (flag Suspend) on the bus at Session. An
// empty address skips that bus.
type DBus struct {
	System, Session string
}

// Inhibit implements Inhibitor.
func (d DBus) Inhibit(why string) (func(), error) {
	var errs []error
	if d.System != "" {
		release, err := logindInhibit(d.System, why)
		if err == nil {
			return release, nil
		}
		errs = append(errs, fmt.Errorf("logind: %w", err))
	}
	if d.Session != "" {
		release, err := portalInhibit(d.Session, why)
		if err == nil {
			return release, nil
		}
		errs = append(errs, fmt.Errorf("desktop portal: %w", err))
	}
	if len(errs) == 0 {
		return nil, fmt.Errorf("%w: no D-Bus system or session bus", ErrUnsupported)
	}
	return nil, errors.Join(errs...)
}

// logindInhibit takes a logind inhibitor lock; releasing closes its file
// descriptor.
func logindInhibit(addr, why string) (func(), error) {
	conn, err := dbus.Connect(addr)
	if err != nil {
		return nil, fmt.Errorf("connect to the system bus: %w", err)
	}
	defer conn.Close()
	ctx, cancel := context.WithTimeout(context.Background(), callTimeout)
	defer cancel()
	var fd dbus.UnixFD
	err = conn.Object("org.freedesktop.login1", "/org/freedesktop/login1").
		CallWithContext(ctx, "org.freedesktop.login1.Manager.Inhibit", 0, "sleep:idle", "Hoist", why, "block").
		Store(&fd)
	if err != nil {
		return nil, fmt.Errorf("inhibit: %w", err)
	}
	return func() { _ = syscall.Close(int(fd)) }, nil
}

// portalInhibit asks the desktop portal; the connection stays open while
// the inhibition is held (the portal drops it when Hoist disconnects), and
// releasing closes the request.
func portalInhibit(addr, why string) (func(), error) {
	conn, err := dbus.Connect(addr)
	if err != nil {
		return nil, fmt.Errorf("connect to the session bus: %w", err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), callTimeout)
	defer cancel()
	const suspend = 4 // the portal's flag for "do not suspend"; 8 would keep the screen on
	var handle dbus.ObjectPath
	err = conn.Object("org.freedesktop.portal.Desktop", "/org/freedesktop/portal/desktop").
		CallWithContext(ctx, "org.freedesktop.portal.Inhibit.Inhibit", 0, "", uint32(suspend),
			map[string]dbus.Variant{"reason": dbus.MakeVariant(why)}).
		Store(&handle)
	if err != nil {
		conn.Close()
		return nil, fmt.Errorf("inhibit: %w", err)
	}
	return func() {
		ctx, cancel := context.WithTimeout(context.Background(), callTimeout)
		defer cancel()
		_ = conn.Object("org.freedesktop.portal.Desktop", handle).
			CallWithContext(ctx, "org.freedesktop.portal.Request.Close", 0).Err
		conn.Close()
	}, nil
}

// systemBusAddress is $DBUS_SYSTEM_BUS_ADDRESS, else the standard socket
// when it exists.
func systemBusAddress() string {
	if a := os.Getenv("DBUS_SYSTEM_BUS_ADDRESS"); a != "" {
		return a
	}
	const sock = "/var/run/dbus/system_bus_socket"
	if _, err := os.Stat(sock); err == nil {
		return "unix:path=" + sock
	}
	return ""
}

// sessionBusAddress is $DBUS_SESSION_BUS_ADDRESS, else the user's bus in
// the runtime folder; never an autolaunched bus (it would outlive Hoist).
func sessionBusAddress() string {
	if a := os.Getenv("DBUS_SESSION_BUS_ADDRESS"); a != "" && a != "autolaunch:" {
		return a
	}
	dir := os.Getenv("XDG_RUNTIME_DIR")
	if dir == "" {
		dir = filepath.Join("/run/user", strconv.Itoa(os.Getuid()))
	}
	if p := filepath.Join(dir, "bus"); fileExists(p) {
		return "unix:path=" + p
	}
	return ""
}

func fileExists(p string) bool {
	_, err := os.Stat(p)
	return err == nil
}
