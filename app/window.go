package app

import (
	"context"
	"errors"
	"fmt"
	"os"
	"runtime/debug"
	"sync/atomic"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/lang"

	"hoist/app/cli"
	"hoist/app/config"
	"hoist/app/org"
	"hoist/ui"
)

// runWindow opens the desktop window. args may hold --config and
// --data-dir, an invitation link and files to send. A Hoist already running
// for the data folder gets the link and files and comes to the front; this
// one exits. With no organisation yet the window asks the customer to
// connect. Problems before the window can work (a bad config, a journal
// held by another Hoist) are shown in a window of their own.
func runWindow(ctx context.Context, env *cli.Env, args []string) int {
	var common cli.CommonFlags
	fs := cli.NewFlagSet(env, "", &common)
	var rest []string
	for {
		if err := fs.Parse(args); err != nil {
			env.Usage(env.Stderr)
			return cli.ExitUsage
		}
		if fs.NArg() == 0 {
			break
		}
		rest, args = append(rest, fs.Arg(0)), fs.Args()[1:]
	}
	l, err := parseLaunch(rest)
	if err != nil {
		fmt.Fprintf(env.Stderr, "hoist: %s\n", cli.Printable(err.Error()))
		return cli.ExitUsage
	}
	hub, code, handed := becomeInstance(common.DataDir, l, env.Stdout, env.Stderr)
	if handed {
		return code
	}
	restart := new(atomic.Bool)
	code = openWindow(ctx, common, l, hub, restart)
	hub.close()
	if restart.Load() {
		if err := restartHoist(restartArgs(common)); err != nil {
			fmt.Fprintf(env.Stderr, "hoist: %s\n", cli.Printable(err.Error()))
			return cli.ExitFailed
		}
	}
	return code
}

// openWindow runs the window until the customer quits.
func openWindow(ctx context.Context, common cli.CommonFlags, l launch, hub *instanceHub, restart *atomic.Bool) int {
	limitMemory()
	fa := NewFyneApp()
	b, err := openBase(common.Config, common.DataDir, nil)
	var nc notConnectedError
	if errors.As(err, &nc) {
		return firstConnect(ctx, fa, common, l, hub, restart)
	}
	if err != nil {
		return ShowStartupError(fa, err)
	}
	defer b.closeLog()
	uploads, err := windowUploads(ctx, fa, b)
	if err != nil {
		ShowStartupError(fa, withDetails(err, true))
		return cli.ExitNotSetUp
	}
	g := windowGUI(b, uploads, nil, hub, l, restart)
	if p, start, ok := firstPerson(b); ok {
		if err := uploads.open(p, start); err != nil {
			return showJournalProblem(fa, err, func() error { return uploads.open(p, start) }, g)
		}
	}
	return RunGUI(fa, g)
}

// windowUploads builds the uploads the window shows (those of whoever is
// signed in), with the customer's settings under the policy's locks. Without
// sign-in or static keys it first checks that the AWS SDK finds
// credentials at all.
func windowUploads(ctx context.Context, fa fyne.App, b *base) (*personUploads, error) {
	st := policyOf(b.setup).Apply(GUISettings(fa, b.cfg.Upload))
	b.cfg.Upload.ParallelFiles, b.cfg.Upload.ParallelParts = st.ParallelFiles, st.ParallelParts
	b.cfg.Upload.MaxRate, b.cfg.Upload.MaxRateSchedule, b.cfg.Upload.KeepAwake = st.MaxRate, st.RateSchedule, st.KeepAwake
	hooks := engineHooks{}
	if b.signin != nil {
		// The engine holds the uploads; the window sees Snapshot.Held and
		// asks the user to sign in again.
		hooks.onCredentialsNeeded = func(error) { b.log.Warn("sign-in expired; uploads held") }
	} else if !b.cfg.S3.HasStaticKeys() {
		if err := checkDefaultCredentials(ctx, b); err != nil {
			return nil, err
		}
	}
	return newPersonUploads(ctx, b, hooks), nil
}

// firstPerson says whose uploads to open before the window shows: without
// sign-in the only journal, started at once; with it, the person signed in
// last (a problem with their journal shows before the window), whose
// uploads start once the silent sign-in succeeds. ok is false when nobody
// is to be opened yet.
func firstPerson(b *base) (p *person, start, ok bool) {
	if b.signin == nil {
		return nil, true, true
	}
	p = loadCurrentPerson(b.dataDir)
	if p == nil {
		// Signed out with uploads waiting: show them, to continue at the
		// owner's sign-in.
		p = loadWaitingPerson(b.dataDir)
	}
	return p, false, p != nil
}

