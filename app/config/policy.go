package config

import (
	"bytes"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"runtime"

	"github.com/BurntSushi/toml"
)

// EnvPolicy overrides the managed policy file's path (tests; "none" for
// none). A policy is a convenience for IT departments, not a sandbox: the
// customer can always run another program.
const EnvPolicy = "HOIST_POLICY"

// PolicyPath returns the managed policy file's path on this OS:
// /etc/hoist/policy.toml on Linux and other Unix systems,
// %ProgramData%\Hoist\policy.toml on Windows, and
// /Library/Application Support/Hoist/policy.toml on macOS. $HOIST_POLICY
// overrides it.
func PolicyPath() string {
	if p := os.Getenv(EnvPolicy); p != "" {
		return p
	}
	return policyPath(runtime.GOOS, os.Getenv)
}

func policyPath(goos string, getenv func(string) string) string {
	switch goos {
	case "windows":
		dir := getenv("ProgramData")
		if dir == "" {
			dir = `C:\ProgramData`
		}
		return dir + `\Hoist\policy.toml`
	case "darwin", "ios":
		return "/Library/Application Support/Hoist/policy.toml"
	default:
		return "/etc/hoist/policy.toml"
	}
}

// Policy is the managed policy file: a machine-wide TOML file, written by
// an IT department, that can fix the organisation and lock settings.
//
//	[organisation]
//	descriptor_url = "https://acme.example/.well-known/hoist.json"
//	# … or the organisation's settings inline: name, and the [s3],
//	# [upload] and [signin] tables of a config file.
//
//	[locked]
//	parallel_files = 4
//	parallel_parts = 4
//	notifications = true
//
// Precedence: the policy, then the customer's choice, then the
// descriptor's (or config's) defaults. A fixed organisation cannot be
// changed in the window; locked settings show "Set by your organisation".
type Policy struct {
	// Path is the file it was read from.
	Path string
	// Organisation is the fixed organisation; nil when the customer
	// chooses.
	Organisation *Pin
	// Locked are settings the customer cannot change.
	Locked Locked
}

// Locked is a policy's [locked] table. Nil fields are not locked.
type Locked struct {
	ParallelFiles *int  `toml:"parallel_files"`
	ParallelParts *int  `toml:"parallel_parts"`
	Notifications *bool `toml:"notifications"`
}

// Any reports whether something is locked.
func (l Locked) Any() bool {
	return l.ParallelFiles != nil || l.ParallelParts != nil || l.Notifications != nil
}

// lockedKeys are the [locked] table's keys.
var lockedKeys = map[string]bool{
	"locked": true, "locked.parallel_files": true, "locked.parallel_parts": true, "locked.notifications": true,
}

// LoadPolicy reads the policy at path. A missing file is no policy (nil,
// nil); a file that cannot be read or is invalid is an error naming the
// file and line: Hoist does not start with a broken policy.
func LoadPolicy(path string) (*Policy, error) {
	if path == "" || path == "none" {
		return nil, nil
	}
	data, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("read policy: %w", err)
	}
	return parsePolicy(data, path, filepath.Dir(path))
}

func parsePolicy(data []byte, source, baseDir string) (*Policy, error) {
	var doc struct {
		Locked Locked `toml:"locked"`
	}
	if _, err := toml.NewDecoder(bytes.NewReader(data)).Decode(&doc); err != nil {
		return nil, newParseError(source, err)
	}
	pin, err := parsePin(data, source, baseDir, lockedKeys)
	if err != nil {
		return nil, err
	}
	p := &Policy{Path: source, Organisation: pin, Locked: doc.Locked}
	var problems []*FieldError
	lines := keyLines(data)
	for _, l := range []struct {
		name string
		v    *int
	}{{"locked.parallel_files", doc.Locked.ParallelFiles}, {"locked.parallel_parts", doc.Locked.ParallelParts}} {
		if l.v != nil && (*l.v < 1 || *l.v > maxParallel) {
			problems = append(problems, &FieldError{Field: l.name, Message: fmt.Sprintf("must be between 1 and %d %s", maxParallel, got(*l.v)), Line: lines[l.name]})
		}
	}
	if len(problems) > 0 {
		return nil, &ValidationError{Source: source, Problems: problems}
	}
	return p, nil
}
