package app

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"

	"hoist/app/cli"
	appconfig "hoist/app/config"
	"hoist/app/signin"
	"hoist/app/support"
	"hoist/uploader"
)

// isStaff reports whether id is support staff under cfg's [support]
// table. Without sign-in (static development keys) everyone is.
func isStaff(cfg *appconfig.Config, id *signin.Identity) bool {
	if !usesSignIn(cfg) {
		return true
	}
	return id != nil && id.InGroup(cfg.Support.GroupClaim, cfg.Support.StaffGroups)
}

// roleConfig returns cfg with the staff role in place of the sign-in role
// for staff, when [support] names one.
func roleConfig(cfg *appconfig.Config, id *signin.Identity) *appconfig.Config {
	if cfg.Support.RoleARN == "" || !isStaff(cfg, id) {
		return cfg
	}
	cp := *cfg
	cp.Signin.RoleARN = cfg.Support.RoleARN
	return &cp
}

// customersPrefix is where customers' folders are: [support]
// customers_prefix, else the key prefix up to its first placeholder.
func customersPrefix(cfg *appconfig.Config) string {
	if p := cfg.Support.CustomersPrefix; p != "" {
		return p
	}
	p := cfg.Upload.KeyPrefix
	if i := strings.Index(p, "{"); i >= 0 {
		p = p[:i]
	}
	return p[:strings.LastIndex(p, "/")+1]
}

// deskFor builds a support desk on the person's own credentials: creds
// from sign-in, or nil for static keys or the SDK's chain.
func deskFor(ctx context.Context, cfg *appconfig.Config, creds aws.CredentialsProvider) (*support.Desk, error) {
	store, err := newStore(ctx, cfg, creds)
	if err != nil {
		return nil, err
	}
	return support.New(store.Client(), cfg.S3.Bucket, customersPrefix(cfg), creds), nil
}

// staffDesk signs in if needed and returns a desk with the staff member's
// credentials, and who they are; someone who is not staff is refused.
func staffDesk(ctx context.Context, b *base, w io.Writer) (*support.Desk, *signin.Identity, error) {
	if b.signin == nil {
		d, err := deskFor(ctx, b.cfg, nil)
		return d, nil, err
	}
	if err := ensureSignedIn(ctx, b, w, b.verbose); err != nil {
		return nil, nil, err
	}
	id := b.signin.Identity()
	if !isStaff(b.cfg, id) {
		return nil, id, fmt.Errorf("%s is not support staff of %s (the sign-in's %q claim lists none of %v)",
			id.DisplayName(), b.cfg.Organisation.Name, b.cfg.Support.GroupClaim, b.cfg.Support.StaffGroups)
	}
	p := personOf(id)
	creds, err := webIdentityCredentials(ctx, roleConfig(b.cfg, id), personTokens{b.signin, p}, p.Subject)
	if err != nil {
		return nil, id, err
	}
	d, err := deskFor(ctx, b.cfg, creds)
	return d, id, err
}

func supportCommands() []cli.Command {
	return []cli.Command{
		{Name: "support", Summary: "for support staff: hoist support batches|incomplete|link|download|ask|requests (--help)", Run: cmdSupport},
		{Name: "support-bundle", Summary: "write a report for support: hoist support-bundle FILE.zip", Run: cmdSupportBundle},
	}
}

const supportUsage = `Usage: hoist support COMMAND [ARGS] [--config FILE] [--data-dir DIR]

For support staff (the storage's policy decides what each may see):
  batches    [--customer TEXT] [--since YYYY-MM-DD] [--until YYYY-MM-DD] [--failed] [--json]
             the customers' batches, newest first, from their receipts
  incomplete [--customer ID] [--abort-older-than DAYS [--dry-run]] [--json]
             unfinished multipart uploads with age and size; abort old ones
  link       KEY [--expires 1h]   a short-lived download link (presigned GET)
  download   KEY DEST             download and verify the CRC32C
  ask        CUSTOMER (--batch ID [--file PATH]... | --file KEY... | --message TEXT)
             ask a customer to send files again (default: the batch's failed files)
  requests   [CUSTOMER] [--json]  re-send requests and whether they were fulfilled
`

