// Package cli holds Hoist's headless commands. They drive the same engine
// as the window; the composition root (package app) hands them an Opener
// that builds it from the configuration.
package cli

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"time"

	"hoist/uploader"
)

// Exit codes.
const (
	ExitOK       = 0 // every file arrived
	ExitFailed   = 1 // some file did not arrive, or a command failed
	ExitUsage    = 2 // bad command line
	ExitNotSetUp = 2 // the configuration yields no way to reach the storage (ErrNotSetUp)
	ExitStopped  = 130
)

// ErrNotSetUp is matched by an Opener's error when the configuration gives
// Hoist no credentials at all (no sign-in, no keys, nothing in the AWS
// SDK's default places). Commands exit with ExitNotSetUp.
var ErrNotSetUp = errors.New("hoist is not set up to sign in")

// OpenOptions say how to open a session.
type OpenOptions struct {
	ConfigPath string // --config; "" = the usual search order
	DataDir    string // --data-dir; "" = $HOIST_DATA_DIR or the user data dir
	// OnEvent receives job events (see uploader.Options.OnEvent).
	OnEvent func(uploader.Event)
	// Interactive allows the session to ask the user (e.g. open a browser to
	// sign in).
	Interactive bool
	// Verbose adds the technical cause to failure messages (--verbose).
	Verbose bool
	// ReadOnly says the command only reads the journal (history): it is
	// opened read-only, so a read-only data folder does not block it.
	ReadOnly bool
}

// Session is an opened engine with what the commands need around it. The
// engine is not started: commands start it once their jobs are queued.
type Session struct {
	Engine *uploader.Engine
	// Prefix returns the key prefix for files queued now.
	Prefix func() (string, error)
	// Close stops the engine (unfinished jobs stay resumable) and releases
	// the journal.
	Close func() error
	// Stop, if not nil, delivers a reason to stop waiting for the uploads
	// (e.g. a new sign-in failed); what was sent is kept.
	Stop <-chan error
}

// Opener builds a Session from the configuration.
type Opener func(ctx context.Context, o OpenOptions) (*Session, error)

// Command is one CLI command.
type Command struct {
	Name    string
	Summary string
	Run     func(ctx context.Context, env *Env, args []string) int
}

// Env is what commands share.
type Env struct {
	Open   Opener
	Stdout io.Writer
	Stderr io.Writer
	// Extra commands added by the composition root (login, logout, whoami).
	Extra []Command
}

// Commands returns the built-in and extra commands.
func (env *Env) Commands() []Command {
	return append([]Command{
		{"send", "send files and folders: hoist send PATH...", cmdSend},
		{"resume", "continue unfinished uploads", cmdResume},
		{"history", "list finished uploads: hoist history [--failed] [--json]", cmdHistory},
		{"retry", "send failed uploads again: hoist retry [--failed | ID...]", cmdRetry},
	}, env.Extra...)
}

// Lookup finds a command by name.
func (env *Env) Lookup(name string) (Command, bool) {
	for _, c := range env.Commands() {
		if c.Name == name {
			return c, true
		}
	}
	return Command{}, false
}

// Usage prints the list of commands.
func (env *Env) Usage(w io.Writer) {
	fmt.Fprintln(w, "Usage: hoist [COMMAND] [--config FILE] [--data-dir DIR] [ARGS]")
	fmt.Fprintln(w, "\nWithout a command, Hoist opens its window.\n\nCommands:")
	for _, c := range env.Commands() {
		fmt.Fprintf(w, "  %-8s %s\n", c.Name, c.Summary)
	}
}

// Run runs the command named by args[0]. It returns the exit code.
func Run(ctx context.Context, env *Env, args []string) int {
	if len(args) == 0 {
		env.Usage(env.Stderr)
		return ExitUsage
	}
	if args[0] == "help" || args[0] == "-h" || args[0] == "--help" {
		env.Usage(env.Stdout)
		return ExitOK
	}
	c, ok := env.Lookup(args[0])
	if !ok {
		fmt.Fprintf(env.Stderr, "hoist: unknown command %q\n\n", args[0])
		env.Usage(env.Stderr)
		return ExitUsage
	}
	ctx, stop := signal.NotifyContext(ctx, os.Interrupt, syscall.SIGTERM)
	defer stop()
	return c.Run(ctx, env, args[1:])
}

// CommonFlags are the flags every command takes.
type CommonFlags struct {
	Config  string
	DataDir string
	Verbose bool
}

// NewFlagSet returns a flag set with the common flags registered.
func NewFlagSet(env *Env, name string, common *CommonFlags) *flag.FlagSet {
	fs := flag.NewFlagSet("hoist "+name, flag.ContinueOnError)
	fs.SetOutput(env.Stderr)
	fs.StringVar(&common.Config, "config", "", "configuration `file` (default: $HOIST_CONFIG, the user config dir, then built-in)")
	fs.StringVar(&common.DataDir, "data-dir", "", "`folder` for the journal (default: $HOIST_DATA_DIR or the user data dir)")
	fs.BoolVar(&common.Verbose, "verbose", false, "also print the technical cause of a failure (for support; never a token)")
	return fs
}

