// Package faultproxy is a loopback TCP proxy that injects network faults,
// for tests of code that must survive them: connections reset after a
// number of bytes, links that freeze, and outages.
//
// A Proxy listens on 127.0.0.1 and forwards every accepted connection to one
// target. Faults are set with its methods at any time, from any goroutine.
// "Upstream" is client → target; "downstream" is target → client. Byte
// thresholds count upstream bytes written to the target on one connection,
// and are exact: a connection reset after n bytes has forwarded exactly n.
//
// Accepted connections have a small receive buffer (64 KiB), as a link to a
// distant server has a small window: bytes the proxy has not forwarded wait
// in the client's own socket, not in the proxy's. [Proxy.SetRate] makes
// the link slow as well, and [Proxy.SetLink] emulates a whole wide-area
// link: shared rates each way, a one-way delay and a per-connection cap.
package faultproxy

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"sync"
	"sync/atomic"
	"syscall"
	"time"
)

// dialTimeout bounds the connection to the target.
const dialTimeout = 10 * time.Second

// bufSize is the size of each direction's copy buffer.
const bufSize = 32 << 10

// recvBuf is the receive buffer of accepted connections.
const recvBuf = 64 << 10

// paceChunk is the most bytes forwarded at once on a rate-limited link.
const paceChunk = 16 << 10

// Proxy is a fault-injecting TCP proxy. Create it with [New] and stop it
// with [Proxy.Close]. All methods are safe for concurrent use.
type Proxy struct {
	target string
	ln     net.Listener
	wg     sync.WaitGroup // the accept loop and one per connection

	bytesUp atomic.Int64
	conns   atomic.Int64

	mu         sync.Mutex
	closed     bool
	down       bool
	live       map[*conn]struct{}
	resetAfter int64         // 0: off
	resetNextK int           // connections left that get resetNextN
	resetNextN int64         // bytes before reset for those
	stallNextK int           // connections left that get stallNextN
	stallNextN int64         // bytes before freezing for those
	stall      chan struct{} // non-nil while Stall(true); closed by Stall(false)
	link       Link          // the emulated link; see SetLink

	upRate   pacer // shared by every connection's upstream
	downRate pacer // shared by every connection's downstream
}

// New starts a proxy on 127.0.0.1 with a free port, forwarding to target
// ("host:port"). The target is dialled once per accepted connection, so it
// need not be up yet.
func New(target string) (*Proxy, error) {
	if _, _, err := net.SplitHostPort(target); err != nil {
		return nil, fmt.Errorf("faultproxy: bad target %q: %w", target, err)
	}
	lc := net.ListenConfig{Control: func(_, _ string, c syscall.RawConn) error {
		var serr error
		err := c.Control(func(fd uintptr) { serr = setRecvBuf(fd, recvBuf) })
		return errors.Join(err, serr)
	}}
	ln, err := lc.Listen(context.Background(), "tcp", "127.0.0.1:0")
	if err != nil {
		return nil, fmt.Errorf("faultproxy: listen: %w", err)
	}
	p := &Proxy{target: target, ln: ln, live: make(map[*conn]struct{})}
	p.wg.Add(1)
	go p.acceptLoop()
	return p, nil
}

// Addr returns the proxy's listening address, "127.0.0.1:port".
func (p *Proxy) Addr() string { return p.ln.Addr().String() }

// URL returns "http://" + Addr(), for pointing an HTTP client at the proxy.
func (p *Proxy) URL() string { return "http://" + p.Addr() }

// BytesUp returns the total number of bytes forwarded upstream (client →
// target) on all connections since New. Bytes are counted as they are
// handed to the target's socket, so once the target has received some
// bytes, BytesUp includes them.
func (p *Proxy) BytesUp() int64 { return p.bytesUp.Load() }

// Conns returns the number of client connections accepted since New,
// including those refused by [Proxy.Down].
func (p *Proxy) Conns() int64 { return p.conns.Load() }

