package app

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"

	"golang.org/x/term"

	"hoist/app/cli"
	"hoist/app/config"
	"hoist/app/org"
	"hoist/internal/instance"
	"hoist/uploader/journal"
)

// joinCommands is `hoist join`.
func joinCommands() []cli.Command {
	return []cli.Command{{Name: "join", Summary: "connect to your organisation: hoist join EMAIL | WEB ADDRESS | INVITATION LINK [--yes]", Run: cmdJoin}}
}

// stdin is where `hoist join` reads the customer's answer (tests replace
// it).
var stdin io.Reader = os.Stdin

func cmdJoin(ctx context.Context, env *cli.Env, args []string) int {
	var common cli.CommonFlags
	fs := cli.NewFlagSet(env, "join", &common)
	yes := fs.Bool("yes", false, "connect without asking for confirmation (scripts)")
	var rest []string
	for {
		if err := fs.Parse(args); err != nil {
			return cli.ExitUsage
		}
		if fs.NArg() == 0 {
			break
		}
		rest = append(rest, fs.Arg(0))
		args = fs.Args()[1:]
	}
	if len(rest) != 1 {
		fmt.Fprintln(env.Stderr, "hoist join: give your work e-mail address, your organisation's web address, or an invitation link")
		return cli.ExitUsage
	}
	descURL, err := org.DescriptorURL(rest[0])
	if err != nil {
		fmt.Fprintf(env.Stderr, "hoist: %s\n", cli.Printable(plainMessage(err)))
		return cli.ExitUsage
	}
	dataDir, err := config.DataDir(common.DataDir)
	if err != nil {
		return failf(env, err)
	}
	// The window asks the customer itself.
	if r, err := instance.Send(ctx, dataDir, instance.Message{Join: descURL, Raise: true}); err == nil {
		fmt.Fprintln(env.Stdout, r.Message)
		if !r.OK {
			return cli.ExitFailed
		}
		return cli.ExitOK
	}
	setup, err := findSetup(common.Config)
	if err != nil && !errors.Is(err, config.ErrNotConnected) {
		return failf(env, err)
	}
	if setup.Fixed {
		fmt.Fprintf(env.Stderr, "hoist: this Hoist is set up for %s by %s, so it can't connect to another organisation.\n", organisationName(setup), setupOwner(setup))
		return cli.ExitFailed
	}
	o, err := (&org.Fetcher{}).Fetch(ctx, descURL, "")
	if err != nil {
		fmt.Fprintf(env.Stderr, "hoist: %s\n", cli.Printable(plainMessage(err)))
		if d := details(err); d != "" {
			fmt.Fprintf(env.Stderr, "details: %s\n", cli.Printable(d))
		}
		return cli.ExitFailed
	}
	if setup.Config != nil && setup.Origin == config.OriginConnected && setup.DescriptorURL != o.URL {
		if n, err := unfinishedUploads(dataDir); err != nil {
			return failf(env, err)
		} else if n > 0 {
			fmt.Fprintf(env.Stderr, "hoist: %d uploads to %s are not finished. Let them finish (hoist resume) or cancel them before you connect to another organisation.\n", n, organisationName(setup))
			return cli.ExitFailed
		}
	}
	fmt.Fprintf(env.Stdout, "Send files to %s (%s)?\n", cli.Printable(o.Name), cli.Printable(o.Domain))
	if !*yes {
		if f, ok := stdin.(*os.File); !ok || !term.IsTerminal(int(f.Fd())) {
			fmt.Fprintln(env.Stderr, "hoist join: not connected. Check the name and address above, then run again with --yes to confirm.")
			return cli.ExitFailed
		}
		fmt.Fprint(env.Stdout, "Type yes to connect: ")
		line, _ := bufio.NewReader(stdin).ReadString('\n')
		if a := strings.ToLower(strings.TrimSpace(line)); a != "yes" && a != "y" {
			fmt.Fprintln(env.Stdout, "Not connected.")
			return cli.ExitFailed
		}
	}
	if err := org.Save(setup.ConnectionPath, o); err != nil {
		return failf(env, err)
	}
	fmt.Fprintf(env.Stdout, "Connected to %s (%s). Next: `hoist login` to sign in, or open the Hoist window.\n", cli.Printable(o.Name), cli.Printable(o.Domain))
	if setup.Origin == config.OriginFile || setup.Origin == config.OriginUserFile {
		fmt.Fprintf(env.Stdout, "Note: the config file %s still comes first; remove it (or stop passing --config) to use %s.\n", setup.Source, o.Name)
	}
	return cli.ExitOK
}

func failf(env *cli.Env, err error) int {
	fmt.Fprintf(env.Stderr, "hoist: %s\n", cli.Printable(err.Error()))
	return exitCodeOf(err)
}

// plainMessage is the customer's sentence of an *org.Error, else the
// error's text.
func plainMessage(err error) string {
	var e *org.Error
	if errors.As(err, &e) {
		return e.Message
	}
	return err.Error()
}

// details is the technical cause of an *org.Error, for support.
func details(err error) string {
	var e *org.Error
	if errors.As(err, &e) {
		return e.Details()
	}
	return ""
}

// organisationName names the organisation of a setup.
func organisationName(s *config.Setup) string {
	if s.Config != nil && s.Config.Organisation.Name != "" {
		return s.Config.Organisation.Name
	}
	if s.Domain != "" {
		return s.Domain
	}
	return "your organisation"
}

// setupOwner says who fixed the organisation.
func setupOwner(s *config.Setup) string {
	if s.Origin == config.OriginPolicy {
		return "your IT department (" + s.Policy.Path + ")"
	}
	return "the organisation that provided it"
}

// unfinishedUploads counts the jobs not finished in every journal of the
// data folder (each person's, and the one of a set-up without sign-in).
func unfinishedUploads(dataDir string) (int, error) {
	n := 0
	for _, path := range journalPaths(dataDir) {
		m, err := unfinishedIn(path)
		if err != nil {
			return n, err
		}
		n += m
	}
	return n, nil
}

// unfinishedIn counts the jobs not finished in the journal at path.
func unfinishedIn(path string) (int, error) {
	j, err := journal.OpenReadOnly(path)
	if err != nil {
		return 0, err
	}
	defer j.Close()
	jobs, err := j.Unfinished() // through the journal's index, not all of history
	if err != nil {
		return 0, err
	}
	return len(jobs), nil
}
