package uploader

import (
	"context"
	"slices"
	"sync"
	"testing"
	"time"
)

// NetWatch reports a jump of the wall clock past the monotonic clock as a
// wake from sleep, and a new set of addresses as a network change; quiet
// checks report nothing.
func TestNetWatch(t *testing.T) {
	var mu sync.Mutex
	offset := time.Duration(0)
	addrs := []string{"192.0.2.10/24"}
	got := make(chan string, 10)
	w := NetWatch{
		Interval: 10 * time.Millisecond,
		Wall: func() time.Time {
			mu.Lock()
			defer mu.Unlock()
			return time.Now().Round(0).Add(offset)
		},
		Addrs: func() ([]string, error) {
			mu.Lock()
			defer mu.Unlock()
			return slices.Clone(addrs), nil
		},
		OnChange: func(reason string) { got <- reason },
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { defer close(done); w.Run(ctx) }()
	defer func() { cancel(); <-done }()

	expect := func(want string) {
		t.Helper()
		select {
		case r := <-got:
			if r != want {
				t.Fatalf("reported %q, want %q", r, want)
			}
		case <-time.After(5 * time.Second):
			t.Fatalf("nothing reported, want %q", want)
		}
	}
	quiet := func() {
		t.Helper()
		select {
		case r := <-got:
			t.Fatalf("reported %q with nothing changed", r)
		case <-time.After(100 * time.Millisecond):
		}
	}
	quiet()
	mu.Lock()
	offset = time.Hour // the laptop slept an hour
	mu.Unlock()
	expect("woke from sleep")
	quiet()
	mu.Lock()
	addrs = []string{"198.51.100.7/24"} // Wi-Fi → cable
	mu.Unlock()
	expect("network addresses changed")
	quiet()
}
