package app

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"sync/atomic"

	"fyne.io/fyne/v2/lang"

	"hoist/app/cli"
	"hoist/app/signin"
)

// Open builds a CLI session: configuration, sign-in (interactive commands
// sign in first when needed), the journal of the person signed in, store
// and engine (not started). A configuration that yields no credentials at
// all fails at once with an error matching cli.ErrNotSetUp.
func Open(ctx context.Context, o cli.OpenOptions) (*cli.Session, error) {
	b, err := openCLIBase(o.ConfigPath, o.DataDir)
	if err != nil {
		return nil, err
	}
	stop := make(chan error, 1)
	var c *core
	var p *person
	hooks := engineHooks{onEvent: o.OnEvent}
	switch {
	case b.signin != nil && o.Interactive:
		if err := ensureSignedIn(ctx, b, os.Stderr, o.Verbose); err != nil {
			b.closeLog()
			return nil, err
		}
		p = personOf(b.signin.Identity())
		var asked atomic.Bool
		hooks.onCredentialsNeeded = func(cause error) {
			if asked.Swap(true) {
				// Never a second browser without the person asking.
				b.log.Warn("storage access failed again after a new sign-in; not signing in again", "cause", signin.Redact(cause.Error()))
				sendStop(stop, &plainError{msg: lang.L("Hoist still has no access to your organisation's storage, although you signed in again. Run `hoist login`, then `hoist resume`; if it keeps happening, tell your IT support"),
					details: signin.Redact(cause.Error()), cause: cause})
				return
			}
			b.log.Warn("storage access needs a new sign-in", "cause", signin.Redact(cause.Error()))
			go signInAgain(ctx, b, p, func() { c.release() }, stop, os.Stderr, o.Verbose)
		}
	case b.signin != nil:
		// Commands that only read use the journal of who signed in last.
		if p = loadCurrentPerson(b.dataDir); p == nil {
			b.closeLog()
			return nil, errors.New("nobody is signed in on this computer, and Hoist keeps history per person. Run `hoist login` first")
		}
	case o.Interactive && !b.cfg.S3.HasStaticKeys():
		if err := checkDefaultCredentials(ctx, b); err != nil {
			b.closeLog()
			return nil, withDetails(err, o.Verbose)
		}
	}
	c, err = openCoreFor(ctx, b, hooks, p, o.ReadOnly)
	if err != nil {
		b.closeLog()
		return nil, err
	}
	return &cli.Session{Engine: c.engine, Prefix: c.prefix, Close: c.close, Stop: stop}, nil
}

// openCLIBase is openBase for commands: the parallelism a managed policy
// locks counts over the config's numbers (the window applies the locks
// over the customer's choice itself).
func openCLIBase(configPath, dataDir string) (*base, error) {
	b, err := openBase(configPath, dataDir, nil)
	if err != nil {
		return nil, err
	}
	applyLocks(b.cfg, b.setup.Policy)
	return b, nil
}

// ensureSignedIn restores the saved sign-in, or signs in with the browser.
func ensureSignedIn(ctx context.Context, b *base, w io.Writer, verbose bool) error {
	id, err := b.signin.Restore(ctx)
	if err == nil {
		b.rememberPerson(id)
		return nil
	} else if !errors.Is(err, signin.ErrSignInRequired) {
		return withDetails(plainSignInError(err), verbose)
	}
	fmt.Fprintln(w, lang.L("You need to sign in first."))
	_, err = browserSignIn(ctx, b, w, verbose)
	return err
}

// browserSignIn runs the interactive sign-in, printing the link in case the
// browser does not open.
func browserSignIn(ctx context.Context, b *base, w io.Writer, verbose bool) (*signin.Identity, error) {
	id, err := b.signin.SignIn(ctx, func(url string) {
		fmt.Fprintf(w, "%s\n\n  %s\n\n", lang.L("Opening your browser to sign in. If it does not open, visit:"), url)
	})
	if err != nil {
		return nil, withDetails(plainSignInError(err), verbose)
	}
	b.rememberPerson(id)
	fmt.Fprintln(w, lang.L("Signed in as {{.Name}}.", map[string]any{"Name": id.DisplayName()}))
	return id, nil
}

// rememberPerson records who is signed in, for the commands that read
// their journal offline (a failure is logged).
// The first person to sign in takes over a journal of an earlier Hoist.
func (b *base) rememberPerson(id *signin.Identity) {
	p := personOf(id)
	if err := saveCurrentPerson(b.dataDir, p); err != nil {
		b.log.Warn("could not record who is signed in", "error", err)
	}
	if err := preparePersonFolder(b.dataDir, p, b.log); err != nil {
		b.log.Warn("prepare the folder of the person signed in", "error", err)
	}
}

// signInAgain runs when credentials can no longer be renewed: uploads are
// held (not failed) while the user signs in again; then they continue,
// unless someone else signed in: the uploads stay with their owner p. If
// the sign-in fails, the command stops waiting and says how to continue.
func signInAgain(ctx context.Context, b *base, p *person, release func(), stop chan<- error, w io.Writer, verbose bool) {
	fmt.Fprintln(w, lang.L("Your sign-in has expired. Uploads are paused until you sign in again."))
	id, err := browserSignIn(ctx, b, w, verbose)
	if err != nil {
		sendStop(stop, fmt.Errorf("%v %s", err, lang.L("Run `hoist login`, then `hoist resume`")))
		return
	}
	if !personOf(id).same(p) {
		b.log.Warn("someone else signed in; the uploads stay with their owner", "owner", p.Subject, "now", id.Subject)
		sendStop(stop, errors.New(lang.L("you signed in as {{.Name}}, but these uploads are {{.Owner}}'s: they stay in {{.Owner}}'s list, to continue when {{.Owner}} signs in and runs `hoist resume`",
			map[string]any{"Name": id.DisplayName(), "Owner": p.Name})))
		return
	}
	b.log.Info("signed in again; continuing uploads")
	release()
}

