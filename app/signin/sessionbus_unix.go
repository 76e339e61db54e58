//go:build linux || freebsd || openbsd || netbsd || dragonfly

package signin

import (
	"errors"
	"os"
	"path/filepath"
	"strconv"
)

// errNoSessionBus means there is no D-Bus session bus, hence no Secret
// Service to ask.
var errNoSessionBus = errors.New("no D-Bus session bus (DBUS_SESSION_BUS_ADDRESS is unset)")

// sessionBusCheck reports errNoSessionBus unless a session bus is
// advertised the way godbus finds one. Without this check godbus would
// autolaunch a private dbus-daemon (and with it a keyring daemon) that
// outlives Hoist, on every headless start.
func sessionBusCheck() error {
	if addr := os.Getenv("DBUS_SESSION_BUS_ADDRESS"); addr != "" && addr != "autolaunch:" {
		return nil
	}
	dir := os.Getenv("XDG_RUNTIME_DIR")
	if dir == "" {
		dir = filepath.Join("/run/user", strconv.Itoa(os.Getuid()))
	}
	for _, name := range []string{"bus", "dbus-session"} {
		if _, err := os.Stat(filepath.Join(dir, name)); err == nil {
			return nil
		}
	}
	return errNoSessionBus
}