// Live returns the number of connections currently open through the proxy.
func (p *Proxy) Live() int {
	p.mu.Lock()
	defer p.mu.Unlock()
	return len(p.live)
}

// SetRate limits the upstream bandwidth, shared by all connections, to
// bytesPerSecond, like a slow uplink; 0 or less removes the limit. It is
// SetLink with only Link.Up changed.
func (p *Proxy) SetRate(bytesPerSecond int64) {
	p.mu.Lock()
	l := p.link
	p.mu.Unlock()
	l.Up = bytesPerSecond
	p.SetLink(l)
}

// ResetAfter makes every new connection reset (a TCP RST to both client
// and target) once n bytes have been forwarded upstream on it. n <= 0
// turns it off. It does not affect connections already open. A pending
// [Proxy.ResetNext] takes precedence for the connections it covers.
func (p *Proxy) ResetAfter(n int64) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.resetAfter = max(n, 0)
}

// ResetNext makes only the next k new connections reset after afterBytes
// upstream bytes; afterBytes <= 0 resets them as soon as they are accepted
// and connected to the target (the client may then see the reset as its
// connect failing, or at its first read or write). It replaces any earlier ResetNext that has
// connections left; k <= 0 cancels it.
func (p *Proxy) ResetNext(k int, afterBytes int64) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.resetNextK, p.resetNextN = max(k, 0), max(afterBytes, 0)
}

// Stall freezes (on) or resumes (off) forwarding in both directions on all
// connections, open or new. While frozen, connections stay open and bytes
// already read are held, not dropped; the kernel buffers fill and senders
// block, like a link that stops carrying packets; a close by either end is
// held too. New connections are still accepted (and then held). Turning it off delivers the held bytes and carries on.
func (p *Proxy) Stall(on bool) {
	p.mu.Lock()
	defer p.mu.Unlock()
	switch {
	case on && p.stall == nil:
		p.stall = make(chan struct{})
	case !on && p.stall != nil:
		close(p.stall)
		p.stall = nil
	}
}

// StallAfter makes the next k new connections freeze in both directions,
// for good, once afterBytes bytes have been forwarded upstream on them
// (afterBytes <= 0: from the start). A frozen connection holds everything,
// including a close by either end, until [Proxy.Down] or [Proxy.Close]
// closes it; Stall(false) does not resume it. It replaces any earlier StallAfter that has connections
// left; k <= 0 cancels it.
func (p *Proxy) StallAfter(afterBytes int64, k int) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.stallNextK, p.stallNextN = max(k, 0), max(afterBytes, 0)
}

// Down simulates a network outage. Turned on, it resets every open
// connection and resets each new one as soon as it is accepted: the client's
// connect succeeds and then the connection is reset, or, if the reset
// arrives first, the connect itself fails with "connection reset by peer".
// A target that cannot be reached has the same effect. Turned off, new connections are
// forwarded again.
func (p *Proxy) Down(on bool) {
	p.mu.Lock()
	p.down = on
	var victims []*conn
	if on {
		victims = p.liveLocked()
	}
	p.mu.Unlock()
	for _, c := range victims {
		c.kill(true)
	}
}

// Close stops the listener, closes every open connection and waits until
// all of the proxy's goroutines have returned. Calling it again returns
// nil.
func (p *Proxy) Close() error {
	p.mu.Lock()
	if p.closed {
		p.mu.Unlock()
		p.wg.Wait()
		return nil
	}
	p.closed = true
	victims := p.liveLocked()
	p.mu.Unlock()

	err := p.ln.Close()
	for _, c := range victims {
		c.kill(false)
	}
	p.wg.Wait()
	if err != nil {
		return fmt.Errorf("faultproxy: close listener: %w", err)
	}
	return nil
}

// liveLocked returns the open connections; p.mu must be held.
func (p *Proxy) liveLocked() []*conn {
	out := make([]*conn, 0, len(p.live))
	for c := range p.live {
		out = append(out, c)
	}
	return out
}