// multiFlag collects a repeated string flag.
type multiFlag []string

func (m *multiFlag) String() string     { return strings.Join(*m, ",") }
func (m *multiFlag) Set(v string) error { *m = append(*m, v); return nil }

func cmdSupport(ctx context.Context, env *cli.Env, args []string) int {
	if len(args) == 0 || args[0] == "help" || args[0] == "-h" || args[0] == "--help" {
		fmt.Fprint(env.Stdout, supportUsage)
		if len(args) == 0 {
			return cli.ExitUsage
		}
		return cli.ExitOK
	}
	sub, args := splitSubcommand(args)
	var common cli.CommonFlags
	fs := cli.NewFlagSet(env, "support "+sub, &common)
	customer := fs.String("customer", "", "customer folder name, or part of their e-mail or name")
	since := fs.String("since", "", "only batches that ended on or after this day (YYYY-MM-DD)")
	until := fs.String("until", "", "only batches that ended on or before this day (YYYY-MM-DD)")
	failed := fs.Bool("failed", false, "only batches with a failed file")
	asJSON := fs.Bool("json", false, "print JSON")
	olderDays := fs.Float64("abort-older-than", 0, "abort unfinished uploads older than this many `days`")
	dryRun := fs.Bool("dry-run", false, "with --abort-older-than: only list what would be aborted")
	expires := fs.Duration("expires", time.Hour, "how long the link works (never longer than the sign-in's credentials)")
	batch := fs.String("batch", "", "the batch whose files to ask for")
	message := fs.String("message", "", "what to ask for, in words")
	var files multiFlag
	fs.Var(&files, "file", "a file to ask for (its path in the batch, or its key); repeatable")
	rest, err := parseFlags(fs, args)
	if err != nil {
		return cli.ExitUsage
	}
	b, err := openBase(common.Config, common.DataDir, nil)
	if err != nil {
		fmt.Fprintf(env.Stderr, "hoist: %v\n", err)
		return exitCodeOf(err)
	}
	defer b.closeLog()
	b.verbose = common.Verbose
	desk, id, err := staffDesk(ctx, b, env.Stderr)
	if err != nil {
		fmt.Fprintf(env.Stderr, "hoist: %v\n", err)
		return cli.ExitFailed
	}
	out := env.Stdout
	run := func() error {
		switch sub {
		case "batches":
			f := support.Filter{Customer: *customer, FailedOnly: *failed}
			if f.Since, err = day(*since, false); err != nil {
				return err
			}
			if f.Until, err = day(*until, true); err != nil {
				return err
			}
			bs, err := desk.Batches(ctx, f)
			if err != nil {
				return err
			}
			if *asJSON {
				return printJSON(out, bs)
			}
			printBatches(out, bs)
		case "incomplete":
			var incs []support.Incomplete
			if *olderDays > 0 {
				incs, err = desk.AbortOlderThan(ctx, *customer, time.Duration(*olderDays*24*float64(time.Hour)), *dryRun)
			} else {
				incs, err = desk.Incomplete(ctx, *customer)
			}
			if *asJSON {
				if err != nil {
					return err
				}
				return printJSON(out, incs)
			}
			printIncomplete(out, incs, *olderDays > 0, *dryRun)
			return err
		case "link":
			if len(rest) != 1 {
				return errUsage
			}
			url, until, err := desk.Link(ctx, rest[0], *expires)
			if err != nil {
				return err
			}
			fmt.Fprintf(out, "%s\nThe link works until %s (%s).\n", url, until.Local().Format("2006-01-02 15:04:05 MST"), time.Until(until).Round(time.Second))
		case "download":
			if len(rest) != 2 {
				return errUsage
			}
			got, err := desk.Download(ctx, rest[0], rest[1])
			if err != nil {
				return err
			}
			fmt.Fprintf(out, "Downloaded %s (%d bytes) to %s: CRC32C %s matches the stored checksum.\n", rest[0], got.Size, got.Path, got.CRC32C)
		case "ask":
			if len(rest) != 1 {
				return errUsage
			}
			r, err := buildRequest(ctx, desk, rest[0], *batch, files, *message)
			if err != nil {
				return err
			}
			r.Organisation = b.cfg.Organisation.Name
			if id != nil {
				r.From = uploader.Sender{Subject: id.Subject, Email: id.Email, Name: id.DisplayName()}
			}
			r, err = desk.Ask(ctx, rest[0], r)
			if err != nil {
				return err
			}
			fmt.Fprintf(out, "Asked %s to send again (request %s", rest[0], r.ID)
			if names := r.Names(); len(names) > 0 {
				fmt.Fprintf(out, ": %s", strings.Join(names, ", "))
			}
			fmt.Fprintln(out, ").")
		case "requests":
			if len(rest) > 1 {
				return errUsage
			}
			var roots []string
			if len(rest) == 1 {
				roots = []string{desk.CustomerRoot(rest[0])}
			} else {
				cs, err := desk.Customers(ctx)
				if err != nil {
					return err
				}
				for _, c := range cs {
					roots = append(roots, c.Prefix)
				}
			}
			var all []support.Request
			for _, root := range roots {
				rs, err := desk.Requests(ctx, root)
				if err != nil {
					return err
				}
				all = append(all, rs...)
			}
			if *asJSON {
				return printJSON(out, requestsJSON(all))
			}
			printRequests(out, all)
		default:
			return errUsage
		}
		return nil
	}
	if err := run(); err != nil {
		if errors.Is(err, errUsage) {
			fmt.Fprint(env.Stderr, supportUsage)
			return cli.ExitUsage
		}
		if support.Denied(err) {
			fmt.Fprintf(env.Stderr, "hoist: the storage refused: your role may not do this (%v)\n", signin.Redact(err.Error()))
			return cli.ExitFailed
		}
		fmt.Fprintf(env.Stderr, "hoist: %v\n", signin.Redact(err.Error()))
		return cli.ExitFailed
	}
	return cli.ExitOK
}

