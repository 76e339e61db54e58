package app

import (
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"runtime"
)

// logFileName is Hoist's log in the data folder. Support asks for it.
const logFileName = "hoist.log"

// EnvDebug names the environment variable that turns on debug logging
// (any value but empty).
const EnvDebug = "HOIST_DEBUG"

// openLog opens hoist.log in the data folder (appending), creating the
// folder (0700) or tightening an existing one that others may read. When
// the log cannot be written (a read-only disk or folder), it logs to
// stderr instead, warnings and errors only unless HOIST_DEBUG is set, so
// that commands that only read still work.
func openLog(dataDir string) (*slog.Logger, func()) {
	level := slog.LevelInfo
	if os.Getenv(EnvDebug) != "" {
		level = slog.LevelDebug
	}
	note, dirErr := prepareDataDir(dataDir)
	var f *os.File
	err := dirErr
	if err == nil {
		f, err = os.OpenFile(filepath.Join(dataDir, logFileName), os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o600)
	}
	if err != nil {
		stderrLevel := max(level, slog.LevelWarn)
		if os.Getenv(EnvDebug) != "" {
			stderrLevel = slog.LevelDebug
		}
		log := slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: stderrLevel}))
		log.Warn("cannot write the log file; logging to stderr", "folder", dataDir, "error", err)
		return log, func() {}
	}
	log := slog.New(slog.NewTextHandler(f, &slog.HandlerOptions{Level: level}))
	if note != "" {
		log.Warn(note, "folder", dataDir)
	}
	return log, func() { f.Close() }
}

// prepareDataDir creates dataDir (0700) or, when it exists and group or
// others may use it, restricts it to its owner: it holds the journal (what
// was sent, where from), the log and perhaps the saved sign-in. It returns a
// note for the log when it changed (or could not change) the folder's mode.
func prepareDataDir(dataDir string) (note string, err error) {
	fi, err := os.Stat(dataDir)
	if err != nil {
		if err := os.MkdirAll(dataDir, 0o700); err != nil {
			return "", fmt.Errorf("create data folder: %w", err)
		}
		return "", nil
	}
	if !fi.IsDir() {
		return "", fmt.Errorf("data folder %s is not a folder", dataDir)
	}
	if runtime.GOOS == "windows" || fi.Mode().Perm()&0o077 == 0 {
		return "", nil // Windows: the folder inherits the profile's access rules
	}
	if err := os.Chmod(dataDir, 0o700); err != nil {
		return fmt.Sprintf("the data folder may be read by other users (mode %v) and Hoist could not restrict it: %v", fi.Mode().Perm(), err), nil
	}
	return fmt.Sprintf("restricted the data folder to its owner (it was mode %v)", fi.Mode().Perm()), nil
}

// writable reports whether files can be created in dir.
func writable(dir string) bool {
	f, err := os.CreateTemp(dir, ".hoist-probe-*")
	if err != nil {
		return false
	}
	f.Close()
	os.Remove(f.Name())
	return true
}
