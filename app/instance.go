package app

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/lang"

	"hoist/app/cli"
	"hoist/app/config"
	"hoist/app/org"
	"hoist/assets"
	"hoist/internal/instance"
	"hoist/ui"
)

// launch is what the window was started with besides flags: an invitation
// link (its descriptor URL) and files or folders to send.
type launch struct {
	join string
	open []string
}

// parseLaunch reads the window's arguments: at most one invitation link
// (hoist://join?org=…) and any number of files and folders.
func parseLaunch(args []string) (launch, error) {
	var l launch
	for _, a := range args {
		if org.IsJoinLink(a) {
			u, err := org.ParseJoinLink(a)
			if err != nil {
				return l, errors.New(plainMessage(err))
			}
			l.join = u
			continue
		}
		p, err := filepath.Abs(a)
		if err != nil {
			return l, fmt.Errorf("%s: %w", a, err)
		}
		if _, err := os.Lstat(p); err != nil {
			return l, fmt.Errorf("%s: no such file or folder", a)
		}
		l.open = append(l.open, p)
	}
	return l, nil
}

// isWindowArg reports whether a first argument that is not a command opens
// the window: an invitation link or an existing file or folder ("Open with
// Hoist").
func isWindowArg(a string) bool {
	if org.IsJoinLink(a) {
		return true
	}
	_, err := os.Lstat(a)
	return err == nil && (filepath.IsAbs(a) || strings.ContainsRune(a, os.PathSeparator) || strings.HasPrefix(a, "."))
}

// hubMessage is a second launch's request, as the window handles it.
type hubMessage struct {
	join string
	open []string
}

// instanceHub is this process's endpoint for second launches; it hands
// their requests to whichever screen shows, on the UI goroutine.
type instanceHub struct {
	srv *instance.Server
	mu  sync.Mutex
	fn  func(hubMessage) string // UI goroutine
}

// set routes messages to fn (called on the UI goroutine).
func (h *instanceHub) set(fn func(hubMessage) string) {
	h.mu.Lock()
	h.fn = fn
	h.mu.Unlock()
}

func (h *instanceHub) handle(m instance.Message) instance.Reply {
	h.mu.Lock()
	fn := h.fn
	h.mu.Unlock()
	if fn == nil {
		return instance.Reply{Message: lang.L("Hoist is still starting. Try again in a moment.")}
	}
	reply := make(chan string, 1)
	fyne.Do(func() { reply <- fn(hubMessage{join: m.Join, open: m.Open}) })
	select {
	case msg := <-reply:
		return instance.Reply{OK: true, Message: msg}
	case <-time.After(5 * time.Second):
		return instance.Reply{Message: lang.L("Hoist's window is busy. Try again in a moment.")}
	}
}

func (h *instanceHub) close() {
	if h != nil && h.srv != nil {
		h.srv.Close()
	}
}

// becomeInstance makes this process the Hoist for the data folder, or
// hands l to the one that runs. handed is true when it did: the caller
// exits with code.
func becomeInstance(dataDirFlag string, l launch, stdout, stderr io.Writer) (hub *instanceHub, code int, handed bool) {
	dataDir, err := config.DataDir(dataDirFlag)
	if err != nil {
		return &instanceHub{}, 0, false // openBase reports it
	}
	hub = &instanceHub{}
	hub.srv, err = instance.Listen(dataDir, hub.handle)
	if err == nil {
		return hub, 0, false
	}
	if !errors.Is(err, instance.ErrRunning) {
		// Hoist works without hand-overs; the journal still keeps two
		// windows apart.
		fmt.Fprintf(stderr, "hoist: %v\n", err)
		return &instanceHub{}, 0, false
	}
	r, err := instance.Send(context.Background(), dataDir, instance.Message{Join: l.join, Open: l.open, Raise: true})
	if err != nil {
		fmt.Fprintf(stderr, "hoist: another Hoist is running but did not answer: %v\n", err)
		return nil, cli.ExitFailed, true
	}
	if r.Message != "" {
		fmt.Fprintln(stdout, r.Message)
	}
	if !r.OK {
		return nil, cli.ExitFailed, true
	}
	return nil, cli.ExitOK, true
}

