package signin

import (
	"context"
	"crypto/subtle"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"time"
)

// callbackPath is the redirect URI's path on the loopback listener.
const callbackPath = "/callback"

// callback is one authorization answer with the right state, handed from
// the listener's handler goroutine to the sign-in goroutine, which always
// sends exactly one page back on reply (buffered).
type callback struct {
	code    string
	errCode string
	errDesc string
	errURI  string
	reply   chan page
}

// loopback is the one-shot redirect listener of RFC 8252 §7.3 on
// 127.0.0.1 with an OS-assigned port.
type loopback struct {
	srv         *http.Server
	redirectURL string
	host        string // "127.0.0.1:<port>", the only Host accepted
	state       string
	issuer      string
	calls       chan callback
	done        chan struct{}
}

// listenLoopback starts serving on 127.0.0.1:0. The caller must call close.
func listenLoopback(port int, state, issuer string, log *slog.Logger) (*loopback, error) {
	ln, err := net.Listen("tcp4", "127.0.0.1:"+strconv.Itoa(port))
	if err != nil {
		return nil, fmt.Errorf("listen on 127.0.0.1: %w", err)
	}
	port = ln.Addr().(*net.TCPAddr).Port
	host := "127.0.0.1:" + strconv.Itoa(port)
	l := &loopback{
		redirectURL: "http://" + host + callbackPath,
		host:        host,
		state:       state,
		issuer:      issuer,
		calls:       make(chan callback),
		done:        make(chan struct{}),
	}
	l.srv = &http.Server{
		Handler:           l,
		ReadHeaderTimeout: 10 * time.Second,
		ErrorLog:          slog.NewLogLogger(log.Handler(), slog.LevelDebug),
	}
	go func() { _ = l.srv.Serve(ln) }() // returns ErrServerClosed on close
	return l, nil
}

// ServeHTTP answers 421 to a request for any host but 127.0.0.1:<port> (a
// page whose own name was made to point at 127.0.0.1, DNS rebinding, must
// not reach the callback), 404 off the callback path, 400 for a callback
// with a wrong or missing state (ignored: the real one may still come), and
// otherwise passes the callback to the sign-in and shows its result.
func (l *loopback) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.Host != l.host {
		http.Error(w, "this address only answers to "+l.host, http.StatusMisdirectedRequest)
		return
	}
	if r.URL.Path != callbackPath {
		http.NotFound(w, r)
		return
	}
	if r.Method != http.MethodGet { // only a browser's navigation may use the callback up
		w.Header().Set("Allow", "GET")
		http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
		return
	}
	q := r.URL.Query()
	if !l.ours(q) {
		writePage(w, pageStaleLink)
		return
	}
	cb := callback{
		code:    q.Get("code"),
		errCode: q.Get("error"),
		errDesc: q.Get("error_description"),
		errURI:  q.Get("error_uri"),
		reply:   make(chan page, 1),
	}
	if cb.code == "" && cb.errCode == "" {
		writePage(w, pageBadCallback)
		return
	}
	select {
	case l.calls <- cb:
		writePage(w, <-cb.reply)
	case <-l.done:
		writePage(w, pageFinished)
	}
}

// ours reports whether the answer belongs to this sign-in: same state and,
// when the provider names itself (RFC 9207 iss), the expected issuer.
func (l *loopback) ours(q url.Values) bool {
	if subtle.ConstantTimeCompare([]byte(q.Get("state")), []byte(l.state)) != 1 {
		return false
	}
	iss, named := q["iss"]
	return !named || (len(iss) == 1 && iss[0] == l.issuer)
}

// close stops accepting connections at once and gives a handler that is
// still writing its page a moment to finish.
func (l *loopback) close() {
	close(l.done)
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	if err := l.srv.Shutdown(ctx); err != nil {
		_ = l.srv.Close()
	}
}
