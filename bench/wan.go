package main

import (
	"bufio"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"

	"hoist/devstack"
	"hoist/internal/faultproxy"
)

// Targets of the WAN profiles.
const (
	wanUtilMin      = 0.90 // (a), (b): Hoist uses ≥ 90 % of the link
	wanSmallRateMin = 1.1  // (c): Hoist files/s ≥ 1.1× the best peer's
	wanLossyUtilMin = 0.60 // (d): Hoist uses ≥ 60 % of the link
)

const mbit = 1e6 / 8 // bytes a second in one Mbit/s

// profile is one emulated link and what is sent over it.
type profile struct {
	id, title string
	link      faultproxy.Link
	count     int   // files
	size      int64 // bytes each
	// judge says whether Hoist met the profile's target.
	judge func(s wanSection) (met bool, line string)
}

// wanProfiles are the four links of issue 11; scale shrinks the data (not
// the links) for a quick check.
func wanProfiles(scale float64) []profile {
	sz := func(n int64) int64 { return max(int64(float64(n)*scale), miB) }
	home := faultproxy.Link{Up: 50 * mbit, Down: 50 * mbit, Delay: 20 * time.Millisecond}
	return []profile{
		{id: "home", title: "(a) home: 50 Mbit/s up, 40 ms RTT, one %s file", link: home, count: 1, size: sz(200 * miB),
			judge: utilTarget(wanUtilMin)},
		{id: "office", title: "(b) office to another continent: 400 Mbit/s, 150 ms RTT, one %s file",
			link:  faultproxy.Link{Up: 400 * mbit, Down: 400 * mbit, Delay: 75 * time.Millisecond},
			count: 1, size: sz(giB), judge: utilTarget(wanUtilMin)},
		{id: "small", title: "(c) many small files: %d × %s over (a)'s link", link: home,
			count: max(int(400*scale), 10), size: 64 * kiB, judge: filesTarget},
		{id: "lossy", title: "(d) long lossy path: 200 Mbit/s, 100 ms RTT, 4 Mbit/s a stream, one %s file",
			link:  faultproxy.Link{Up: 200 * mbit, Down: 200 * mbit, Delay: 50 * time.Millisecond, PerConn: 4 * mbit},
			count: 1, size: sz(100 * miB), judge: utilTarget(wanLossyUtilMin)},
	}
}

func (p profile) heading() string {
	if p.count > 1 {
		return fmt.Sprintf(p.title, p.count, formatSize(p.size))
	}
	return fmt.Sprintf(p.title, formatSize(p.size))
}

// ideal is how long the data takes at the link's rate.
func (p profile) ideal() time.Duration {
	return time.Duration(float64(int64(p.count)*p.size) / float64(p.link.Up) * float64(time.Second))
}

// wanSection is one profile's results.
type wanSection struct {
	p       profile
	w       workload
	results []result
}

func (s wanSection) util(r result) float64 {
	return s.p.ideal().Seconds() / r.summary().wall.Seconds()
}

func utilTarget(min float64) func(s wanSection) (bool, string) {
	return func(s wanSection) (bool, string) {
		rule := fmt.Sprintf("Hoist uses ≥ %.2f of the link", min)
		h, ok := findTool(s.results, "hoist")
		if !ok || !h.ok() {
			return false, fmt.Sprintf("Target: %s — not judged: hoist did not finish.", rule)
		}
		u := s.util(h)
		return u >= min, fmt.Sprintf("Target: %s — %s: %.2f.", rule, metWord(u >= min), u)
	}
}

