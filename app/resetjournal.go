package app

import (
	"context"
	"errors"
	"fmt"

	"fyne.io/fyne/v2/lang"

	"hoist/app/cli"
	"hoist/app/config"
	"hoist/uploader/journal"
)

// resetJournalCommand is `hoist reset-journal`: the CLI's way out of a
// damaged journal, which the window offers as a button.
func resetJournalCommand() cli.Command {
	return cli.Command{Name: "reset-journal", Summary: "move a damaged journal aside and start with an empty list of uploads", Run: cmdResetJournal}
}

// cmdResetJournal moves every journal of the data folder that cannot be
// read aside ("<name>.damaged-<time>", kept for support); Hoist then starts
// with an empty list. Journals that open are left alone.
func cmdResetJournal(ctx context.Context, env *cli.Env, args []string) int {
	var common cli.CommonFlags
	fs := cli.NewFlagSet(env, "reset-journal", &common)
	if err := fs.Parse(args); err != nil || fs.NArg() > 0 {
		return cli.ExitUsage
	}
	dataDir, err := config.DataDir(common.DataDir)
	if err != nil {
		fmt.Fprintf(env.Stderr, "hoist: %s\n", cli.Printable(err.Error()))
		return cli.ExitFailed
	}
	log, closeLog := openLog(dataDir)
	defer closeLog()
	code, moved := cli.ExitOK, 0
	for _, path := range journalPaths(dataDir) {
		j, err := journal.Open(path)
		switch {
		case err == nil:
			j.Close()
		case errors.Is(err, journal.ErrCorrupt):
			aside, err := moveJournalAside(path)
			if err != nil {
				fmt.Fprintf(env.Stderr, "hoist: %s\n", cli.Printable(err.Error()))
				code = cli.ExitFailed
				continue
			}
			log.Warn("moved the damaged journal aside", "from", path, "to", aside)
			fmt.Fprintln(env.Stdout, lang.L("Moved the damaged journal aside: {{.Path}}", map[string]any{"Path": path}))
			fmt.Fprintln(env.Stdout, "  "+lang.L("It is kept as {{.Path}} for support.", map[string]any{"Path": aside}))
			moved++
		default:
			fmt.Fprintf(env.Stderr, "hoist: %s\n", cli.Printable(newJournalProblem(path, err).Error()))
			code = cli.ExitFailed
		}
	}
	if moved > 0 {
		fmt.Fprintln(env.Stdout, lang.L("Hoist starts with an empty list of uploads: the unfinished uploads it listed are not resumed. Files already sent stay in storage; send unfinished ones again."))
	} else if code == cli.ExitOK {
		fmt.Fprintln(env.Stdout, lang.L("No damaged journal in {{.Folder}}: nothing to do.", map[string]any{"Folder": dataDir}))
	}
	return code
}
