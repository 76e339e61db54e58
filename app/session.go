package app

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"

	"hoist/app/cli"
	"hoist/app/signin"
)

// Open builds a CLI session: configuration, sign-in (interactive commands
// sign in first when needed), journal, store and engine (not started).
func Open(ctx context.Context, o cli.OpenOptions) (*cli.Session, error) {
	b, err := openBase(o.ConfigPath, o.DataDir, nil)
	if err != nil {
		return nil, err
	}
	stop := make(chan error, 1)
	var c *core
	hooks := engineHooks{onEvent: o.OnEvent}
	if b.signin != nil && o.Interactive {
		if err := ensureSignedIn(ctx, b.signin, os.Stderr); err != nil {
			b.closeLog()
			return nil, err
		}
		hooks.onCredentialsNeeded = func(cause error) {
			go signInAgain(ctx, b, func() { c.release() }, stop, os.Stderr)
		}
	}
	c, err = openCore(ctx, b, hooks)
	if err != nil {
		b.closeLog()
		return nil, err
	}
	return &cli.Session{Engine: c.engine, Prefix: c.prefix, Close: c.close, Stop: stop}, nil
}

// ensureSignedIn restores the saved sign-in, or signs in with the browser.
func ensureSignedIn(ctx context.Context, s *signin.Client, w io.Writer) error {
	if _, err := s.Restore(ctx); err == nil {
		return nil
	} else if !errors.Is(err, signin.ErrSignInRequired) {
		return errors.New(signin.UserMessage(err))
	}
	fmt.Fprintln(w, "You need to sign in first.")
	_, err := browserSignIn(ctx, s, w)
	return err
}

// browserSignIn runs the interactive sign-in, printing the link in case the
// browser does not open.
func browserSignIn(ctx context.Context, s *signin.Client, w io.Writer) (*signin.Identity, error) {
	id, err := s.SignIn(ctx, func(url string) {
		fmt.Fprintf(w, "Opening your browser to sign in. If it does not open, visit:\n\n  %s\n\n", url)
	})
	if err != nil {
		return nil, errors.New(signin.UserMessage(err))
	}
	fmt.Fprintf(w, "Signed in as %s.\n", id.DisplayName())
	return id, nil
}

// signInAgain runs when credentials can no longer be renewed: uploads are
// held (not failed) while the user signs in again; then they continue. If
// the sign-in fails, the command stops waiting and says how to continue.
func signInAgain(ctx context.Context, b *base, release func(), stop chan<- error, w io.Writer) {
	fmt.Fprintln(w, "Your sign-in has expired. Uploads are paused until you sign in again.")
	if _, err := browserSignIn(ctx, b.signin, w); err != nil {
		stop <- fmt.Errorf("%v Run `hoist login`, then `hoist resume`", err)
		return
	}
	b.log.Info("signed in again; continuing uploads")
	release()
}

// accountCommands are login, logout and whoami.
func accountCommands() []cli.Command {
	return []cli.Command{
		{Name: "login", Summary: "sign in with your organisation in the browser", Run: cmdLogin},
		{Name: "logout", Summary: "sign out and forget the saved sign-in", Run: cmdLogout},
		{Name: "whoami", Summary: "show who is signed in", Run: cmdWhoami},
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
		fmt.Fprintf(env.Stderr, "hoist: %v\n", err)
		return nil, exitCodeOf(err)
	}
	if b.signin == nil {
		b.closeLog()
		fmt.Fprintln(env.Stderr, "hoist: this configuration has no [signin] section (or uses static keys), so there is nothing to sign in to")
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
	if _, err := browserSignIn(ctx, b.signin, env.Stderr); err != nil {
		fmt.Fprintf(env.Stderr, "hoist: %v\n", err)
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
	if _, err := b.signin.SignOut(ctx); err != nil {
		fmt.Fprintf(env.Stderr, "hoist: %s\n", signin.UserMessage(err))
		return cli.ExitFailed
	}
	fmt.Fprintln(env.Stdout, "Signed out.")
	return cli.ExitOK
}

func cmdWhoami(ctx context.Context, env *cli.Env, args []string) int {
	b, code := accountBase(env, "whoami", args)
	if b == nil {
		return code
	}
	defer b.closeLog()
	id, err := b.signin.Restore(ctx)
	if err != nil {
		if errors.Is(err, signin.ErrSignInRequired) {
			fmt.Fprintln(env.Stderr, "Not signed in. Run `hoist login`.")
		} else {
			fmt.Fprintf(env.Stderr, "hoist: %s\n", signin.UserMessage(err))
		}
		return cli.ExitFailed
	}
	fmt.Fprintf(env.Stdout, "%s\nsubject:  %s\nemail:    %s\nissuer:   %s\n", id.DisplayName(), id.Subject, id.Email, id.Issuer)
	return cli.ExitOK
}
