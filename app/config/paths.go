package config

import (
	"errors"
	"fmt"
	"io/fs"
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

// Resolve finds and loads the config, trying in order:
//
//  1. flagPath, if not empty;
//  2. $HOIST_CONFIG, if set and not empty;
//  3. <os.UserConfigDir()>/hoist/hoist.toml, if it exists;
//  4. the embedded default, reported as path [BuiltinSource].
//
// It returns the path it used (also on error, so the caller can name it)
// and the loaded config. A path given by flag or environment that does not
// exist is an error (wrapping fs.ErrNotExist); so is any load or validation
// error. Resolve never falls back to the default after finding a file.
func Resolve(flagPath string) (path string, cfg *Config, err error) {
	switch {
	case flagPath != "":
		path = flagPath
	case os.Getenv(EnvConfig) != "":
		path = os.Getenv(EnvConfig)
	default:
		if dir, derr := os.UserConfigDir(); derr == nil {
			p := filepath.Join(dir, "hoist", "hoist.toml")
			_, serr := os.Stat(p)
			switch {
			case serr == nil:
				path = p
			case !errors.Is(serr, fs.ErrNotExist):
				return p, nil, fmt.Errorf("find config: %w", serr)
			}
		}
	}
	if path == "" {
		return BuiltinSource, Default(), nil
	}
	cfg, err = Load(path)
	if err != nil {
		return path, nil, err
	}
	return path, cfg, nil
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