// acceptLoop accepts connections until the listener is closed.
func (p *Proxy) acceptLoop() {
	defer p.wg.Done()
	for {
		nc, err := p.ln.Accept()
		if err != nil {
			if errors.Is(err, net.ErrClosed) {
				return
			}
			// A transient failure such as too many open files: back off.
			time.Sleep(10 * time.Millisecond)
			continue
		}
		p.conns.Add(1)
		client := nc.(*net.TCPConn)

		p.mu.Lock()
		if p.closed || p.down {
			p.mu.Unlock()
			closeTCP(client, true)
			continue
		}
		ctx, cancel := context.WithCancel(context.Background())
		c := &conn{p: p, client: client, ctx: ctx, cancel: cancel, resetAt: -1, stallAt: -1, delay: p.link.Delay}
		c.upCap.setRate(p.link.PerConn)
		c.downCap.setRate(p.link.PerConn)
		switch {
		case p.resetNextK > 0:
			c.resetAt = p.resetNextN
			p.resetNextK--
		case p.resetAfter > 0:
			c.resetAt = p.resetAfter
		}
		if p.stallNextK > 0 {
			c.stallAt = p.stallNextN
			p.stallNextK--
		}
		p.live[c] = struct{}{}
		p.wg.Add(1)
		p.mu.Unlock()
		go c.run()
	}
}

// closeTCP closes c, with an RST instead of a FIN when rst is set.
func closeTCP(c *net.TCPConn, rst bool) {
	if rst {
		_ = c.SetLinger(0)
	}
	_ = c.Close()
}

// conn is one proxied connection.
type conn struct {
	p      *Proxy
	client *net.TCPConn
	server *net.TCPConn // set once dialled, under p.mu

	// ctx is cancelled by kill; its Done channel tells every wait to stop.
	ctx    context.Context
	cancel context.CancelFunc
	once   sync.Once

	resetAt int64       // upstream bytes that trigger a reset; -1: never
	stallAt int64       // upstream bytes that trigger a freeze; -1: never
	up      int64       // upstream bytes forwarded; only forwardUp touches it
	frozen  atomic.Bool // set by StallAfter's threshold or Freeze: no more forwarding

	delay          time.Duration // one-way delay of each direction, fixed at accept
	upCap, downCap pacer         // the per-connection rate cap of each direction
}

// run dials the target and pumps both directions until both end or the
// connection is killed.
func (c *conn) run() {
	defer c.p.wg.Done()
	d := net.Dialer{Timeout: dialTimeout}
	nc, err := d.DialContext(c.ctx, "tcp", c.p.target)
	if err != nil {
		c.kill(true)
		return
	}
	server := nc.(*net.TCPConn)
	c.p.mu.Lock()
	if c.ctx.Err() != nil { // killed while dialling
		c.p.mu.Unlock()
		closeTCP(server, false)
		return
	}
	c.server = server
	c.p.mu.Unlock()

	if c.resetAt == 0 {
		c.kill(true)
		return
	}
	if c.stallAt == 0 {
		c.frozen.Store(true)
	}

	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		c.pipeUp()
	}()
	c.pipeDown()
	wg.Wait()
	c.kill(false)
}

// kill closes both ends (with RST when rst is set), releases every wait
// and forgets the connection. Only the first call has an effect.
func (c *conn) kill(rst bool) {
	c.once.Do(func() {
		c.cancel()
		c.p.mu.Lock()
		delete(c.p.live, c)
		server := c.server
		c.p.mu.Unlock()
		closeTCP(c.client, rst)
		if server != nil {
			closeTCP(server, rst)
		}
	})
}

// wait blocks while forwarding is stalled, globally or for this
// connection. It reports false when the connection has been killed.
func (c *conn) wait() bool {
	for {
		if c.ctx.Err() != nil {
			return false
		}
		if c.frozen.Load() {
			<-c.ctx.Done()
			return false
		}
		c.p.mu.Lock()
		stall := c.p.stall
		c.p.mu.Unlock()
		if stall == nil {
			return true
		}
		select {
		case <-stall:
		case <-c.ctx.Done():
			return false
		}
	}
}

