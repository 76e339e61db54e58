//go:build windows

package awake

import (
	"fmt"
	"runtime"

	"golang.org/x/sys/windows"
)

var setThreadExecutionState = windows.NewLazySystemDLL("kernel32.dll").NewProc("SetThreadExecutionState")

const (
	esContinuous     = 0x80000000
	esSystemRequired = 0x00000001
)

// New returns the system's inhibitor: SetThreadExecutionState.
func New() Inhibitor { return executionState{} }

// executionState holds ES_SYSTEM_REQUIRED. The state belongs to the thread
// that set it, so one goroutine locked to its thread sets it, waits, and
// clears it.
type executionState struct{}

// Inhibit implements Inhibitor.
func (executionState) Inhibit(string) (func(), error) {
	started := make(chan error, 1)
	stop := make(chan struct{})
	done := make(chan struct{})
	go func() {
		defer close(done)
		runtime.LockOSThread()
		defer runtime.UnlockOSThread()
		if r, _, err := setThreadExecutionState.Call(esContinuous | esSystemRequired); r == 0 {
			started <- fmt.Errorf("SetThreadExecutionState: %w", err)
			return
		}
		started <- nil
		<-stop
		_, _, _ = setThreadExecutionState.Call(esContinuous)
	}()
	if err := <-started; err != nil {
		return nil, err
	}
	return func() { close(stop); <-done }, nil
}
