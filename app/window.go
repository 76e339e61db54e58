package app

import (
	"context"
	"errors"
	"fmt"
	"os"
	"runtime/debug"

	"fyne.io/fyne/v2"

	"hoist/app/cli"
	"hoist/ui"
)

// runWindow opens the desktop window. args may hold --config and
// --data-dir. Problems before the window can work (a bad config, a journal
// held by another Hoist) are shown in a window of their own.
func runWindow(ctx context.Context, env *cli.Env, args []string) int {
	var common cli.CommonFlags
	fs := cli.NewFlagSet(env, "", &common)
	if err := fs.Parse(args); err != nil || fs.NArg() > 0 {
		env.Usage(env.Stderr)
		return cli.ExitUsage
	}
	limitMemory()
	fa := NewFyneApp()
	b, err := openBase(common.Config, common.DataDir, nil)
	if err != nil {
		return ShowStartupError(fa, err)
	}
	st := GUISettings(fa, b.cfg.Upload)
	b.cfg.Upload.ParallelFiles, b.cfg.Upload.ParallelParts = st.ParallelFiles, st.ParallelParts
	hooks := engineHooks{}
	if b.signin != nil {
		// The engine holds the uploads; the window sees Snapshot.Held and
		// asks the user to sign in again.
		hooks.onCredentialsNeeded = func(error) { b.log.Warn("sign-in expired; uploads held") }
	} else if !b.cfg.S3.HasStaticKeys() {
		if err := checkDefaultCredentials(ctx, b); err != nil {
			b.closeLog()
			ShowStartupError(fa, withDetails(err, true))
			return cli.ExitNotSetUp
		}
	}
	uploads := newPersonUploads(ctx, b, hooks)
	g := GUI{Uploads: uploads, Organisation: b.cfg.Organisation, Upload: b.cfg.Upload, Logger: b.log}
	if b.signin != nil {
		g.Account = SignInAccount{Client: b.signin, Uploads: uploads, Browser: b.browser, DataDir: b.dataDir, Logger: b.log}
	}
	// Without sign-in the uploads start at once; with it, the person signed
	// in last has their journal opened now (a problem with it shows before
	// the window) and their uploads start once the silent sign-in succeeds.
	var p *person
	if b.signin != nil {
		p = loadCurrentPerson(b.dataDir)
	}
	if start := b.signin == nil; start || p != nil {
		if err := uploads.open(p, start); err != nil {
			defer b.closeLog()
			return showJournalProblem(fa, err, func() error { return uploads.open(p, start) }, g)
		}
	}
	defer b.closeLog()
	return RunGUI(fa, g)
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
		Button: "Move the damaged journal aside and start fresh",
		Explain: "Hoist keeps its list of your uploads in this journal. Starting fresh moves the damaged file aside " +
			"(it is kept, renamed, for support) and starts an empty list: the list of unfinished uploads is lost. " +
			"Files already sent stay in storage; send any unfinished ones again.",
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
	return fmt.Sprintf("Hoist's list of your uploads (%s) is damaged, so Hoist can't use it. (%v)", e.jp.Path, e.jp.Err)
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
