package config

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
)

// Environment variables read by [Resolve] and [DataDir].
const (
	// EnvConfig names the config file when no flag does.
	EnvConfig = "HOIST_CONFIG"
	// EnvDataDir names the data folder when no flag does.
	EnvDataDir = "HOIST_DATA_DIR"
)

// Resolve finds and loads the config as [Find] does with default options,
// and returns the path or URL it used (also on error, when known). With no
// configuration at all it returns an error wrapping [ErrNotConnected]: it
// never falls back to the dev stack's settings.
func Resolve(flagPath string) (path string, cfg *Config, err error) {
	s, err := Find(FindOptions{ConfigPath: flagPath})
	if s == nil {
		return flagPath, nil, err
	}
	if err == nil && s.Config == nil {
		err = fmt.Errorf("the organisation's descriptor %s has not been fetched yet: %w", s.Pending, ErrNotConnected)
	}
	return s.Source, s.Config, err
}

// DataDir returns the absolute path of the folder for Hoist's journal and
// other state, trying in order: flagDir; $HOIST_DATA_DIR; then per OS —
// on Linux and other Unix systems $XDG_DATA_HOME/hoist (when set to an
// absolute path) or ~/.local/share/hoist; on macOS
// ~/Library/Application Support/Hoist; on Windows %LocalAppData%\Hoist.
// It does not create the folder. It fails only when no candidate is set and
// the home (or LocalAppData) folder is unknown.
func DataDir(flagDir string) (string, error) {
	home, herr := os.UserHomeDir()
	return dataDir(flagDir, runtime.GOOS, os.Getenv, home, herr)
}

// dataDir is DataDir with the OS, environment and home folder passed in,
// so every platform's rule can be tested anywhere.
func dataDir(flagDir, goos string, getenv func(string) string, home string, homeErr error) (string, error) {
	if flagDir != "" {
		return abs(flagDir)
	}
	if d := getenv(EnvDataDir); d != "" {
		return abs(d)
	}
	switch goos {
	case "windows":
		if d := getenv("LocalAppData"); d != "" {
			return filepath.Join(d, "Hoist"), nil
		}
		return "", errors.New("find data folder: %LocalAppData% is not set")
	case "darwin", "ios":
		if homeErr != nil {
			return "", fmt.Errorf("find data folder: %w", homeErr)
		}
		return filepath.Join(home, "Library", "Application Support", "Hoist"), nil
	default:
		// The XDG spec says to ignore a relative $XDG_DATA_HOME.
		if d := getenv("XDG_DATA_HOME"); d != "" && filepath.IsAbs(d) {
			return filepath.Join(d, "hoist"), nil
		}
		if homeErr != nil {
			return "", fmt.Errorf("find data folder: %w", homeErr)
		}
		return filepath.Join(home, ".local", "share", "hoist"), nil
	}
}

// abs makes p absolute, so a relative flag keeps meaning the same folder
// if the working directory changes later.
func abs(p string) (string, error) {
	a, err := filepath.Abs(p)
	if err != nil {
		return "", fmt.Errorf("find data folder %s: %w", p, err)
	}
	return a, nil
}