// parse parses args, allowing flags after positional arguments.
func parse(fs *flag.FlagSet, args []string) ([]string, error) {
	var rest []string
	for {
		if err := fs.Parse(args); err != nil {
			return nil, err
		}
		args = fs.Args()
		if len(args) == 0 {
			return rest, nil
		}
		if args[0] == "--" {
			return append(rest, args[1:]...), nil
		}
		rest = append(rest, args[0])
		args = args[1:]
	}
}

// fail prints an error for people and returns ExitFailed, or the exit
// code the error asks for with an ExitCode() int method (Hoist not yet
// connected to an organisation: ExitUsage).
func fail(env *Env, err error) int {
	fmt.Fprintf(env.Stderr, "hoist: %s\n", Printable(err.Error()))
	if errors.Is(err, ErrNotSetUp) {
		return ExitNotSetUp
	}
	var ec interface{ ExitCode() int }
	if errors.As(err, &ec) {
		return ec.ExitCode()
	}
	return ExitFailed
}

// open opens a session with the common flags and a progress printer.
func open(ctx context.Context, env *Env, common CommonFlags, p *printer) (*Session, error) {
	s, err := env.Open(ctx, OpenOptions{ConfigPath: common.Config, DataDir: common.DataDir, OnEvent: p.event, Interactive: true, Verbose: common.Verbose})
	if err != nil {
		return nil, err
	}
	return s, nil
}

// rateFlag registers --max-rate on an uploading command's flags; apply
// sets the limit it names on the session's engine (no flag: the
// configuration's upload.max_rate stays).
func rateFlag(fs *flag.FlagSet) (apply func(env *Env, s *Session) bool) {
	v := fs.String("max-rate", "", "limit the upload `speed`, all files together: e.g. 20Mbit (megabits a second; also kbit, Gbit), 2.5MB/s or 500KiB/s (bytes a second), or off")
	return func(env *Env, s *Session) bool {
		if *v == "" {
			return true
		}
		r, err := uploader.ParseRate(*v)
		if err != nil {
			fmt.Fprintf(env.Stderr, "%s: --max-rate: %v\n", fs.Name(), err)
			return false
		}
		s.Engine.SetSpeedLimit(r, uploader.Schedule{})
		return true
	}
}

// checkRate reports a bad --max-rate before anything is opened.
func checkRate(env *Env, fs *flag.FlagSet) bool {
	f := fs.Lookup("max-rate")
	if f == nil || f.Value.String() == "" {
		return true
	}
	if _, err := uploader.ParseRate(f.Value.String()); err != nil {
		fmt.Fprintf(env.Stderr, "%s: --max-rate: %v\n", fs.Name(), err)
		return false
	}
	return true
}

func cmdSend(ctx context.Context, env *Env, args []string) int {
	var common CommonFlags
	fs := NewFlagSet(env, "send", &common)
	limit := rateFlag(fs)
	paths, err := parse(fs, args)
	if err != nil || !checkRate(env, fs) {
		return ExitUsage
	}
	if len(paths) == 0 {
		fmt.Fprintln(env.Stderr, "hoist send: name at least one file or folder to send")
		return ExitUsage
	}
	p := newPrinter(env.Stderr)
	s, err := open(ctx, env, common, p)
	if err != nil {
		return fail(env, err)
	}
	defer s.Close()
	limit(env, s)
	prefix, err := s.Prefix()
	if err != nil {
		return fail(env, err)
	}
	added, err := s.Engine.Enqueue(ctx, prefix, paths...)
	if err != nil {
		return fail(env, err)
	}
	for _, prob := range added.Problems {
		p.linef("not sent  %s: %s", prob.Path, prob.Reason)
	}
	if len(added.Continued) > 0 {
		for _, j := range s.Engine.Jobs(added.Continued...) {
			p.linef("continuing %s: it was already queued, so that upload goes on", j.Source)
		}
	}
	p.notSent = len(added.Problems)
	code := drive(ctx, env, s, p, append(added.IDs, added.Continued...))
	if len(added.Problems) > 0 && code == ExitOK {
		code = ExitFailed
	}
	return code
}

