package faultproxy

import (
	"bytes"
	"errors"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"
)

// echoServer starts a TCP server that echoes every connection back. It is
// stopped, and its goroutines waited for, when the test ends.
func echoServer(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	var mu sync.Mutex
	var conns []net.Conn
	wg.Add(1)
	go func() {
		defer wg.Done()
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			mu.Lock()
			conns = append(conns, c)
			mu.Unlock()
			wg.Add(1)
			go func() {
				defer wg.Done()
				defer c.Close()
				_, _ = io.Copy(c, c)
			}()
		}
	}()
	t.Cleanup(func() {
		ln.Close()
		mu.Lock()
		for _, c := range conns {
			c.Close()
		}
		mu.Unlock()
		wg.Wait()
	})
	return ln.Addr().String()
}

// newProxy starts a proxy to target, closed when the test ends.
func newProxy(t *testing.T, target string) *Proxy {
	t.Helper()
	p, err := New(target)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := p.Close(); err != nil {
			t.Errorf("Close: %v", err)
		}
	})
	return p
}

// dial connects to the proxy; the connection is closed when the test ends.
func dial(t *testing.T, p *Proxy) net.Conn {
	t.Helper()
	c, err := net.Dial("tcp", p.Addr())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	return c
}

// roundTrip writes msg and reads the echo, failing the test on any error.
func roundTrip(t *testing.T, c net.Conn, msg string) {
	t.Helper()
	_ = c.SetDeadline(time.Now().Add(5 * time.Second))
	if _, err := io.WriteString(c, msg); err != nil {
		t.Fatalf("write: %v", err)
	}
	buf := make([]byte, len(msg))
	if _, err := io.ReadFull(c, buf); err != nil {
		t.Fatalf("read echo: %v", err)
	}
	if string(buf) != msg {
		t.Fatalf("echo = %q, want %q", buf, msg)
	}
	_ = c.SetDeadline(time.Time{})
}

// readUntilError reads (discarding data) until an error, which it returns.
func readUntilError(t *testing.T, c net.Conn) error {
	t.Helper()
	_ = c.SetReadDeadline(time.Now().Add(5 * time.Second))
	buf := make([]byte, 4096)
	for {
		if _, err := c.Read(buf); err != nil {
			return err
		}
	}
}

// wantReset fails unless err is a connection reset.
func wantReset(t *testing.T, err error) {
	t.Helper()
	if !errors.Is(err, syscall.ECONNRESET) {
		t.Fatalf("want connection reset, got %v", err)
	}
}

// wantTimeout fails unless err is a deadline timeout.
func wantTimeout(t *testing.T, err error) {
	t.Helper()
	if !errors.Is(err, os.ErrDeadlineExceeded) {
		t.Fatalf("want timeout, got %v", err)
	}
}

// wantResetOnConnect dials the proxy and fails unless the connection is
// reset: either already at connect (when the RST beats the dialer's check
// of the socket) or at the first read.
func wantResetOnConnect(t *testing.T, p *Proxy) {
	t.Helper()
	c, err := net.Dial("tcp", p.Addr())
	if err == nil {
		defer c.Close()
		err = readUntilError(t, c)
	}
	wantReset(t, err)
}

func TestNewRejectsBadTarget(t *testing.T) {
	if _, err := New("no-port"); err == nil {
		t.Fatal("New accepted a target without a port")
	}
}

func TestForwards(t *testing.T) {
	p := newProxy(t, echoServer(t))
	if !strings.HasPrefix(p.URL(), "http://127.0.0.1:") || p.URL() != "http://"+p.Addr() {
		t.Errorf("URL = %q, Addr = %q", p.URL(), p.Addr())
	}
	c := dial(t, p)
	roundTrip(t, c, "hello")
	roundTrip(t, c, strings.Repeat("x", 200<<10))
	if got, want := p.BytesUp(), int64(5+200<<10); got != want {
		t.Errorf("BytesUp = %d, want %d", got, want)
	}
	if p.Conns() != 1 || p.Live() != 1 {
		t.Errorf("Conns = %d, Live = %d; want 1, 1", p.Conns(), p.Live())
	}
}

func TestHalfClose(t *testing.T) {
	p := newProxy(t, echoServer(t))
	c := dial(t, p).(*net.TCPConn)
	if _, err := io.WriteString(c, "bye"); err != nil {
		t.Fatal(err)
	}
	if err := c.CloseWrite(); err != nil {
		t.Fatal(err)
	}
	_ = c.SetReadDeadline(time.Now().Add(5 * time.Second))
	got, err := io.ReadAll(c) // the echo, then EOF passed through
	if err != nil || string(got) != "bye" {
		t.Fatalf("ReadAll = %q, %v", got, err)
	}
}

