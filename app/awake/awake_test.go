package awake

import (
	"errors"
	"testing"
)

// countingInhibitor counts inhibitions taken and released.
type countingInhibitor struct {
	taken, released int
	fail            error
}

func (c *countingInhibitor) Inhibit(string) (func(), error) {
	if c.fail != nil {
		return nil, c.fail
	}
	c.taken++
	return func() { c.released++ }, nil
}

// One inhibition while busy, released as soon as nothing uploads, none
// while the setting is off; a failure leaves the keeper inactive and is
// tried again next time.
func TestKeeper(t *testing.T) {
	inh := &countingInhibitor{}
	k := NewKeeper(inh, nil)
	k.SetBusy(true)
	k.SetBusy(true)
	if inh.taken != 1 || !k.Active() {
		t.Fatalf("busy: taken %d, active %v", inh.taken, k.Active())
	}
	k.SetBusy(false)
	if inh.released != 1 || k.Active() {
		t.Fatalf("idle: released %d, active %v", inh.released, k.Active())
	}
	k.SetEnabled(false)
	k.SetBusy(true)
	if inh.taken != 1 || k.Active() {
		t.Fatalf("turned off: taken %d", inh.taken)
	}
	k.SetEnabled(true) // turned on while busy: taken at once
	if inh.taken != 2 || !k.Active() {
		t.Fatalf("turned on while busy: taken %d", inh.taken)
	}
	k.SetEnabled(false) // turned off while busy: released at once
	if inh.released != 2 || k.Active() {
		t.Fatalf("turned off while busy: released %d", inh.released)
	}
	k.SetEnabled(true)
	k.Close()
	if inh.released != 3 {
		t.Fatalf("Close: released %d", inh.released)
	}

	inh.fail = errors.New("no bus")
	k.SetBusy(true)
	if k.Active() {
		t.Fatal("active although Inhibit failed")
	}
	inh.fail = nil
	k.SetBusy(false)
	k.SetBusy(true)
	if !k.Active() {
		t.Fatal("not tried again after a failure")
	}
}