func filesTarget(s wanSection) (bool, string) {
	rule := fmt.Sprintf("Hoist files/s ≥ %.1f× best peer", wanSmallRateMin)
	h, ok := findTool(s.results, "hoist")
	peer, havePeer := bestPeer(s.results)
	switch {
	case !ok || !h.ok():
		return false, fmt.Sprintf("Target: %s — not judged: hoist did not finish.", rule)
	case !havePeer:
		return false, fmt.Sprintf("Target: %s — not judged: no peer finished.", rule)
	}
	ratio := peer.summary().wall.Seconds() / h.summary().wall.Seconds()
	return ratio >= wanSmallRateMin, fmt.Sprintf("Target: %s (%s) — %s: %.2f×.", rule, peer.tool, metWord(ratio >= wanSmallRateMin), ratio)
}

// render writes the profile's table, notes and verdict.
func (s wanSection) render(markdown bool) string {
	rows := [][]string{{"tool", "result", "wall s", "noise", s.w.throughputUnit(), "link use", "vs best peer", "Hoist's parallelism over time"}}
	peer, havePeer := bestPeer(s.results)
	for _, r := range s.results {
		if !r.ok() {
			rows = append(rows, []string{r.tool, string(r.status), "-", "-", "-", "-", "-", ""})
			continue
		}
		sum := r.summary()
		vs := ""
		switch {
		case havePeer && r.tool == peer.tool:
			vs = "best peer"
		case havePeer && r.tool == "hoist":
			vs = fmt.Sprintf("%.2f× faster", peer.summary().wall.Seconds()/sum.wall.Seconds())
		}
		trace := ""
		if r.tool == "hoist" {
			trace = r.runs[len(r.runs)-1].trace
		}
		rows = append(rows, []string{r.tool, string(r.status),
			fmt.Sprintf("%.2f", sum.wall.Seconds()), noise(r),
			fmt.Sprintf("%.1f", s.w.throughput(sum.wall.Seconds())),
			fmt.Sprintf("%.2f", s.util(r)), vs, trace})
	}
	var b strings.Builder
	title := s.p.heading()
	if markdown {
		fmt.Fprintf(&b, "## %s\n\n%s\n", title, markdownTable(rows))
	} else {
		fmt.Fprintf(&b, "%s\n%s\n%s", title, strings.Repeat("=", len([]rune(title))), textTable(rows))
	}
	fmt.Fprintf(&b, "%sIdeal at the link's rate: %.2f s. Link use = ideal / wall.\n", bullet(markdown), s.p.ideal().Seconds())
	for _, r := range s.results {
		if r.status != statusOK {
			fmt.Fprintf(&b, "%s%s %s: %s\n", bullet(markdown), r.tool, r.status, r.reason)
		}
	}
	_, line := s.p.judge(s)
	fmt.Fprintf(&b, "%s%s\n", bullet(markdown), line)
	return b.String()
}

// noise is the spread of a tool's wall times over its runs, relative to the
// median: "-" for a single run.
func noise(r result) string {
	if len(r.runs) < 2 {
		return "-"
	}
	lo, hi := r.runs[0].wall, r.runs[0].wall
	for _, m := range r.runs {
		lo, hi = min(lo, m.wall), max(hi, m.wall)
	}
	return fmt.Sprintf("±%.0f%%", 50*float64(hi-lo)/float64(r.summary().wall))
}

// benchmarkWAN runs every tool on every profile through the link emulator
// in front of one local MinIO.
func benchmarkWAN(ctx context.Context, o options) (*report, error) {
	tools := make([]tool, len(o.tools))
	for i, name := range o.tools {
		tools[i], _ = newTool(name, o.bins)
	}
	work, err := os.MkdirTemp(o.workDir, "hoist-bench-wan-")
	if err != nil {
		return nil, fmt.Errorf("create work dir: %w", err)
	}
	defer os.RemoveAll(work)
	mini, closeLog, err := startServer(ctx, work)
	if err != nil {
		return nil, err
	}
	defer closeLog()
	defer stopServer(mini)

	rep := &report{title: "Hoist WAN benchmark (emulated links)", header: headerLines(ctx, o, mini.Endpoint, tools)}
	rep.header = append(rep.header,
		"Links: a user-space emulator (internal/faultproxy: the kernel has no netem) between the tools and MinIO: one shared rate each way for all connections, a one-way delay each way, and in (d) a cap per connection for what TCP gets on a long lossy path. MinIO and the emulator share the cores with the tool.",
		"Each tool with its defaults into a fresh bucket; the order of the tools alternates between runs; sync and a quiet second before each run. Noise: half the spread of the runs' wall times, relative to the median.")
	for _, p := range wanProfiles(o.scale) {
		if !o.wantProfile(p.id) {
			continue
		}
		s, err := runProfile(ctx, o, tools, mini, work, p)
		if err != nil {
			return rep, err
		}
		rep.wan = append(rep.wan, s)
		if ctx.Err() != nil {
			rep.interrupted = true
			break
		}
	}
	return rep, nil
}

