//go:build !linux && !windows && !darwin

package awake

// New returns an inhibitor that always fails with ErrUnsupported.
func New() Inhibitor { return unsupported{} }

type unsupported struct{}

func (unsupported) Inhibit(string) (func(), error) { return nil, ErrUnsupported }