// mainHandler handles second launches while the main window shows.
func mainHandler(w *ui.MainWindow) func(hubMessage) string {
	return func(m hubMessage) string {
		w.Raise()
		var said []string
		if m.join != "" {
			msg, _ := w.ConnectTo(m.join)
			said = append(said, msg)
		}
		if len(m.open) > 0 {
			said = append(said, w.Open(m.open))
		}
		if len(said) == 0 {
			return lang.L("Hoist's window is open.")
		}
		return strings.Join(said, " ")
	}
}

// viaRunningWindow lets the CLI work while the window runs: `hoist send`
// hands its files to the window; commands that need the upload list say
// what to do instead of "another Hoist is running". handled is false when
// no window runs (or the command does not care).
func viaRunningWindow(args []string, stdout, stderr io.Writer) (code int, handled bool) {
	if len(args) < 1 {
		return 0, false
	}
	cmd := args[0]
	switch cmd {
	case "send", "resume", "retry", "history":
	default:
		return 0, false
	}
	dataDir, err := config.DataDir(flagValue(args[1:], "data-dir"))
	if err != nil {
		return 0, false
	}
	ctx := context.Background()
	if !instance.Running(ctx, dataDir) {
		return 0, false
	}
	if cmd != "send" {
		fmt.Fprintf(stderr, "hoist: %s\n", lang.L("Hoist's window is open and is using the list of uploads. Use the window (its History tab), or quit Hoist and run `hoist {{.Command}}` again.", map[string]any{"Command": cmd}))
		return cli.ExitFailed, true
	}
	var paths []string
	for i := 1; i < len(args); i++ {
		a := args[i]
		switch {
		case a == "--":
			continue
		case a == "--config" || a == "-config" || a == "--data-dir" || a == "-data-dir":
			i++
			continue
		case strings.HasPrefix(a, "-"):
			continue
		}
		p, err := filepath.Abs(a)
		if err != nil {
			return 0, false
		}
		paths = append(paths, p)
	}
	if len(paths) == 0 {
		return 0, false // cmdSend says what is missing
	}
	r, err := instance.Send(ctx, dataDir, instance.Message{Open: paths, Raise: true})
	if err != nil || !r.OK {
		msg := r.Message
		if err != nil {
			msg = err.Error()
		}
		fmt.Fprintf(stderr, "hoist: %s\n", lang.L("Hoist's window is open but did not take the files ({{.Why}}). Drop them on the window, or quit Hoist and run `hoist send` again.", map[string]any{"Why": msg}))
		return cli.ExitFailed, true
	}
	fmt.Fprintln(stdout, lang.L("Hoist's window is open: {{.Message}} Follow them there.", map[string]any{"Message": r.Message}))
	return cli.ExitOK, true
}

// flagValue finds --name VALUE or --name=VALUE in args ("" when absent).
func flagValue(args []string, name string) string {
	for i, a := range args {
		a = strings.TrimLeft(a, "-")
		if v, ok := strings.CutPrefix(a, name+"="); ok {
			return v
		}
		if a == name && i+1 < len(args) {
			return args[i+1]
		}
	}
	return ""
}

// brandingFiles is the organisation built into this binary (nil for none).
func brandingFiles() *assets.BrandingFiles { return assets.Branding }

// restartHoist starts Hoist again with args (after this one released the
// journal and the instance endpoint); the new process outlives this one.
func restartHoist(args []string) error {
	exe, err := os.Executable()
	if err != nil {
		return fmt.Errorf("restart Hoist: %w", err)
	}
	cmd := exec.Command(exe, args...)
	cmd.Stdin, cmd.Stdout, cmd.Stderr = nil, nil, nil
	if err := cmd.Start(); err != nil {
		return fmt.Errorf("restart Hoist: %w", err)
	}
	return cmd.Process.Release()
}
