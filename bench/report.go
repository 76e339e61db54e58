package main

import (
	"fmt"
	"runtime"
	"strings"
)

// Targets Hoist is held to.
const (
	bigWallRatioMax   = 0.9      // (a) Hoist wall ≤ 0.9× the best peer's
	bigRSSMax         = 64 * miB // (a) and Hoist peak RSS ≤ 64 MiB
	smallRateRatioMin = 1.1      // (b) Hoist files/s ≥ 1.1× the best peer's
)

// busyWarn is the share of the machine's CPU taken by other processes above
// which a run's timing is flagged as unreliable.
const busyWarn = 0.10

// section is the outcome of one workload: its table, notes and verdict.
type section struct {
	w       workload
	results []result
}

// verdict says whether Hoist met the workload's target, in one sentence.
func (s section) verdict() (met bool, line string) {
	var rule string
	if s.w.isDir {
		rule = fmt.Sprintf("Hoist files/s ≥ %.1f× best peer", smallRateRatioMin)
	} else {
		rule = fmt.Sprintf("Hoist wall ≤ %.1f× best peer and peak RSS ≤ %d MiB", bigWallRatioMax, bigRSSMax/miB)
	}
	hoist, ran := findTool(s.results, "hoist")
	peer, havePeer := bestPeer(s.results)
	switch {
	case !ran:
		return false, fmt.Sprintf("Target: %s — not judged: hoist not in -tools.", rule)
	case !hoist.ok():
		return false, fmt.Sprintf("Target: %s — NOT met: hoist %s.", rule, hoist.status)
	case !havePeer:
		return false, fmt.Sprintf("Target: %s — NOT met: no peer finished, nothing to compare with.", rule)
	}
	h, p := hoist.summary(), peer.summary()
	ratio := hoistRatio(s.w, h, p)
	if s.w.isDir {
		met = ratio >= smallRateRatioMin
		return met, fmt.Sprintf("Target: %s (%s, %.1f files/s) — %s: Hoist %.1f files/s = %.2f×.",
			rule, peer.tool, s.w.throughput(p.wall.Seconds()), metWord(met),
			s.w.throughput(h.wall.Seconds()), ratio)
	}
	met = ratio <= bigWallRatioMax && h.maxRSS <= bigRSSMax
	return met, fmt.Sprintf("Target: %s (%s, %.2f s) — %s: Hoist wall %.2f s = %.2f×, peak RSS %.1f MiB.",
		rule, peer.tool, p.wall.Seconds(), metWord(met), h.wall.Seconds(), ratio, float64(h.maxRSS)/miB)
}

// hoistRatio is the workload's comparison: wall-time ratio for the big file
// (lower is better), files/s ratio for the small files (higher is better).
func hoistRatio(w workload, hoist, peer summary) float64 {
	if w.isDir {
		return peer.wall.Seconds() / hoist.wall.Seconds()
	}
	return hoist.wall.Seconds() / peer.wall.Seconds()
}

func metWord(met bool) string {
	if met {
		return "met"
	}
	return "NOT met"
}

// table builds the rows of the workload's table.
func (s section) table() [][]string {
	rows := [][]string{{"tool", "result", "wall s", "CPU s", "peak RSS MiB", "MinIO CPU s", "other CPU s", s.w.throughputUnit(), "vs best peer"}}
	peer, havePeer := bestPeer(s.results)
	for _, r := range s.results {
		if !r.ok() {
			rows = append(rows, []string{r.tool, string(r.status), "-", "-", "-", "-", "-", "-", "-"})
			continue
		}
		sum := r.summary()
		rows = append(rows, []string{
			r.tool, string(r.status),
			fmt.Sprintf("%.2f", sum.wall.Seconds()),
			fmt.Sprintf("%.2f", sum.cpu.Seconds()),
			fmt.Sprintf("%.1f", float64(sum.maxRSS)/miB),
			fmt.Sprintf("%.2f", sum.serverCPU.Seconds()),
			fmt.Sprintf("%.2f", sum.otherCPU.Seconds()),
			fmt.Sprintf("%.1f", s.w.throughput(sum.wall.Seconds())),
			s.compareCell(r, peer, havePeer),
		})
	}
	return rows
}

func (s section) compareCell(r, peer result, havePeer bool) string {
	switch {
	case !havePeer:
		return "-"
	case r.tool == "hoist" && s.w.isDir:
		return fmt.Sprintf("%.2f× files/s", hoistRatio(s.w, r.summary(), peer.summary()))
	case r.tool == "hoist":
		return fmt.Sprintf("%.2f× wall", hoistRatio(s.w, r.summary(), peer.summary()))
	case r.tool == peer.tool:
		return "best peer"
	}
	return ""
}

// notes explain every row that is not ok, and flag timings taken while
// other processes kept the machine busy.
func (s section) notes() []string {
	var out []string
	for _, r := range s.results {
		switch {
		case r.status != statusOK:
			out = append(out, fmt.Sprintf("%s %s: %s", r.tool, r.status, r.reason))
		case r.summary().busyShare(runtime.NumCPU()) > busyWarn:
			out = append(out, fmt.Sprintf("%s: UNRELIABLE timing: other processes used %.0f%% of the machine's CPU during its run.",
				r.tool, 100*r.summary().busyShare(runtime.NumCPU())))
		}
	}
	return out
}

// render writes the section as fixed-width text or as markdown.
func (s section) render(markdown bool) string {
	var b strings.Builder
	if markdown {
		fmt.Fprintf(&b, "## %s\n\n%s\n", s.w.title, markdownTable(s.table()))
	} else {
		fmt.Fprintf(&b, "%s\n%s\n%s", s.w.title, strings.Repeat("=", len([]rune(s.w.title))), textTable(s.table()))
	}
	for _, n := range s.notes() {
		fmt.Fprintf(&b, "%s%s\n", bullet(markdown), n)
	}
	_, line := s.verdict()
	fmt.Fprintf(&b, "%s%s\n", bullet(markdown), line)
	return b.String()
}

func bullet(markdown bool) string {
	if markdown {
		return "- "
	}
	return "  "
}

// textTable aligns rows in columns: the first two left, numbers right.
func textTable(rows [][]string) string {
	widths := make([]int, len(rows[0]))
	for _, row := range rows {
		for i, c := range row {
			widths[i] = max(widths[i], len([]rune(c)))
		}
	}
	var b strings.Builder
	for ri, row := range rows {
		cells := make([]string, len(row))
		for i, c := range row {
			pad := strings.Repeat(" ", widths[i]-len([]rune(c)))
			if i < 2 || i == len(row)-1 {
				cells[i] = c + pad
			} else {
				cells[i] = pad + c
			}
		}
		fmt.Fprintln(&b, strings.TrimRight(strings.Join(cells, "  "), " "))
		if ri == 0 {
			fmt.Fprintln(&b, strings.Repeat("-", sum(widths)+2*(len(widths)-1)))
		}
	}
	return b.String()
}

func markdownTable(rows [][]string) string {
	var b strings.Builder
	for ri, row := range rows {
		fmt.Fprintf(&b, "| %s |\n", strings.Join(row, " | "))
		if ri == 0 {
			align := make([]string, len(row))
			for i := range row {
				align[i] = "---:"
				if i < 2 || i == len(row)-1 {
					align[i] = ":---"
				}
			}
			fmt.Fprintf(&b, "|%s|\n", strings.Join(align, "|"))
		}
	}
	return b.String()
}

func sum(xs []int) int {
	t := 0
	for _, x := range xs {
		t += x
	}
	return t
}