func TestResetAfter(t *testing.T) {
	p := newProxy(t, echoServer(t))
	p.ResetAfter(10)
	for i := range 2 { // every new connection
		c := dial(t, p)
		if _, err := c.Write(make([]byte, 100)); err != nil {
			t.Fatal(err)
		}
		wantReset(t, readUntilError(t, c))
		if got, want := p.BytesUp(), int64(10*(i+1)); got != want {
			t.Errorf("BytesUp = %d, want exactly %d", got, want)
		}
	}
	p.ResetAfter(0)
	roundTrip(t, dial(t, p), strings.Repeat("y", 1000))
}

func TestResetAfterAppliesToNewConnectionsOnly(t *testing.T) {
	p := newProxy(t, echoServer(t))
	old := dial(t, p)
	roundTrip(t, old, "before")
	p.ResetAfter(1)
	roundTrip(t, old, "after, still fine")
}

func TestResetNext(t *testing.T) {
	p := newProxy(t, echoServer(t))
	p.ResetNext(2, 0)
	for range 2 {
		wantResetOnConnect(t, p)
	}
	roundTrip(t, dial(t, p), "third works")
	if p.BytesUp() != int64(len("third works")) {
		t.Errorf("BytesUp = %d", p.BytesUp())
	}
}

func TestResetNextTakesPrecedence(t *testing.T) {
	p := newProxy(t, echoServer(t))
	p.ResetAfter(1 << 20)
	p.ResetNext(1, 3)
	c := dial(t, p)
	_, _ = c.Write([]byte("abcdef"))
	wantReset(t, readUntilError(t, c))
	if p.BytesUp() != 3 {
		t.Errorf("BytesUp = %d, want 3", p.BytesUp())
	}
	// Back to ResetAfter's 1 MiB.
	roundTrip(t, dial(t, p), "ok")
}

// An HTTP upload through a resetting proxy fails; the next succeeds, and
// the server sees the whole body.
func TestResetHTTPUpload(t *testing.T) {
	var got atomic.Int64
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		n, err := io.Copy(io.Discard, r.Body)
		if err != nil {
			return
		}
		got.Store(n)
		w.WriteHeader(http.StatusNoContent)
	}))
	t.Cleanup(srv.Close)
	p := newProxy(t, srv.Listener.Addr().String())
	client := &http.Client{Transport: &http.Transport{}}
	t.Cleanup(client.CloseIdleConnections)

	body := bytes.Repeat([]byte("z"), 4<<20)
	put := func() error {
		req, err := http.NewRequest(http.MethodPut, p.URL()+"/obj", bytes.NewReader(body))
		if err != nil {
			return err
		}
		resp, err := client.Do(req)
		if err != nil {
			return err
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusNoContent {
			return errors.New(resp.Status)
		}
		return nil
	}
	p.ResetNext(1, 64<<10)
	if err := put(); err == nil {
		t.Fatal("upload through a reset succeeded")
	}
	if p.BytesUp() != 64<<10 {
		t.Errorf("BytesUp after reset = %d, want %d", p.BytesUp(), 64<<10)
	}
	if err := put(); err != nil {
		t.Fatalf("upload after the reset: %v", err)
	}
	if got.Load() != int64(len(body)) {
		t.Errorf("server got %d bytes, want %d", got.Load(), len(body))
	}
}

func TestStall(t *testing.T) {
	p := newProxy(t, echoServer(t))
	c := dial(t, p)
	roundTrip(t, c, "warm")

	p.Stall(true)
	p.Stall(true) // idempotent
	if _, err := io.WriteString(c, "held"); err != nil {
		t.Fatal(err)
	}
	_ = c.SetReadDeadline(time.Now().Add(200 * time.Millisecond))
	_, err := c.Read(make([]byte, 10))
	wantTimeout(t, err)
	if p.Live() != 1 {
		t.Errorf("stalled connection closed: Live = %d", p.Live())
	}

	p.Stall(false)
	p.Stall(false)
	_ = c.SetReadDeadline(time.Now().Add(5 * time.Second))
	buf := make([]byte, 4)
	if _, err := io.ReadFull(c, buf); err != nil || string(buf) != "held" {
		t.Fatalf("after resume: %q, %v", buf, err)
	}
}

