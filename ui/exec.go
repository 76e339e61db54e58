package ui

import "sync"

// serial runs functions one at a time, in the order given, on a goroutine
// of its own; do never blocks. The window sends engine commands through
// it, so that Pause then Resume reach the engine in that order.
type serial struct {
	mu      sync.Mutex
	pending []func()
	running bool
}

// do queues fn.
func (s *serial) do(fn func()) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.pending = append(s.pending, fn)
	if !s.running {
		s.running = true
		go s.drain()
	}
}

func (s *serial) drain() {
	for {
		s.mu.Lock()
		if len(s.pending) == 0 {
			s.running = false
			s.mu.Unlock()
			return
		}
		fn := s.pending[0]
		s.pending[0] = nil
		s.pending = s.pending[1:]
		s.mu.Unlock()
		fn()
	}
}