// limit returns how many more upstream bytes may be written before a
// threshold, or -1 when none is pending.
func (c *conn) limit() int64 {
	lim := int64(-1)
	for _, at := range []int64{c.resetAt, c.stallAt} {
		if at > c.up && (lim < 0 || at-c.up < lim) {
			lim = at - c.up
		}
	}
	return lim
}

// pipeUp copies client → target over the emulated link, applying the
// byte thresholds.
func (c *conn) pipeUp() {
	c.pipe(c.client, &c.p.upRate, &c.upCap, c.forwardUp, func(err error) { c.finish(err, c.server) })
}

// pipeDown copies target → client over the emulated link.
func (c *conn) pipeDown() {
	c.pipe(c.server, &c.p.downRate, &c.downCap, c.forwardDown, func(err error) { c.finish(err, c.client) })
}

// pipe reads from src and hands each chunk to forward once the link's
// rates allow it and its one-way delay has passed; end is called after the
// last chunk with the read error that ended src. With a delay, chunks wait
// in a queue served by a second goroutine, so the link carries the next
// chunks meanwhile (a full pipe, as on a real long path).
func (c *conn) pipe(src *net.TCPConn, shared, own *pacer, forward func([]byte) bool, end func(error)) {
	var q *delayQueue
	if c.delay > 0 {
		q = newDelayQueue(c, forward, end)
		defer q.close()
	}
	buf := make([]byte, bufSize)
	for {
		n, rerr := src.Read(buf)
		data := buf[:n]
		for len(data) > 0 {
			if !c.wait() {
				return
			}
			chunk := data
			if shared.limited() || own.limited() {
				chunk = chunk[:min(len(chunk), paceChunk)]
				now := time.Now()
				due := shared.take(now, len(chunk))
				if d := own.take(now, len(chunk)); d.After(due) {
					due = d
				}
				if !c.sleepUntil(due) {
					return
				}
			}
			data = data[len(chunk):]
			if q != nil {
				if !q.push(chunk, time.Now().Add(c.delay)) {
					return
				}
				continue
			}
			if !forward(chunk) {
				return
			}
		}
		if rerr != nil {
			if q != nil {
				q.end(rerr, time.Now().Add(c.delay))
				return
			}
			end(rerr)
			return
		}
	}
}

// forwardUp writes chunk to the target, cutting it at a reset or freeze
// threshold. It reports false when the connection is over.
func (c *conn) forwardUp(chunk []byte) bool {
	for len(chunk) > 0 {
		if !c.wait() {
			return false
		}
		part := chunk
		if lim := c.limit(); lim >= 0 && int64(len(part)) > lim {
			part = part[:lim]
		}
		// Count before writing, so that a reader who has seen the bytes
		// arrive also sees them counted; take back what was not sent.
		c.p.bytesUp.Add(int64(len(part)))
		w, werr := c.server.Write(part)
		c.p.bytesUp.Add(int64(w - len(part)))
		c.up += int64(w)
		chunk = chunk[w:]
		if werr != nil {
			c.kill(true)
			return false
		}
		if c.up == c.resetAt {
			c.kill(true)
			return false
		}
		if c.up == c.stallAt {
			c.frozen.Store(true)
		}
	}
	return true
}

// forwardDown writes chunk to the client.
func (c *conn) forwardDown(chunk []byte) bool {
	if !c.wait() {
		return false
	}
	if _, werr := c.client.Write(chunk); werr != nil {
		c.kill(true)
		return false
	}
	return true
}

// finish ends one direction after a read error: a clean EOF is passed on
// as a half-close of the other end (held back while stalled); anything
// else kills the connection.
func (c *conn) finish(rerr error, to *net.TCPConn) {
	if !errors.Is(rerr, io.EOF) {
		c.kill(true)
		return
	}
	if c.wait() {
		_ = to.CloseWrite()
	}
}
