package cli

import (
	"context"
	"encoding/json"
	"fmt"
	"text/tabwriter"
	"time"
)

// historyEntry is the JSON form of one finished upload.
type historyEntry struct {
	ID       uint64    `json:"id"`
	State    string    `json:"state"`
	Source   string    `json:"source"`
	Key      string    `json:"key"`
	Size     int64     `json:"size"`
	Started  time.Time `json:"started,omitzero"`
	Finished time.Time `json:"finished,omitzero"`
	Reason   string    `json:"reason,omitempty"`
	Detail   string    `json:"detail,omitempty"`
	Checksum string    `json:"crc32c,omitempty"`
	Attempts int       `json:"attempts,omitempty"`
}

func cmdHistory(ctx context.Context, env *Env, args []string) int {
	var common CommonFlags
	fs := NewFlagSet(env, "history", &common)
	failed := fs.Bool("failed", false, "only failed uploads")
	asJSON := fs.Bool("json", false, "print JSON (one array) for scripts and support tickets")
	if rest, err := parse(fs, args); err != nil || len(rest) > 0 {
		return ExitUsage
	}
	s, err := env.Open(ctx, OpenOptions{ConfigPath: common.Config, DataDir: common.DataDir, Verbose: common.Verbose, ReadOnly: true})
	if err != nil {
		return fail(env, err)
	}
	defer s.Close()
	recs, err := s.Engine.History(*failed)
	if err != nil {
		return fail(env, err)
	}
	if *asJSON {
		entries := make([]historyEntry, len(recs))
		for i, r := range recs {
			entries[i] = historyEntry{r.ID, string(r.State), r.Source, r.Key, r.Size, r.Started, r.Finished, r.Reason, r.Detail, r.Checksum, r.Attempts}
		}
		out, err := json.MarshalIndent(entries, "", "  ")
		if err != nil {
			return fail(env, err)
		}
		// encoding/json escapes control characters but not format ones
		// (U+202E and the like): escape those too, so the JSON shown in a
		// terminal cannot disguise a name. \uXXXX is the same string.
		fmt.Fprintf(env.Stdout, "%s\n", escapeFormatChars(out))
		return ExitOK
	}
	if len(recs) == 0 {
		fmt.Fprintln(env.Stdout, "No finished uploads yet.")
		return ExitOK
	}
	tw := tabwriter.NewWriter(env.Stdout, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "ID\tSTATUS\tFINISHED\tSIZE\tFILE\tDESTINATION\tREASON")
	for _, r := range recs {
		fmt.Fprintf(tw, "%d\t%s\t%s\t%s\t%s\t%s\t%s\n", r.ID, r.State, r.Finished.Local().Format("2006-01-02 15:04"),
			humanBytes(r.Size), Printable(r.Rel), Printable(r.Key), Printable(r.Reason))
	}
	tw.Flush()
	return ExitOK
}
