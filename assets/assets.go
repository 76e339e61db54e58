// Package assets holds files built into the Hoist binary.
package assets

import _ "embed"

// DefaultConfig is the reference configuration (default.toml): it points at
// the local dev stack and documents every setting. Hoist never uses it by
// itself (a customer's Hoist must not fall back to the dev stack); package
// hoist/app/config parses it for tests and documentation. Treat the slice
// as read-only.
//
//go:embed default.toml
var DefaultConfig []byte
