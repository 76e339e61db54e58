package ui

import (
	"strconv"

	"hoist/uploader"
)

// tone says how a status is coloured.
type tone int

const (
	toneNormal  tone = iota
	toneGood         // done
	toneWarning      // paused, waiting for sign-in, skipped
	toneBad          // failed
)

// action is what the first button of a queue row does.
type action int

const (
	actNone action = iota
	actPause
	actResume
	actRetry
)

// rowView is what one queue row shows. It is computed off the UI goroutine
// once per snapshot, so drawing a row only copies strings into widgets.
type rowView struct {
	// job points into the snapshot the row was built from (snapshots
	// never change).
	job      *uploader.JobSnapshot
	name     string
	size     string
	fraction float64
	percent  string
	status   string
	tone     tone
	primary  action
	cancel   bool // the Cancel button is shown
}

// footerView is what the footer shows.
type footerView struct {
	fraction  float64
	files     string // "3 of 10 files"
	bytes     string // "1.2 GB of 4.5 GB"
	rate      string // "12 MB/s · about 4 minutes left"
	canPause  bool
	canResume bool
	canCancel bool
	canRetry  bool
}

// queueView is one snapshot turned into what the window shows.
type queueView struct {
	// awake: the computer is kept awake while sending (Deps.KeepingAwake).
	awake bool
	// rows are in snapshot order; order lists them as shown: see
	// displayOrder.
	rows   []rowView
	order  []int32
	footer footerView
	totals uploader.Totals
	held   bool
	// unfinished is how many jobs are queued, running, verifying or paused;
	// active is how many of them are not paused.
	unfinished, active int
}

// buildQueueView turns a snapshot into view models. Rows of prev whose job
// did not change are reused, so a tick over 10,000 mostly idle jobs costs
// little more than comparing them. It may run on any goroutine.
func buildQueueView(snap uploader.Snapshot, prev []rowView) queueView {
	v := queueView{rows: make([]rowView, len(snap.Jobs)), totals: snap.Totals, held: snap.Held}
	var paused, failed int
	for i := range snap.Jobs {
		js := &snap.Jobs[i]
		if i < len(prev) && sameJob(prev[i].job, js) {
			v.rows[i] = prev[i]
		} else {
			v.rows[i] = newRowView(js)
		}
		switch {
		case js.State == uploader.StatePaused:
			paused++
			v.unfinished++
		case js.State == uploader.StateFailed:
			failed++
		case !js.State.Final():
			v.unfinished++
			v.active++
		}
	}
	v.footer = newFooterView(snap.Totals, v.active, paused, failed)
	v.order = displayOrder(v.rows)
	return v
}

// group ranks states for display: what is uploading now, then what needs
// the user (failed), then what waits, then what is over.
func group(s uploader.State) int {
	switch s {
	case uploader.StateRunning, uploader.StateVerifying:
		return 0
	case uploader.StateFailed:
		return 1
	case uploader.StateQueued, uploader.StatePaused:
		return 2
	}
	return 3
}

// displayOrder sorts rows by group, keeping queue order within a group
// (a counting sort: O(n) per tick).
func displayOrder(rows []rowView) []int32 {
	var start [5]int
	for i := range rows {
		start[group(rows[i].job.State)+1]++
	}
	for g := 1; g < len(start); g++ {
		start[g] += start[g-1]
	}
	order := make([]int32, len(rows))
	for i := range rows {
		g := group(rows[i].job.State)
		order[start[g]] = int32(i)
		start[g]++
	}
	return order
}

// sameJob reports whether a row built from a shows b exactly.
func sameJob(a, b *uploader.JobSnapshot) bool {
	return a.ID == b.ID && a.State == b.State && a.Done == b.Done && a.Size == b.Size &&
		a.Speed == b.Speed && a.ETA == b.ETA && a.Note == b.Note && a.Reason == b.Reason &&
		a.Rel == b.Rel && a.Key == b.Key && a.Detail == b.Detail
}

func newRowView(js *uploader.JobSnapshot) rowView {
	r := rowView{job: js, name: js.Rel, fraction: js.Fraction()}
	if r.name == "" {
		r.name = js.Name()
	}
	r.size = formatBytes(js.Size)
	if js.State != uploader.StateDone && js.Done > 0 && js.Done < js.Size {
		r.size = formatBytes(js.Done) + " of " + formatBytes(js.Size)
	}
	r.percent = percent(r.fraction)
	r.status, r.tone = statusText(js)
	r.primary = primaryAction(js.State)
	r.cancel = !js.State.Final()
	return r
}

// percent writes a fraction as "42%", rounded down so that 99.9% is not "100%".
func percent(f float64) string {
	return strconv.Itoa(int(f*100)) + "%"
}

// statusText says in words where a job is.
func statusText(js *uploader.JobSnapshot) (string, tone) {
	switch js.State {
	case uploader.StateQueued:
		if js.Note != "" {
			return join("Waiting", js.Note), toneWarning
		}
		return "Waiting", toneNormal
	case uploader.StateRunning:
		if js.Note != "" {
			return join("Uploading", js.Note), toneWarning
		}
		return join("Uploading", formatSpeed(js.Speed), formatETA(js.ETA)), toneNormal
	case uploader.StateVerifying:
		return join("Verifying", js.Note), toneNormal
	case uploader.StatePaused:
		return join("Paused", js.Note), toneWarning
	case uploader.StateDone:
		return join("Done", js.Reason), toneGood
	case uploader.StateSkipped:
		return prefixed("Skipped", js.Reason), toneWarning
	case uploader.StateFailed:
		return prefixed("Failed", js.Reason), toneBad
	case uploader.StateCancelled:
		return "Cancelled", toneNormal
	}
	return string(js.State), toneNormal
}

// prefixed writes "Failed: reason", or just "Failed" without a reason.
func prefixed(word, reason string) string {
	if reason == "" {
		return word
	}
	return word + ": " + reason
}

func primaryAction(s uploader.State) action {
	switch s {
	case uploader.StateQueued, uploader.StateRunning, uploader.StateVerifying:
		return actPause
	case uploader.StatePaused:
		return actResume
	case uploader.StateFailed:
		return actRetry
	}
	return actNone
}

func newFooterView(t uploader.Totals, active, paused, failed int) footerView {
	f := footerView{
		fraction:  t.Fraction(),
		files:     strconv.Itoa(t.FilesDone) + " of " + plural(t.Files, "file", "files") + " sent",
		bytes:     formatBytes(t.BytesDone) + " of " + formatBytes(t.Bytes),
		canPause:  active > 0,
		canResume: paused > 0,
		canCancel: active+paused > 0,
		canRetry:  failed > 0,
	}
	if t.Files == 0 {
		f.files, f.bytes = "No uploads yet", ""
	}
	if active > 0 {
		f.rate = join(formatSpeed(t.Speed), formatETA(t.ETA))
	}
	if failed > 0 {
		f.files = join(f.files, plural(failed, "failed", "failed"))
	}
	return f
}
