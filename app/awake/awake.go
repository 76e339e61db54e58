// Package awake keeps the computer from going to sleep by itself while
// Hoist sends files: an idle laptop that suspends at 87 % of 40 GB is what
// Hoist is for. Only idle system sleep is held off, never the screen, and
// only while something is uploading.
//
// Each system has its own way, behind [Inhibitor]: on Linux logind's
// Inhibit("sleep:idle") on the system bus, else the desktop portal's
// Inhibit on the session bus; on Windows SetThreadExecutionState with
// ES_CONTINUOUS|ES_SYSTEM_REQUIRED; on macOS a PreventUserIdleSystemSleep
// assertion (through caffeinate -i, which holds exactly that assertion).
package awake

import (
	"errors"
	"log/slog"
	"sync"
)

// Why is the reason Hoist gives the system, shown by tools such as
// `systemd-inhibit --list`.
const Why = "Sending files"

// Hint is what the window says while it keeps the computer awake.
const Hint = "Keeping this computer awake while sending"

// ErrUnsupported means this system offers Hoist no way to stay awake.
var ErrUnsupported = errors.New("keeping the computer awake is not supported here")

// Inhibitor holds off idle system sleep.
type Inhibitor interface {
	// Inhibit asks the system not to sleep when idle until release is
	// called. release must be called exactly once.
	Inhibit(why string) (release func(), err error)
}

// Keeper holds one inhibition while the work it is told about runs. Its
// methods are safe for concurrent use.
type Keeper struct {
	inh Inhibitor
	log *slog.Logger

	mu      sync.Mutex
	enabled bool
	busy    bool
	release func() // non-nil while the inhibition is held
	failed  bool   // the last Inhibit failed (logged once)
}

// NewKeeper returns a keeper over inh, enabled; log may be nil.
func NewKeeper(inh Inhibitor, log *slog.Logger) *Keeper {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return &Keeper{inh: inh, log: log, enabled: true}
}

// SetBusy says whether anything is uploading now: the inhibition is taken
// when it starts and released as soon as it stops.
func (k *Keeper) SetBusy(busy bool) {
	k.mu.Lock()
	defer k.mu.Unlock()
	k.busy = busy
	k.applyLocked()
}

// SetEnabled turns keeping awake on or off (the setting).
func (k *Keeper) SetEnabled(on bool) {
	k.mu.Lock()
	defer k.mu.Unlock()
	k.enabled = on
	k.applyLocked()
}

// Active reports whether the computer is being kept awake now.
func (k *Keeper) Active() bool {
	k.mu.Lock()
	defer k.mu.Unlock()
	return k.release != nil
}

// Close releases the inhibition, if held.
func (k *Keeper) Close() {
	k.SetBusy(false)
}

func (k *Keeper) applyLocked() {
	want := k.enabled && k.busy
	switch {
	case want && k.release == nil:
		release, err := k.inh.Inhibit(Why)
		if err != nil {
			if !k.failed {
				k.log.Warn("cannot keep the computer awake while sending", "error", err)
			}
			k.failed = true
			return
		}
		k.failed = false
		k.release = release
		k.log.Info("keeping the computer awake while sending")
	case !want && k.release != nil:
		k.release()
		k.release = nil
		k.log.Info("no longer keeping the computer awake")
	}
}
