//go:build windows

package instance

import (
	"context"
	"fmt"
	"net"
	"time"

	"github.com/Microsoft/go-winio"
	"golang.org/x/sys/windows"
)

// pipeName is \\.\pipe\hoist-<user SID>-<key>: per user and data folder.
func pipeName(k string) (string, string, error) {
	tok := windows.GetCurrentProcessToken()
	u, err := tok.GetTokenUser()
	if err != nil {
		return "", "", fmt.Errorf("find the current user: %w", err)
	}
	sid := u.User.Sid.String()
	return `\\.\pipe\hoist-` + sid + "-" + k, sid, nil
}

func listen(k string) (net.Listener, func(), error) {
	name, sid, err := pipeName(k)
	if err != nil {
		return nil, nil, err
	}
	// A Hoist that answers on the pipe is running. Windows would also
	// refuse a second first instance of the pipe (go-winio creates it with
	// FILE_FLAG_FIRST_PIPE_INSTANCE), but wine does not, and the dial costs
	// nothing when nobody listens.
	if c, derr := winio.DialPipe(name, &dialNow); derr == nil {
		c.Close()
		return nil, nil, fmt.Errorf("listen on %s: %w", name, ErrRunning)
	}
	// Only this user may open the pipe (protected DACL, full access for
	// the user's SID and nobody else).
	l, err := winio.ListenPipe(name, &winio.PipeConfig{SecurityDescriptor: "D:P(A;;GA;;;" + sid + ")"})
	if err != nil {
		if c, derr := winio.DialPipe(name, nil); derr == nil {
			c.Close()
			return nil, nil, fmt.Errorf("listen on %s: %w", name, ErrRunning)
		}
		return nil, nil, fmt.Errorf("listen for other Hoist launches: %w", err)
	}
	return l, func() {}, nil
}

// dialNow is how long the check for a running Hoist waits for a busy pipe.
var dialNow = 200 * time.Millisecond

func dial(ctx context.Context, k string) (net.Conn, error) {
	name, _, err := pipeName(k)
	if err != nil {
		return nil, err
	}
	c, err := winio.DialPipeContext(ctx, name)
	if err != nil {
		return nil, fmt.Errorf("%w (%v)", ErrNotRunning, err)
	}
	return c, nil
}