// sendStop delivers the first reason to stop; later ones are dropped.
func sendStop(stop chan<- error, err error) {
	select {
	case stop <- err:
	default:
	}
}

// accountCommands are login, logout and whoami.
func accountCommands() []cli.Command {
	return []cli.Command{
		{Name: "login", Summary: "sign in with your organisation in the browser", Run: cmdLogin},
		{Name: "logout", Summary: "sign out and forget the saved sign-in", Run: cmdLogout},
		{Name: "whoami", Summary: "show who is signed in", Run: cmdWhoami},
		resetJournalCommand(),
	}
}

// accountBase opens the configuration for an account command; it fails
// when the configuration does not use sign-in.
func accountBase(env *cli.Env, name string, args []string) (*base, int) {
	var common cli.CommonFlags
	fs := cli.NewFlagSet(env, name, &common)
	if err := fs.Parse(args); err != nil || fs.NArg() > 0 {
		return nil, cli.ExitUsage
	}
	b, err := openBase(common.Config, common.DataDir, nil)
	if err != nil {
		fmt.Fprintf(env.Stderr, "hoist: %s\n", cli.Printable(err.Error()))
		return nil, exitCodeOf(err)
	}
	b.verbose = common.Verbose
	if b.signin == nil {
		b.closeLog()
		fmt.Fprintln(env.Stderr, "hoist: "+lang.L("this configuration has no [signin] section (or uses static keys), so there is nothing to sign in to"))
		return nil, cli.ExitFailed
	}
	return b, cli.ExitOK
}

func cmdLogin(ctx context.Context, env *cli.Env, args []string) int {
	b, code := accountBase(env, "login", args)
	if b == nil {
		return code
	}
	defer b.closeLog()
	if _, err := browserSignIn(ctx, b, env.Stderr, b.verbose); err != nil {
		fmt.Fprintf(env.Stderr, "hoist: %s\n", cli.Printable(err.Error()))
		return cli.ExitFailed
	}
	return cli.ExitOK
}

func cmdLogout(ctx context.Context, env *cli.Env, args []string) int {
	b, code := accountBase(env, "logout", args)
	if b == nil {
		return code
	}
	defer b.closeLog()
	b.signin.Restore(ctx) // to revoke the session at the provider, if any
	endSession, err := b.signin.SignOut(ctx)
	if ferr := forgetCurrentPerson(b.dataDir); ferr != nil {
		b.log.Warn("sign out", "error", ferr)
	}
	if err != nil {
		fmt.Fprintf(env.Stderr, "hoist: %s\n", cli.Printable(withDetails(plainSignInError(err), b.verbose).Error()))
		return cli.ExitFailed
	}
	fmt.Fprintln(env.Stdout, lang.L("Signed out."))
	if endSession != "" {
		// The link carries the ID token as a hint: opened, never printed.
		fmt.Fprintln(env.Stderr, lang.L("Opening your browser to end your session with your organisation too."))
		if err := b.browser.Open(endSession); err != nil {
			b.log.Warn("could not open the end-session page", "error", err)
			fmt.Fprintln(env.Stderr, lang.L("Your browser did not open: to end the session there too, sign out on your organisation's sign-in page."))
		}
	}
	return cli.ExitOK
}

func cmdWhoami(ctx context.Context, env *cli.Env, args []string) int {
	b, code := accountBase(env, "whoami", args)
	if b == nil {
		return code
	}
	defer b.closeLog()
	if !writable(b.dataDir) {
		// A silent sign-in renews the saved refresh token, which cannot be
		// saved here: say who signed in last instead, without asking.
		p := loadCurrentPerson(b.dataDir)
		if p == nil {
			fmt.Fprintln(env.Stderr, lang.L("Not signed in. Run `hoist login`."))
			return cli.ExitFailed
		}
		fmt.Fprintf(env.Stdout, "%s\nsubject:  %s\nemail:    %s\nissuer:   %s\n", cli.Printable(p.Name), cli.Printable(p.Subject), cli.Printable(p.Email), cli.Printable(p.Issuer))
		fmt.Fprintln(env.Stderr, lang.L("(Not checked with your organisation: Hoist's data folder {{.Folder}} is read-only.)", map[string]any{"Folder": b.dataDir}))
		return cli.ExitOK
	}
	id, err := b.signin.Restore(ctx)
	if err != nil {
		if errors.Is(err, signin.ErrSignInRequired) {
			fmt.Fprintln(env.Stderr, lang.L("Not signed in. Run `hoist login`."))
		} else {
			fmt.Fprintf(env.Stderr, "hoist: %s\n", cli.Printable(withDetails(plainSignInError(err), b.verbose).Error()))
		}
		return cli.ExitFailed
	}
	b.rememberPerson(id)
	fmt.Fprintf(env.Stdout, "%s\nsubject:  %s\nemail:    %s\nissuer:   %s\n", cli.Printable(id.DisplayName()), cli.Printable(id.Subject), cli.Printable(id.Email), cli.Printable(id.Issuer))
	return cli.ExitOK
}
