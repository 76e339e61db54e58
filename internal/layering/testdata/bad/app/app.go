// Package app is the synthetic composition root.
package app

// Main does nothing.
func Main() {}