// A stall makes an HTTP client with a deadline time out.
func TestStallHTTPTimeout(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.WriteString(w, "ok")
	}))
	t.Cleanup(srv.Close)
	p := newProxy(t, srv.Listener.Addr().String())
	client := &http.Client{Timeout: 300 * time.Millisecond, Transport: &http.Transport{}}
	t.Cleanup(client.CloseIdleConnections)

	p.Stall(true)
	_, err := client.Get(p.URL())
	var ne net.Error
	if !errors.As(err, &ne) || !ne.Timeout() {
		t.Fatalf("GET through a stall: want a timeout, got %v", err)
	}
	p.Stall(false)
	resp, err := client.Get(p.URL())
	if err != nil {
		t.Fatalf("GET after the stall: %v", err)
	}
	resp.Body.Close()
}

func TestStallAfter(t *testing.T) {
	p := newProxy(t, echoServer(t))
	p.StallAfter(5, 1)
	c := dial(t, p)
	if _, err := io.WriteString(c, "0123456789"); err != nil {
		t.Fatal(err)
	}
	_ = c.SetReadDeadline(time.Now().Add(300 * time.Millisecond))
	_, err := io.ReadFull(c, make([]byte, 10))
	wantTimeout(t, err)
	if p.BytesUp() != 5 {
		t.Errorf("BytesUp = %d, want exactly 5", p.BytesUp())
	}
	// Resuming the global stall does not thaw it.
	p.Stall(false)
	_ = c.SetReadDeadline(time.Now().Add(200 * time.Millisecond))
	_, err = io.ReadFull(c, make([]byte, 10))
	wantTimeout(t, err)

	// Only k connections are affected.
	roundTrip(t, dial(t, p), "next one is fine")

	// Down closes the frozen one.
	p.Down(true)
	wantReset(t, readUntilError(t, c))
}

func TestStallAfterFromStart(t *testing.T) {
	p := newProxy(t, echoServer(t))
	p.StallAfter(0, 1)
	c := dial(t, p)
	_, _ = io.WriteString(c, "x")
	_ = c.SetReadDeadline(time.Now().Add(200 * time.Millisecond))
	_, err := c.Read(make([]byte, 1))
	wantTimeout(t, err)
	if p.BytesUp() != 0 {
		t.Errorf("BytesUp = %d, want 0", p.BytesUp())
	}
}

func TestDown(t *testing.T) {
	p := newProxy(t, echoServer(t))
	open := dial(t, p)
	roundTrip(t, open, "up")

	p.Down(true)
	wantReset(t, readUntilError(t, open)) // existing connections are reset
	wantResetOnConnect(t, p)              // new ones too
	client := &http.Client{Transport: &http.Transport{}}
	t.Cleanup(client.CloseIdleConnections)
	if _, err := client.Get(p.URL()); err == nil {
		t.Error("HTTP GET through a down proxy succeeded")
	}
	if p.Live() != 0 {
		t.Errorf("Live = %d while down", p.Live())
	}
	if p.Conns() < 3 {
		t.Errorf("Conns = %d, want refused connections counted", p.Conns())
	}

	p.Down(false)
	roundTrip(t, dial(t, p), "back up")
}

func TestTargetDown(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	p := newProxy(t, ln.Addr().String())
	ln.Close() // nothing listens there now (closed after New, so the proxy cannot get its port)
	wantResetOnConnect(t, p)
}

// proxyGoroutines returns the stacks of goroutines running the proxy's
// code; with blockedOnly, only those parked (waiting on I/O, a channel or
// a lock) rather than runnable — a goroutine that has called its final
// wg.Done may still be runnable on its way out.
func proxyGoroutines(blockedOnly bool) []string {
	buf := make([]byte, 1<<20)
	buf = buf[:runtime.Stack(buf, true)]
	var out []string
	for _, g := range strings.Split(string(buf), "\n\n") {
		if !strings.Contains(g, "faultproxy.(*Proxy)") && !strings.Contains(g, "faultproxy.(*conn)") {
			continue
		}
		header, _, _ := strings.Cut(g, "\n")
		if blockedOnly && (strings.Contains(header, "[runnable") || strings.Contains(header, "[running")) {
			continue
		}
		out = append(out, g)
	}
	return out
}