// showJournalProblem shows why the uploads could not be opened. A damaged
// journal gets "Move the damaged journal aside and start fresh"; once
// reopen succeeds after that, the main window opens over g.
func showJournalProblem(fa fyne.App, err error, reopen func() error, g GUI) int {
	var jp *journalProblem
	if !errors.As(err, &jp) || !jp.Damaged {
		return ShowStartupError(fa, err)
	}
	fixed := false
	fix := &ui.StartupFix{
		Button:  lang.L("Move the damaged journal aside and start fresh"),
		Explain: lang.L("Hoist keeps its list of your uploads in this journal. Starting fresh moves the damaged file aside (it is kept, renamed, for support) and starts an empty list: the list of unfinished uploads is lost. Files already sent stay in storage; send any unfinished ones again."),
		Run: func() error {
			aside, err := moveJournalAside(jp.Path)
			if err != nil {
				return err
			}
			logger(g).Warn("moved the damaged journal aside", "from", jp.Path, "to", aside)
			return reopen()
		},
		Then: func() {
			fixed = true
			ShowMainWindow(fa, g)
		},
	}
	ui.NewStartupErrorWindowWithFix(fa, Version, windowJournalError{jp}, fix).Show()
	fa.Run()
	if fixed {
		closeUploads(g)
		return cli.ExitOK
	}
	return cli.ExitFailed
}

// windowJournalError words a damaged journal for the window, which offers
// the fix as a button instead of the CLI's command.
type windowJournalError struct{ jp *journalProblem }

func (e windowJournalError) Error() string {
	return lang.L("Hoist's list of your uploads ({{.Path}}) is damaged, so Hoist can't use it.", map[string]any{"Path": e.jp.Path}) +
		" (" + e.jp.Err.Error() + ")"
}

// windowGUI is what RunGUI needs for b and its uploads; win, if set, is
// reused.
func windowGUI(b *base, uploads *personUploads, win fyne.Window, hub *instanceHub, l launch, restart *atomic.Bool) GUI {
	var account ui.Account
	if b.signin != nil {
		account = SignInAccount{Client: b.signin, Uploads: uploads, Browser: b.browser, DataDir: b.dataDir, Logger: b.log}
	}
	var w *ui.MainWindow
	ob := Onboarding{Domain: b.setup.Domain, Policy: policyOf(b.setup), Window: win, Logo: brandingLogo(b.setup)}
	if b.setup.Origin == config.OriginConnected {
		ob.Connector = connector{setup: b.setup, fetcher: &org.Fetcher{Logger: b.log}, log: b.log}
	}
	ws := newWindowSupport(b, uploads)
	wsCtx, wsStop := context.WithCancel(context.Background())
	ob.Started = func(mw *ui.MainWindow) {
		w = mw
		go ws.run(wsCtx, mw)
		hub.set(mainHandler(mw))
		mw.Open(l.open)
		if l.join != "" {
			mw.ConnectTo(l.join)
		}
	}
	ob.OnOrganisationChanged = func(o ui.Organisation) {
		b.log.Info("connected to another organisation; restarting", "name", o.Name, "domain", o.Domain)
		restart.Store(true)
		w.Close()
	}
	return GUI{
		Uploads:      uploads,
		Account:      account,
		Support:      ws,
		Stop:         wsStop,
		Organisation: b.cfg.Organisation,
		Upload:       b.cfg.Upload,
		Logger:       b.log,
		Onboarding:   ob,
	}
}

// firstConnect is the window of a Hoist with no organisation yet.
func firstConnect(ctx context.Context, fa fyne.App, common cli.CommonFlags, l launch, hub *instanceHub, restart *atomic.Bool) int {
	setup, _ := findSetup(common.Config)
	dataDir, err := config.DataDir(common.DataDir)
	if err != nil {
		return ShowStartupError(fa, err)
	}
	log, closeLog := openLog(dataDir)
	defer closeLog()
	log.Info("starting without an organisation: asking the customer to connect", "version", Version, "pid", os.Getpid())
	return runFirstConnect(ctx, fa, common, setup, l, hub, restart, log)
}

// restartArgs are the flags to start Hoist again with.
func restartArgs(common cli.CommonFlags) []string {
	var args []string
	if common.Config != "" {
		args = append(args, "--config", common.Config)
	}
	if common.DataDir != "" {
		args = append(args, "--data-dir", common.DataDir)
	}
	return args
}

// windowMemoryLimit is the Go heap's soft limit in window mode. The queue's
// snapshots are replaced four times a second; without a limit the heap
// grows to twice what is live before the collector runs. Measured under
// Xvfb with 10,000 queued files: 219 MiB RSS without it, 188 MiB with it
// (the empty window is ~181 MiB, mostly the software OpenGL renderer).
const windowMemoryLimit = 64 << 20

// limitMemory applies windowMemoryLimit unless GOMEMLIMIT is set.
func limitMemory() {
	if os.Getenv("GOMEMLIMIT") == "" {
		debug.SetMemoryLimit(windowMemoryLimit)
	}
}
