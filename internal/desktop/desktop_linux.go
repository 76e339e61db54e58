package desktop

import (
	"fmt"
	"os"

	"github.com/godbus/dbus/v5"
)

// The XDG desktop portal's bus name, and the tray host of the
// StatusNotifierItem protocol that Fyne's tray uses.
const (
	portalName      = "org.freedesktop.portal.Desktop"
	trayWatcherName = "org.kde.StatusNotifierWatcher"
)

// onSessionBus reports whether name is owned on the session bus, or can be
// started there.
func onSessionBus(name string) bool {
	if os.Getenv("DBUS_SESSION_BUS_ADDRESS") == "" {
		return false // no session bus: never autolaunch one
	}
	conn, err := dbus.SessionBus()
	if err != nil {
		return false
	}
	var owned bool
	if conn.BusObject().Call("org.freedesktop.DBus.NameHasOwner", 0, name).Store(&owned) == nil && owned {
		return true
	}
	var names []string
	if conn.BusObject().Call("org.freedesktop.DBus.ListActivatableNames", 0).Store(&names) != nil {
		return false
	}
	for _, n := range names {
		if n == name {
			return true
		}
	}
	return false
}

// HasTray reports whether the desktop shows tray icons (a
// StatusNotifierWatcher on the session bus). Without one, Fyne's tray icon
// would be invisible and a window closed "to the tray" lost.
func HasTray() bool { return onSessionBus(trayWatcherName) }

func pick(title string, folders bool) ([]string, error) {
	if !onSessionBus(portalName) {
		return nil, ErrUnavailable
	}
	conn, err := dbus.SessionBus()
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrUnavailable, err)
	}
	paths, err := portalOpen(conn, title, "Upload", folders)
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrUnavailable, err)
	}
	return paths, nil
}