func TestCloseLeavesNoGoroutines(t *testing.T) {
	before := runtime.NumGoroutine()
	func() {
		// Everything here, servers included, is closed before counting.
		echo := echoServerNoCleanup(t)
		defer echo.close()
		p, err := New(echo.addr)
		if err != nil {
			t.Fatal(err)
		}
		var clients []net.Conn
		for range 3 {
			c, err := net.Dial("tcp", p.Addr())
			if err != nil {
				t.Fatal(err)
			}
			clients = append(clients, c)
			roundTrip(t, c, "hi")
		}
		p.StallAfter(1, 1)
		c, err := net.Dial("tcp", p.Addr())
		if err != nil {
			t.Fatal(err)
		}
		clients = append(clients, c)
		_, _ = io.WriteString(c, "frozen")
		p.Stall(true) // and a global stall holding the others
		_, _ = io.WriteString(clients[0], "held")

		if err := p.Close(); err != nil {
			t.Fatalf("Close: %v", err)
		}
		// Close waited for its goroutines: none may still be parked.
		if left := proxyGoroutines(true); len(left) != 0 {
			t.Errorf("%d proxy goroutines still blocked after Close:\n%s", len(left), strings.Join(left, "\n\n"))
		}
		if err := p.Close(); err != nil {
			t.Errorf("second Close: %v", err)
		}
		if c, err := net.Dial("tcp", p.Addr()); err == nil {
			c.Close()
			t.Error("proxy still accepts after Close")
		}
		for _, c := range clients {
			c.Close()
		}
	}()
	// Settle: goroutines on their way out finish, and the servers' and
	// runtime's wind down too.
	var now int
	var left []string
	for range 500 {
		now, left = runtime.NumGoroutine(), proxyGoroutines(false)
		if now <= before && len(left) == 0 {
			return
		}
		time.Sleep(10 * time.Millisecond)
	}
	t.Errorf("goroutines: %d before, %d after Close; proxy goroutines left:\n%s", before, now, strings.Join(left, "\n\n"))
}

// echo is an echo server the test closes itself.
type echo struct {
	addr  string
	close func()
}

// echoServerNoCleanup is echoServer with an explicit close.
func echoServerNoCleanup(t *testing.T) echo {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	var mu sync.Mutex
	var conns []net.Conn
	wg.Add(1)
	go func() {
		defer wg.Done()
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			mu.Lock()
			conns = append(conns, c)
			mu.Unlock()
			wg.Add(1)
			go func() {
				defer wg.Done()
				defer c.Close()
				_, _ = io.Copy(c, c)
			}()
		}
	}()
	return echo{addr: ln.Addr().String(), close: func() {
		ln.Close()
		mu.Lock()
		for _, c := range conns {
			c.Close()
		}
		mu.Unlock()
		wg.Wait()
	}}
}

func TestConcurrentFaults(t *testing.T) {
	p := newProxy(t, echoServer(t))
	var wg sync.WaitGroup
	stop := make(chan struct{})
	wg.Add(1)
	go func() { // flip faults while traffic flows
		defer wg.Done()
		for i := 0; ; i++ {
			select {
			case <-stop:
				p.Stall(false)
				p.Down(false)
				return
			default:
			}
			p.Stall(i%3 == 0)
			p.ResetAfter(int64(i % 5000))
			p.ResetNext(i%2, int64(i%100))
			p.StallAfter(int64(i%700), i%2)
			p.Down(i%7 == 0)
			time.Sleep(time.Millisecond)
		}
	}()
	for w := range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for range 30 {
				c, err := net.Dial("tcp", p.Addr())
				if err != nil {
					continue
				}
				_ = c.SetDeadline(time.Now().Add(50 * time.Millisecond))
				_, _ = c.Write(bytes.Repeat([]byte{byte(w)}, 4096))
				_, _ = c.Read(make([]byte, 4096))
				c.Close()
			}
		}()
	}
	time.Sleep(300 * time.Millisecond)
	close(stop)
	wg.Wait()
}

// A rate-limited link forwards bytes a little at a time, all connections
// sharing the rate; removing the limit lets the rest through at once.
func TestSetRate(t *testing.T) {
	p := newProxy(t, echoServer(t))
	p.SetRate(256 << 10) // 1 MiB takes about 4 s
	const total = 1 << 20
	conns := []net.Conn{dial(t, p), dial(t, p)}
	var wg sync.WaitGroup
	for _, c := range conns {
		wg.Add(2)
		go func() { defer wg.Done(); _, _ = c.Write(make([]byte, total/2)) }()
		go func() { defer wg.Done(); _, _ = io.CopyN(io.Discard, c, total/2) }()
	}
	deadline := time.Now().Add(10 * time.Second)
	for p.BytesUp() == 0 && time.Now().Before(deadline) {
		time.Sleep(time.Millisecond)
	}
	if got := p.BytesUp(); got == 0 || got >= total {
		t.Fatalf("forwarded %d of %d bytes at once; want some, not all", got, total)
	}
	p.SetRate(0)
	wg.Wait()
	if got := p.BytesUp(); got != total {
		t.Fatalf("forwarded %d bytes, want %d", got, total)
	}
}
