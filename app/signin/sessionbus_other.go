//go:build !(linux || freebsd || openbsd || netbsd || dragonfly)

package signin

// sessionBusCheck is a no-op where the keyring is not on D-Bus (macOS
// Keychain, Windows Credential Manager).
func sessionBusCheck() error { return nil }
