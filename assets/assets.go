// Package assets holds files built into the Hoist binary.
package assets

import _ "embed"

// DefaultConfig is the built-in configuration (default.toml): it points at
// the local dev stack and documents every setting, so it doubles as the
// reference for the config format. Package hoist/app/config parses it;
// treat the slice as read-only.
//
//go:embed default.toml
var DefaultConfig []byte