var errUsage = errors.New("usage")

// splitSubcommand takes the first positional argument out of args (the
// common flags may come before it: `hoist support --config F batches`).
func splitSubcommand(args []string) (string, []string) {
	for i := 0; i < len(args); i++ {
		a := args[i]
		switch {
		case a == "--config" || a == "-config" || a == "--data-dir" || a == "-data-dir":
			i++ // its value
		case !strings.HasPrefix(a, "-"):
			rest := append(append([]string(nil), args[:i]...), args[i+1:]...)
			return a, rest
		}
	}
	return "", args
}

// parseFlags parses args, allowing flags after positional arguments.
func parseFlags(fs interface {
	Parse([]string) error
	Args() []string
}, args []string) ([]string, error) {
	var rest []string
	for {
		if err := fs.Parse(args); err != nil {
			return nil, err
		}
		args = fs.Args()
		if len(args) == 0 {
			return rest, nil
		}
		rest = append(rest, args[0])
		args = args[1:]
	}
}

// day parses YYYY-MM-DD as local midnight (or the end of the day).
func day(s string, end bool) (time.Time, error) {
	if s == "" {
		return time.Time{}, nil
	}
	t, err := time.ParseInLocation("2006-01-02", s, time.Local)
	if err != nil {
		return t, fmt.Errorf("%q is not a day like 2026-12-31", s)
	}
	if end {
		t = t.Add(24*time.Hour - time.Nanosecond)
	}
	return t, nil
}

// buildRequest makes a request for customer from a batch's files (all
// named with --file, else its failed ones), from keys, or from a message.
func buildRequest(ctx context.Context, desk *support.Desk, customer, batch string, files []string, message string) (support.Request, error) {
	r := support.Request{Message: message, Batch: batch}
	if batch == "" {
		for _, f := range files {
			r.Files = append(r.Files, support.RequestFile{Path: strings.TrimPrefix(f, desk.CustomerRoot(customer)), Key: f})
		}
		return r, nil
	}
	bs, err := desk.Batches(ctx, support.Filter{})
	if err != nil {
		return r, err
	}
	for _, b := range bs {
		if b.Receipt.Batch != batch || b.Customer != customer {
			continue
		}
		for _, f := range b.Receipt.Files {
			picked := len(files) == 0 && f.State != uploader.StateDone
			for _, want := range files {
				picked = picked || want == f.Path || want == f.Key
			}
			if picked {
				r.Files = append(r.Files, support.RequestFile{Path: f.Path, Key: f.Key, Size: f.Size, ModTime: f.ModTime})
			}
		}
		if len(r.Files) == 0 && message == "" {
			return r, fmt.Errorf("batch %s has no failed file; name the files with --file", batch)
		}
		return r, nil
	}
	return r, fmt.Errorf("customer %s has no batch %s", customer, batch)
}

