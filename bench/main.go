// Command bench uploads the same data with Hoist, mc, the AWS CLI and rclone
// to one local MinIO and prints a side-by-side table: wall time, CPU, peak RSS
// and throughput, and whether Hoist meets its targets.
//
//	go run ./bench [-big 2GiB] [-small-count 2000] [-small-size 64KiB]
//	               [-tools hoist,mc,aws,rclone] [-runs 1] [-out FILE]
//	go run ./bench -many-only [-many 100000]
//
// After the side-by-side part (not with -wan) it runs the many-files memory
// part (many.go; -many 0 skips it, -many-only runs only it): Hoist alone
// sending -many small files, then an idle `hoist resume`, for peak memory.
//
// Every tool runs with its own defaults into a fresh bucket; a run counts only
// if ListObjectsV2 then shows every object with the right total size. The
// exit status is non-zero when a tool failed, or was missing without
// -allow-missing; a target not met is reported, not an error.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"os"
	"os/signal"
	"path/filepath"
	"runtime"
	"strings"
	"syscall"
	"time"

	"hoist/devstack"
)

type options struct {
	big          sizeFlag
	smallCount   int
	smallSize    sizeFlag
	tools        []string
	runs         int
	out          string
	allowMissing bool
	timeout      time.Duration
	settle       time.Duration
	workDir      string
	bins         binPaths
	wan          bool    // the emulated-link profiles instead of loopback
	profiles     string  // which WAN profiles ("" = all)
	scale        float64 // WAN data sizes × scale
	many         int     // files in the many-files memory part
	manyOnly     bool    // run only the many-files memory part
	keepMany     bool    // keep the many-files part's work folder
}

func main() { os.Exit(run()) }

// run returns the exit status; every deferred clean-up has run by then.
func run() int {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	go func() { <-ctx.Done(); stop() }() // a second Ctrl-C kills at once

	root, err := devstack.RepoRoot()
	if err != nil {
		fmt.Fprintln(os.Stderr, "bench: find repository root:", err)
		return 1
	}
	opts, err := parseFlags(os.Args[1:], root)
	if err != nil {
		fmt.Fprintln(os.Stderr, "bench:", err)
		return 2
	}
	if opts.manyOnly {
		res, err := runMany(ctx, opts, opts.many)
		if err != nil {
			fmt.Fprintln(os.Stderr, "bench: many files:", err)
			return 1
		}
		fmt.Print(res.text())
		return 0
	}
	bench := benchmark
	if opts.wan {
		bench = benchmarkWAN
	}
	rep, err := bench(ctx, opts)
	if rep != nil {
		if werr := publish(rep, opts.out); werr != nil {
			err = errors.Join(err, werr)
		}
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "bench:", err)
		return 1
	}
	code := rep.exitCode(opts.allowMissing)
	if !opts.wan && opts.many > 0 && ctx.Err() == nil {
		// `make bench` (go run ./bench) ends with the many-files part.
		res, err := runMany(ctx, opts, opts.many)
		if err != nil {
			fmt.Fprintln(os.Stderr, "bench: many files:", err)
			return 1
		}
		fmt.Print("\n" + res.text())
	}
	return code
}

func parseFlags(args []string, root string) (options, error) {
	o := options{big: 2 * giB, smallSize: 64 * kiB}
	fs := flag.NewFlagSet("bench", flag.ContinueOnError)
	fs.Var(&o.big, "big", "size of the single-file workload (a)")
	fs.IntVar(&o.smallCount, "small-count", 2000, "number of files in the small-file workload (b)")
	fs.Var(&o.smallSize, "small-size", "size of each file in workload (b)")
	tools := fs.String("tools", "hoist,mc,aws,rclone", "comma-separated tools to compare")
	fs.IntVar(&o.runs, "runs", 1, "runs per tool and workload (median wall and CPU, highest RSS)")
	fs.StringVar(&o.out, "out", "", "also write the report as markdown to this file")
	fs.BoolVar(&o.allowMissing, "allow-missing", false, "exit 0 even when a tool's binary is missing")
	fs.DurationVar(&o.timeout, "timeout", 30*time.Minute, "limit for one upload run; a run over it is FAILED")
	fs.DurationVar(&o.settle, "settle", time.Minute, "before each run, wait up to this long for the machine to be idle")
	fs.IntVar(&o.many, "many", 100000, "number of small files in the many-files memory part, run after the side-by-side one (0: skip it)")
	fs.BoolVar(&o.manyOnly, "many-only", false, "run only the many-files memory part: Hoist's peak RSS sending -many small files, then resuming with nothing to do")
	fs.BoolVar(&o.keepMany, "keep-many", false, "keep the many-files part's work folder (its files, Hoist's data folder and logs) and print where it is")
	fs.StringVar(&o.workDir, "work-dir", "", "where to create the temporary data folder (default: system temp dir)")
	fs.BoolVar(&o.wan, "wan", false, "run the emulated wide-area links (a) to (d) instead of loopback")
	fs.StringVar(&o.profiles, "profiles", "", "with -wan: comma-separated profiles to run (home, office, small, lossy; default all)")
	fs.Float64Var(&o.scale, "scale", 1, "with -wan: multiply the data sizes (not the links) by this, e.g. 0.05 for a quick check")
	fs.StringVar(&o.bins.hoist, "hoist-bin", filepath.Join(root, "bin", "hoist"), "hoist executable")
	fs.StringVar(&o.bins.mc, "mc-bin", filepath.Join(root, ".cache", "bin", "mc"), "mc executable")
	fs.StringVar(&o.bins.aws, "aws-bin", "/usr/bin/aws", "AWS CLI executable (Debian's, not a pyenv shim)")
	fs.StringVar(&o.bins.rclone, "rclone-bin", "/usr/bin/rclone", "rclone executable")
	if err := fs.Parse(args); err != nil {
		return o, err
	}
	if fs.NArg() > 0 {
		return o, fmt.Errorf("unexpected arguments: %s", strings.Join(fs.Args(), " "))
	}
	if o.smallCount < 1 || o.runs < 1 || o.many < 0 || o.manyOnly && o.many < 1 {
		return o, errors.New("-small-count and -runs must be at least 1, and -many at least 1 with -many-only")
	}
	if o.scale <= 0 || o.scale > 10 {
		return o, errors.New("-scale must be above 0 and at most 10")
	}
	var err error
	o.tools, err = parseTools(*tools)
	return o, err
}