func cmdResume(ctx context.Context, env *Env, args []string) int {
	var common CommonFlags
	fs := NewFlagSet(env, "resume", &common)
	limit := rateFlag(fs)
	if rest, err := parse(fs, args); err != nil || len(rest) > 0 || !checkRate(env, fs) {
		return ExitUsage
	}
	p := newPrinter(env.Stderr)
	s, err := open(ctx, env, common, p)
	if err != nil {
		return fail(env, err)
	}
	defer s.Close()
	limit(env, s)
	s.Engine.ResumeAll()
	if s.Engine.Len() == 0 {
		fmt.Fprintln(env.Stdout, "Nothing to resume: no unfinished uploads.")
		return ExitOK
	}
	return drive(ctx, env, s, p, nil)
}

func cmdRetry(ctx context.Context, env *Env, args []string) int {
	var common CommonFlags
	fs := NewFlagSet(env, "retry", &common)
	failed := fs.Bool("failed", false, "retry every failed upload")
	limit := rateFlag(fs)
	rest, err := parse(fs, args)
	if err != nil || !checkRate(env, fs) {
		return ExitUsage
	}
	ids, err := parseIDs(rest)
	if err != nil || (len(ids) == 0) == !*failed {
		fmt.Fprintln(env.Stderr, "hoist retry: give either --failed or the IDs shown by `hoist history`")
		return ExitUsage
	}
	p := newPrinter(env.Stderr)
	s, err := open(ctx, env, common, p)
	if err != nil {
		return fail(env, err)
	}
	defer s.Close()
	limit(env, s)
	if *failed {
		ids, err = s.Engine.RetryFailed()
		if err == nil && len(ids) == 0 {
			fmt.Fprintln(env.Stdout, "No failed uploads to retry.")
			return ExitOK
		}
	} else {
		err = s.Engine.Retry(ids...)
	}
	if err != nil {
		return fail(env, err)
	}
	return drive(ctx, env, s, p, ids)
}

func parseIDs(args []string) ([]uint64, error) {
	ids := make([]uint64, 0, len(args))
	for _, a := range args {
		var id uint64
		if _, err := fmt.Sscan(strings.TrimPrefix(a, "#"), &id); err != nil || id == 0 {
			return nil, fmt.Errorf("%q is not an upload ID", a)
		}
		ids = append(ids, id)
	}
	return ids, nil
}

// receiptWait is how long a command waits for the receipts of what it sent.
const receiptWait = 20 * time.Second

// drive starts the engine, shows progress until every job has ended (or
// the user interrupts) and prints a summary of the jobs ids (all of the
// session's when nil). The exit code is ExitOK only when each of them is
// done. Unfinished jobs of earlier runs resume alongside.
func drive(ctx context.Context, env *Env, s *Session, p *printer, ids []uint64) int {
	s.Engine.Start()
	stopProgress := p.follow(s.Engine)
	wctx, cancel := context.WithCancelCause(ctx)
	defer cancel(nil)
	if s.Stop != nil {
		go func() {
			select {
			case err := <-s.Stop:
				cancel(err)
			case <-wctx.Done():
			}
		}()
	}
	err := s.Engine.Wait(wctx)
	stopProgress()
	tally := s.Engine.Tally(ids)
	if ctx.Err() != nil {
		fmt.Fprintln(env.Stderr, "\nStopped. What was sent is kept: run `hoist resume` to continue.")
		return ExitStopped
	}
	if err != nil {
		fmt.Fprintf(env.Stderr, "Stopped: %s\n", Printable(context.Cause(wctx).Error()))
	} else {
		// The batch's receipt follows its last file; one not stored in
		// time is stored at the next start.
		rctx, rcancel := context.WithTimeout(ctx, receiptWait)
		if s.Engine.WaitReceipts(rctx) != nil {
			fmt.Fprintln(env.Stderr, "The receipt of this batch could not be stored yet; Hoist stores it the next time it runs.")
		}
		rcancel()
	}
	return summarize(env.Stdout, tally, p.notSent)
}

// summarize prints the outcome, counting notSent entries that were
// reported as not sent (special files, links to folders, Hoist's own
// folders, …), and returns the exit code.
func summarize(w io.Writer, t uploader.Tally, notSent int) int {
	fmt.Fprintf(w, "%d of %d files sent (%s).", t.Done, t.Done+t.Skipped+t.Failed+t.Waiting+notSent, humanBytes(t.BytesDone))
	if t.Skipped > 0 {
		fmt.Fprintf(w, " %d skipped.", t.Skipped)
	}
	if t.Failed > 0 {
		fmt.Fprintf(w, " %d failed: see `hoist history --failed`, then `hoist retry --failed`.", t.Failed)
	}
	if t.Waiting > 0 {
		fmt.Fprintf(w, " %d paused or waiting: run `hoist resume`.", t.Waiting)
	}
	if notSent > 0 {
		fmt.Fprintf(w, " %d not sent (listed above with the reason).", notSent)
	}
	fmt.Fprintln(w)
	if t.Skipped+t.Failed+t.Waiting+notSent == 0 {
		return ExitOK
	}
	return ExitFailed
}