func printJSON(w io.Writer, v any) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(v)
}

func printBatches(w io.Writer, bs []support.Batch) {
	if len(bs) == 0 {
		fmt.Fprintln(w, "No batches.")
		return
	}
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	for _, b := range bs {
		r := b.Receipt
		who := r.Sender.Email
		if who == "" {
			who = r.Sender.Subject
		}
		s := r.Summary
		fmt.Fprintf(tw, "%s\t%s\t%s\t%d files, %d arrived, %d failed\t%s\tbatch %s\n",
			r.Ended.Local().Format("2006-01-02 15:04"), who, b.Customer, s.Files, s.Done, s.Failed, humanSize(s.Bytes), r.Batch)
		for _, f := range r.Files {
			if f.State == uploader.StateDone {
				continue
			}
			fmt.Fprintf(tw, "\t  %s\t%s\t%s: %s\t\t\n", f.State, f.Path, f.Code, f.Reason)
		}
	}
	tw.Flush()
}

func printIncomplete(w io.Writer, incs []support.Incomplete, aborting, dryRun bool) {
	switch {
	case len(incs) == 0 && aborting:
		fmt.Fprintln(w, "No unfinished upload is that old.")
		return
	case len(incs) == 0:
		fmt.Fprintln(w, "No unfinished uploads.")
		return
	case aborting && dryRun:
		fmt.Fprintf(w, "Would abort %d unfinished uploads (dry run):\n", len(incs))
	case aborting:
		fmt.Fprintf(w, "Aborted %d unfinished uploads:\n", len(incs))
	}
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	for _, inc := range incs {
		fmt.Fprintf(tw, "%s\t%s\tstarted %s\t%s old\t%s in %d parts\n", inc.Customer, inc.Key,
			inc.Initiated.Local().Format("2006-01-02 15:04"), ageText(inc.Age), humanSize(inc.Size), inc.Parts)
	}
	tw.Flush()
}

func ageText(d time.Duration) string {
	if d >= 48*time.Hour {
		return fmt.Sprintf("%d days", int(d.Hours()/24))
	}
	return d.Round(time.Minute).String()
}

func humanSize(n int64) string {
	const unit = 1024
	if n < unit {
		return fmt.Sprintf("%d B", n)
	}
	div, exp := int64(unit), 0
	for m := n / unit; m >= unit; m /= unit {
		div *= unit
		exp++
	}
	return fmt.Sprintf("%.1f %ciB", float64(n)/float64(div), "KMGTPE"[exp])
}

// requestJSON is a request with its key and answer, for --json.
type requestJSON struct {
	support.Request
	Key    string          `json:"key"`
	Answer *support.Answer `json:"answer,omitempty"`
}

func requestsJSON(rs []support.Request) []requestJSON {
	out := make([]requestJSON, len(rs))
	for i, r := range rs {
		out[i] = requestJSON{Request: r, Key: r.Key, Answer: r.Answer}
	}
	return out
}

func printRequests(w io.Writer, rs []support.Request) {
	if len(rs) == 0 {
		fmt.Fprintln(w, "No re-send requests.")
		return
	}
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	for _, r := range rs {
		state := "open"
		if r.Answer != nil {
			state = fmt.Sprintf("fulfilled %s (batch %s)", r.Answer.Answered.Local().Format("2006-01-02 15:04"), r.Answer.Batch)
		}
		what := strings.Join(r.Names(), ", ")
		if r.Message != "" {
			what = strings.TrimSpace(what + " " + fmt.Sprintf("%q", r.Message))
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\n", r.Created.Local().Format("2006-01-02 15:04"), r.Key, what, state)
	}
	tw.Flush()
}
