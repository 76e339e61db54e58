package app

import (
	"context"
	"os"
	"runtime/debug"

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
	}
	c, err := openCore(ctx, b, hooks)
	if err != nil {
		b.closeLog()
		return ShowStartupError(fa, err)
	}
	var account ui.Account
	if b.signin != nil {
		account = SignInAccount{Client: b.signin, Release: c.release}
	}
	return RunGUI(fa, GUI{
		Session:      &cli.Session{Engine: c.engine, Prefix: c.prefix, Close: c.close},
		Account:      account,
		Organisation: b.cfg.Organisation,
		Upload:       b.cfg.Upload,
		Logger:       b.log,
	})
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
