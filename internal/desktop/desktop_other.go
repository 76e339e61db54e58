//go:build !linux && !windows

package desktop

// HasTray reports whether the desktop shows tray icons: macOS always does.
func HasTray() bool { return true }

func pick(string, bool) ([]string, error) { return nil, ErrUnavailable }
