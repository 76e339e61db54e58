package app

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"

	"fyne.io/fyne/v2/lang"

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
		fmt.Fprintln(env.Stderr, lang.L("hoist join: give your work e-mail address, your organisation's web address, or an invitation link"))
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
		fmt.Fprintf(env.Stderr, "hoist: %s\n", fixedSetupMessage(setup))
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
			fmt.Fprintf(env.Stderr, "hoist: %s\n", lang.N("{{.Count}} uploads to {{.Organisation}} are not finished. Let them finish (hoist resume) or cancel them before you connect to another organisation.",
				n, map[string]any{"Count": n, "Organisation": localOrganisationName(setup)}))
			return cli.ExitFailed
		}
	}
	fmt.Fprintln(env.Stdout, lang.L("Send files to {{.Name}} ({{.Domain}})?", map[string]any{"Name": cli.Printable(o.Name), "Domain": cli.Printable(o.Domain)}))
	if !*yes {
		if f, ok := stdin.(*os.File); !ok || !term.IsTerminal(int(f.Fd())) {
			fmt.Fprintln(env.Stderr, lang.L("hoist join: not connected. Check the name and address above, then run again with --yes to confirm."))
			return cli.ExitFailed
		}
		fmt.Fprint(env.Stdout, lang.L("Type yes to connect:")+" ")
		line, _ := bufio.NewReader(stdin).ReadString('\n')
		if !isYes(line) {
			fmt.Fprintln(env.Stdout, lang.L("Not connected."))
			return cli.ExitFailed
		}
	}
	if err := org.Save(setup.ConnectionPath, o); err != nil {
		return failf(env, err)
	}
	fmt.Fprintln(env.Stdout, lang.L("Connected to {{.Name}} ({{.Domain}}). Next: `hoist login` to sign in, or open the Hoist window.",
		map[string]any{"Name": cli.Printable(o.Name), "Domain": cli.Printable(o.Domain)}))
	if setup.Origin == config.OriginFile || setup.Origin == config.OriginUserFile {
		fmt.Fprintln(env.Stdout, lang.L("Note: the config file {{.File}} still comes first; remove it (or stop passing --config) to use {{.Name}}.",
			map[string]any{"File": setup.Source, "Name": o.Name}))
	}
	return cli.ExitOK
}

// isYes reports whether an answer to "Type yes" agrees: yes or y, or the
// customer's language's word for yes ("ja") or its first letter.
func isYes(answer string) bool {
	a := strings.ToLower(strings.TrimSpace(answer))
	word := strings.ToLower(lang.L("yes"))
	return a == "yes" || a == "y" || a == word || a != "" && a == string([]rune(word)[:1])
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