// runProfile generates the profile's data, starts its link and runs the
// tools over it.
func runProfile(ctx context.Context, o options, tools []tool, mini *devstack.MinIO, work string, p profile) (wanSection, error) {
	dir := filepath.Join(work, p.id)
	if err := os.Mkdir(dir, 0o755); err != nil {
		return wanSection{}, fmt.Errorf("create %s: %w", dir, err)
	}
	defer os.RemoveAll(dir)
	var w workload
	var err error
	if p.count > 1 {
		w, err = makeSmallFiles(ctx, dir, p.count, p.size)
	} else {
		w, err = makeBigFile(ctx, dir, p.size)
	}
	if err != nil {
		return wanSection{}, fmt.Errorf("generate data for %s: %w", p.id, err)
	}
	w.id, w.title = p.id, p.heading()
	syscall.Sync()
	proxy, err := faultproxy.New(mini.Addr())
	if err != nil {
		return wanSection{}, err
	}
	defer proxy.Close()
	proxy.SetLink(p.link)
	b := &bench{opts: o, tools: tools, mini: mini, client: mini.S3Client(), work: work,
		srv: server{endpoint: proxy.URL(), region: devstack.Region, accessKey: mini.AccessKey, secretKey: mini.SecretKey}}
	progress("%s over %s", p.heading(), proxy.URL())
	sec := b.runWorkload(ctx, w)
	return wanSection{p: p, w: w, results: sec.results}, nil
}

// readTrace summarises Hoist's parallelism from its log: each level the
// controller chose, with the seconds since the first, e.g. "8@0 16@1 32@2
// 24@12". Empty when the log has none.
func readTrace(logPath string) string {
	f, err := os.Open(logPath)
	if err != nil {
		return ""
	}
	defer f.Close()
	var out []string
	var start time.Time
	last := -1
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		line := sc.Text()
		if !strings.Contains(line, "msg=parallelism") {
			continue
		}
		at, limit := logField(line, "time"), logField(line, "limit")
		t, err1 := time.Parse(time.RFC3339Nano, at)
		n, err2 := strconv.Atoi(limit)
		if err1 != nil || err2 != nil {
			continue
		}
		if start.IsZero() {
			start = t
		}
		if n != last {
			out = append(out, fmt.Sprintf("%d@%.0fs", n, t.Sub(start).Seconds()))
			last = n
		}
	}
	if len(out) > 10 {
		out = append(out[:4], append([]string{"…"}, out[len(out)-5:]...)...)
	}
	return strings.Join(out, " ")
}

// logField returns the value of key=value in a slog text line.
func logField(line, key string) string {
	for _, f := range strings.Fields(line) {
		if v, ok := strings.CutPrefix(f, key+"="); ok {
			return strings.Trim(v, `"`)
		}
	}
	return ""
}

// wantProfile reports whether -profiles names id (or is empty).
func (o options) wantProfile(id string) bool {
	if o.profiles == "" {
		return true
	}
	for _, p := range strings.Split(o.profiles, ",") {
		if strings.TrimSpace(p) == id {
			return true
		}
	}
	return false
}
