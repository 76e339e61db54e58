package s3store_test

import (
	"context"
	"net"
	"strings"
	"testing"
	"time"

	"hoist/uploader"
	"hoist/uploader/s3store"
)

// nxdomain runs a DNS server on 127.0.0.1 that answers every query "no such
// name" until the test ends, and returns a resolver that asks it. (Swapping
// net.DefaultResolver instead races with goroutines other tests left.)
func nxdomain(t *testing.T) *net.Resolver {
	t.Helper()
	pc, err := net.ListenPacket("udp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	go func() {
		buf := make([]byte, 512)
		for {
			n, addr, err := pc.ReadFrom(buf)
			if err != nil {
				return
			}
			if n < 12 {
				continue
			}
			reply := append([]byte(nil), buf[:n]...)
			reply[2], reply[3] = 0x81, 0x83 // response, recursion; RCODE 3: NXDOMAIN
			pc.WriteTo(reply, addr)
		}
	}()
	t.Cleanup(func() { pc.Close() })
	return &net.Resolver{PreferGo: true, Dial: func(ctx context.Context, _, _ string) (net.Conn, error) {
		var d net.Dialer
		return d.DialContext(ctx, "udp", pc.LocalAddr().String())
	}}
}

// A server name that does not resolve (a mistyped endpoint, or a network
// that answers so while offline) is waited out like an outage, and the
// job's note names the server and who can fix the address.
func TestUnknownHostIsWaitedOutWithAHint(t *testing.T) {
	resolver := nxdomain(t)
	store := newStore(t, func(o *s3store.Options) {
		o.Endpoint, o.Resolver = "http://storage.hoist-test.invalid:9000", resolver
	})
	r := newRig(t, store, func(o *uploader.Options) { o.MaxFailures = 2 })
	added, err := r.engine.Enqueue(context.Background(), r.prefix, r.file("dns.txt", 10))
	if err != nil {
		t.Fatal(err)
	}
	id := added.IDs[0]
	const want = `Can't find the server "storage.hoist-test.invalid"`
	waitFor(t, "the note", func() bool { return strings.Contains(jobOf(r, id).Note, want) })
	time.Sleep(200 * time.Millisecond) // more tries than MaxFailures
	if s := jobOf(r, id); s.State.Final() {
		t.Fatalf("the job ended: %s %s", s.State, s.Detail)
	}
}
