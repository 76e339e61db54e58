// Package instance keeps one Hoist window per user and data folder: the
// first Hoist listens on a local endpoint that only the user can open (a
// Unix socket in a private folder; a named pipe with the user's own
// access list on Windows), and a second launch hands it its invitation
// link or files and exits. The CLI uses the same endpoint to hand `send`
// to a running window. It imports no Fyne.
package instance

import (
	"bufio"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"path/filepath"
	"sync"
	"time"
)

// ProtocolVersion is the version of Message this Hoist speaks.
const ProtocolVersion = 1

// Message is what a second launch hands to the running Hoist.
type Message struct {
	// Version is ProtocolVersion.
	Version int `json:"v"`
	// Ping only asks whether a window is there.
	Ping bool `json:"ping,omitempty"`
	// Join is a descriptor URL from an invitation link: the window asks
	// the customer to confirm it.
	Join string `json:"join,omitempty"`
	// Open are files and folders (absolute paths) to upload.
	Open []string `json:"open,omitempty"`
	// Raise brings the window to the front.
	Raise bool `json:"raise,omitempty"`
}

// Reply is the running Hoist's answer.
type Reply struct {
	// OK says the message was taken.
	OK bool `json:"ok"`
	// Message says in plain words what happens next.
	Message string `json:"message,omitempty"`
}

// ErrRunning is returned by Listen when another Hoist already listens.
var ErrRunning = errors.New("another Hoist is running")

// ErrNotRunning is returned by Send when no Hoist listens.
var ErrNotRunning = errors.New("no Hoist is running")

// maxMessage caps one message (a long list of dropped files).
const maxMessage = 4 << 20

// ioTimeout caps a conversation on the endpoint.
const ioTimeout = 10 * time.Second

// key is the endpoint's name for a data folder: one window per user and
// data folder (the journal's unit).
func key(dataDir string) string {
	abs, err := filepath.Abs(dataDir)
	if err != nil {
		abs = dataDir
	}
	sum := sha256.Sum256([]byte(filepath.Clean(abs)))
	return hex.EncodeToString(sum[:8])
}

// Handler handles one message; it is called on a goroutine of the server
// and must return soon (hand the work to the window).
type Handler func(Message) Reply

// Server is the running Hoist's endpoint.
type Server struct {
	l       net.Listener
	handle  Handler
	wg      sync.WaitGroup
	once    sync.Once
	cleanup func()
}

// Listen makes this process the running Hoist for dataDir, serving handle.
// It returns ErrRunning (wrapped) when another Hoist answers there. A stale
// endpoint left by a crash is replaced.
func Listen(dataDir string, handle Handler) (*Server, error) {
	l, cleanup, err := listen(key(dataDir))
	if err != nil {
		return nil, err
	}
	s := &Server{l: l, handle: handle, cleanup: cleanup}
	s.wg.Add(1)
	go s.serve()
	return s, nil
}

// Close stops listening and waits for conversations in progress.
func (s *Server) Close() error {
	var err error
	s.once.Do(func() {
		err = s.l.Close()
		s.wg.Wait()
		if s.cleanup != nil {
			s.cleanup()
		}
	})
	return err
}

func (s *Server) serve() {
	defer s.wg.Done()
	for {
		c, err := s.l.Accept()
		if err != nil {
			if errors.Is(err, net.ErrClosed) {
				return
			}
			time.Sleep(50 * time.Millisecond)
			continue
		}
		s.wg.Add(1)
		go func() {
			defer s.wg.Done()
			s.converse(c)
		}()
	}
}

func (s *Server) converse(c net.Conn) {
	defer c.Close()
	_ = c.SetDeadline(time.Now().Add(ioTimeout))
	if !peerIsUser(c) {
		return
	}
	line, err := bufio.NewReaderSize(c, 64<<10).ReadSlice('\n')
	if err != nil && !errors.Is(err, bufio.ErrBufferFull) {
		return
	}
	var m Message
	var r Reply
	if len(line) > maxMessage || json.Unmarshal(line, &m) != nil {
		r = Reply{Message: "Hoist could not read the request."}
	} else if m.Version != ProtocolVersion {
		r = Reply{Message: fmt.Sprintf("The running Hoist is a different version (protocol %d, not %d). Quit it and open Hoist again.", ProtocolVersion, m.Version)}
	} else if m.Ping {
		r = Reply{OK: true}
	} else {
		r = s.handle(m)
	}
	b, _ := json.Marshal(r)
	_, _ = c.Write(append(b, '\n'))
}

// Send hands m to the Hoist running for dataDir and returns its reply. It
// returns an error wrapping ErrNotRunning when none listens.
func Send(ctx context.Context, dataDir string, m Message) (Reply, error) {
	m.Version = ProtocolVersion
	ctx, cancel := context.WithTimeout(ctx, ioTimeout)
	defer cancel()
	c, err := dial(ctx, key(dataDir))
	if err != nil {
		return Reply{}, err
	}
	defer c.Close()
	if dl, ok := ctx.Deadline(); ok {
		_ = c.SetDeadline(dl)
	}
	b, err := json.Marshal(m)
	if err != nil {
		return Reply{}, err
	}
	if len(b) > maxMessage {
		return Reply{}, errors.New("too many files to hand over at once")
	}
	if _, err := c.Write(append(b, '\n')); err != nil {
		return Reply{}, fmt.Errorf("hand over to the running Hoist: %w", err)
	}
	line, err := bufio.NewReader(c).ReadBytes('\n')
	if err != nil {
		return Reply{}, fmt.Errorf("hand over to the running Hoist: %w", err)
	}
	var r Reply
	if err := json.Unmarshal(line, &r); err != nil {
		return Reply{}, fmt.Errorf("hand over to the running Hoist: %w", err)
	}
	return r, nil
}

// Running reports whether a Hoist answers for dataDir.
func Running(ctx context.Context, dataDir string) bool {
	r, err := Send(ctx, dataDir, Message{Ping: true})
	return err == nil && r.OK
}