func parseTools(list string) ([]string, error) {
	var out []string
	seen := map[string]bool{}
	for _, name := range strings.Split(list, ",") {
		name = strings.TrimSpace(name)
		if name == "" {
			continue
		}
		if _, err := newTool(name, binPaths{}); err != nil {
			return nil, err
		}
		if seen[name] {
			return nil, fmt.Errorf("tool %q listed twice", name)
		}
		seen[name] = true
		out = append(out, name)
	}
	if len(out) == 0 {
		return nil, errors.New("-tools names no tool")
	}
	return out, nil
}

// publish prints the report as text and, with -out, writes it as markdown.
func publish(r *report, out string) error {
	fmt.Print(r.render(false))
	if out == "" {
		return nil
	}
	if err := os.WriteFile(out, []byte(r.render(true)), 0o644); err != nil {
		return fmt.Errorf("write %s: %w", out, err)
	}
	fmt.Fprintln(os.Stderr, "bench: wrote", out)
	return nil
}

// report is everything the bench prints.
type report struct {
	title       string // "" = the loopback benchmark's
	header      []string
	sections    []section
	wan         []wanSection
	interrupted bool
}

func (r *report) render(markdown bool) string {
	var b strings.Builder
	title := r.title
	if title == "" {
		title = "Hoist side-by-side benchmark"
	}
	if markdown {
		b.WriteString("# " + title + "\n\n")
	} else {
		b.WriteString(title + "\n\n")
	}
	for _, h := range r.header {
		fmt.Fprintf(&b, "%s%s\n", bullet(markdown), h)
	}
	for _, s := range r.sections {
		b.WriteString("\n" + s.render(markdown))
	}
	for _, s := range r.wan {
		b.WriteString("\n" + s.render(markdown))
	}
	if r.interrupted {
		b.WriteString("\nINTERRUPTED: the results above are incomplete.\n")
	}
	return b.String()
}

// exitCode is 1 when a tool failed, or was missing and that is not allowed.
func (r *report) exitCode(allowMissing bool) int {
	code := 0
	all := make([][]result, 0, len(r.sections)+len(r.wan))
	for _, s := range r.sections {
		all = append(all, s.results)
	}
	for _, s := range r.wan {
		all = append(all, s.results)
	}
	for _, results := range all {
		for _, res := range results {
			if res.status == statusFailed || (res.status == statusMissing && !allowMissing) {
				code = 1
			}
		}
	}
	if r.interrupted {
		code = 1
	}
	return code
}

// headerLines describe the machine and method, printed above the tables.
func headerLines(ctx context.Context, o options, endpoint string, tools []tool) []string {
	n := runtime.NumCPU()
	lines := []string{
		fmt.Sprintf("Date: %s", time.Now().UTC().Format(time.RFC3339)),
		fmt.Sprintf("nproc: %d; Go: %s %s/%s; runs per tool: %d (median wall and CPU, highest peak RSS)",
			n, runtime.Version(), runtime.GOOS, runtime.GOARCH, o.runs),
		fmt.Sprintf("Server: one local MinIO at %s on this machine: it shares the %d cores with the tool being measured.", endpoint, n),
		"Method: each tool with its own defaults, into a fresh bucket per run; a run counts only if ListObjectsV2 then shows every object and the total size.",
		"Wall: start to exit of the tool's process. CPU (user+sys) and peak RSS: wait4 of the direct child, i.e. the tool's own process plus descendants it reaped; peak RSS is the largest single process, not a sum (aws is one python process).",
		"MinIO CPU: the server's user+sys time during the run (/proc/PID/stat, 10 ms resolution), the work the tool caused on the shared cores.",
		fmt.Sprintf("Other CPU: busy time of the whole machine (/proc/stat) minus the tool's and MinIO's; above %.0f%% of the capacity a timing is flagged UNRELIABLE. Load average at start: %s.", 100*busyWarn, loadAvg()),
		"Data: pseudo-random (incompressible), generated once, warm in the page cache for every tool.",
	}
	for _, t := range tools {
		lines = append(lines, fmt.Sprintf("%s: %s — %s", t.name(), t.bin(), versionOrMissing(ctx, t)))
	}
	return lines
}

func versionOrMissing(ctx context.Context, t tool) string {
	if err := checkBinary(t.bin()); err != nil {
		return "MISSING"
	}
	return t.version(ctx)
}
