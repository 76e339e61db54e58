package s3store

import (
	"context"
	"net"
	"sync"

	"hoist/uploader"
)

var _ uploader.ConnectionResetter = (*Store)(nil)

// ResetConnections closes every connection the store has open, idle or
// busy: after a wake from sleep or a change of network they are most
// likely dead, and a dead idle connection would hang the next request
// until a timeout. Requests on them fail and are retried on new ones.
func (s *Store) ResetConnections() { s.conns.closeAll() }

// connTracker remembers the connections a transport dialled, so that they
// can all be closed at once (http.Transport closes only idle ones).
type connTracker struct {
	mu    sync.Mutex
	conns map[*trackedConn]struct{}
}

type dialFunc func(ctx context.Context, network, addr string) (net.Conn, error)

// wrap returns dial with every connection it makes tracked.
func (t *connTracker) wrap(dial dialFunc) dialFunc {
	if dial == nil {
		var d net.Dialer
		dial = d.DialContext
	}
	return func(ctx context.Context, network, addr string) (net.Conn, error) {
		c, err := dial(ctx, network, addr)
		if err != nil {
			return nil, err
		}
		tc := &trackedConn{Conn: c, t: t}
		t.mu.Lock()
		if t.conns == nil {
			t.conns = map[*trackedConn]struct{}{}
		}
		t.conns[tc] = struct{}{}
		t.mu.Unlock()
		return tc, nil
	}
}

// closeAll closes every tracked connection.
func (t *connTracker) closeAll() {
	t.mu.Lock()
	all := make([]*trackedConn, 0, len(t.conns))
	for c := range t.conns {
		all = append(all, c)
	}
	t.mu.Unlock()
	for _, c := range all {
		_ = c.Close()
	}
}

// trackedConn forgets itself when closed.
type trackedConn struct {
	net.Conn
	t    *connTracker
	once sync.Once
}

func (c *trackedConn) Close() error {
	c.once.Do(func() {
		c.t.mu.Lock()
		delete(c.t.conns, c)
		c.t.mu.Unlock()
	})
	return c.Conn.Close()
}
