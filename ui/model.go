package ui

import (
	"strconv"
	"time"

	"fyne.io/fyne/v2/lang"

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
	actAgain // a cancelled job: send it again
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
	// reason is the failure's (or skip's) plain explanation, on a line of
	// its own that wraps; "" for none.
	reason  string
	primary action
	cancel  bool // the Cancel button is shown
	tryNow  bool // the "Try now" button is shown (a retry is waiting)
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

// filter chooses which rows the list shows. Rows never move: a filter only
// hides rows, in the order the files were added.
type filter int32

const (
	filterAll       filter = iota
	filterUploading        // not finished: waiting, uploading, paused
	filterFailed
	filterDone // done or skipped
)

// filterNames are the filters' English names, in filter order (the
// buttons show filterLabel).
var filterNames = [...]string{"All", "Uploading", "Failed", "Done"}

// filterLabel is the word on f's button. The keys have their own context
// ("filter.…"): "Uploading" as a filter is not the row status "Uploading"
// in every language.
func filterLabel(f filter) string {
	switch f {
	case filterUploading:
		return lang.X("filter.uploading", "Uploading")
	case filterFailed:
		return lang.X("filter.failed", "Failed")
	case filterDone:
		return lang.X("filter.done", "Done")
	}
	return lang.X("filter.all", "All")
}

// filterEmpty is what the list says when f hides every row.
func filterEmpty(f filter) string {
	switch f {
	case filterUploading:
		return lang.L("No uploading uploads. Choose All to see every upload.")
	case filterFailed:
		return lang.L("No failed uploads. Choose All to see every upload.")
	case filterDone:
		return lang.L("No done uploads. Choose All to see every upload.")
	}
	return lang.L("Nothing here yet. Files you add appear in this list while they upload.")
}

// shows reports whether a job in state s is shown under f.
func (f filter) shows(s uploader.State) bool {
	switch f {
	case filterUploading:
		return !s.Final()
	case filterFailed:
		return s == uploader.StateFailed
	case filterDone:
		return s == uploader.StateDone || s == uploader.StateSkipped
	}
	return true
}

// queueView is one snapshot turned into what the window shows.
type queueView struct {
	// awake: the computer is kept awake while sending (Deps.KeepingAwake).
	awake bool
	// rows are in snapshot order (the order files were added); order lists
	// the rows the filter shows, in that same order.
	rows   []rowView
	order  []int32
	footer footerView
	totals uploader.Totals
	held   bool
	// unfinished is how many jobs are queued, running, verifying or paused;
	// active is how many of them are not paused; waiting is how many are
	// paused until their owner signs in again; finished is how many are
	// done, skipped, failed or cancelled.
	unfinished, active, waiting, finished int
	// counts is how many rows each filter shows.
	counts [len(filterNames)]int
	filter filter
}

// marks remembers, per job, the most progress a bar has shown, so that no
// bar runs backwards while its upload runs: bytes in flight that a dropped
// connection throws away (and sends again) are not taken back from the
// bar. A bar that stops (paused, waiting, failed) shows what the store
// holds — what a pause kept, never less — so that the bar, the figures
// and "Paused · 20 MB kept" say the same. Only when the store lost bytes
// it had confirmed (the file changed, the upload expired) does a running
// bar start lower again. Owned by the poller goroutine.
type marks struct {
	jobs map[uint64]mark
	// the footer's bar, and the totals it was shown for
	total      float64
	totalBytes int64
	totalFiles int
}

type mark struct {
	shown     float64
	confirmed int64
}

func newMarks() *marks { return &marks{jobs: map[uint64]mark{}} }

// moving reports whether a job in state s is on its way (its bytes in
// flight may still arrive).
func moving(s uploader.State) bool {
	return s == uploader.StateRunning || s == uploader.StateVerifying
}

// fraction is what job js's bar shows: while it runs never less than
// before, unless the store's confirmed bytes went down; otherwise what the
// store holds.
func (m *marks) fraction(js *uploader.JobSnapshot) float64 {
	f := js.Fraction()
	if m == nil {
		return f
	}
	prev, ok := m.jobs[js.ID]
	if ok && moving(js.State) && js.Confirmed >= prev.confirmed && prev.shown > f {
		f = prev.shown
	}
	m.jobs[js.ID] = mark{shown: f, confirmed: js.Confirmed}
	return f
}

// footer is what the footer's bar shows: while uploads run never less
// than before as long as the set of files is the same (adding or clearing
// files starts afresh); when none runs, what the store holds.
func (m *marks) footer(t uploader.Totals) float64 {
	f := t.Fraction()
	if m == nil {
		return f
	}
	if t.FilesActive > 0 && t.Files == m.totalFiles && t.Bytes <= m.totalBytes && m.total > f {
		f = m.total
	}
	m.total, m.totalBytes, m.totalFiles = f, t.Bytes, t.Files
	return f
}

// buildQueueView turns a snapshot into view models. Rows of prev whose job
// did not change are reused, so a tick over 10,000 mostly idle jobs costs
// little more than comparing them. m (may be nil) keeps bars from running
// backwards; now words the time to the next try. It may run on any
// goroutine, one at a time for one m.
func buildQueueView(snap uploader.Snapshot, prev []rowView, m *marks, f filter, now time.Time) queueView {
	v := queueView{rows: make([]rowView, len(snap.Jobs)), totals: snap.Totals, held: snap.Held, filter: f}
	var paused, failed int
	for i := range snap.Jobs {
		js := &snap.Jobs[i]
		if i < len(prev) && sameJob(prev[i].job, js) && js.RetryAt.IsZero() {
			v.rows[i] = prev[i]
		} else {
			v.rows[i] = newRowView(js, m, now)
		}
		switch {
		case js.State == uploader.StatePaused:
			paused++
			v.unfinished++
		case js.State == uploader.StateFailed:
			failed++
			v.finished++
		case !js.State.Final():
			v.unfinished++
			v.active++
		default:
			v.finished++
		}
		if js.WaitingSignIn && !js.State.Final() {
			v.waiting++
		}
		for k := range v.counts {
			if filter(k).shows(js.State) {
				v.counts[k]++
			}
		}
	}
	// Done files the engine no longer lists one by one still count.
	v.finished += snap.Retired
	v.counts[filterAll] += snap.Retired
	v.counts[filterDone] += snap.Retired
	v.footer = newFooterView(snap.Totals, v.active, paused, failed)
	if m != nil {
		v.footer.fraction = m.footer(snap.Totals)
	}
	if v.footer.bytes != "" {
		v.footer.bytes += " · " + percent(v.footer.fraction)
	}
	v.order = filterOrder(v.rows, f)
	return v
}

// filterOrder lists the rows f shows, in their own (stable) order.
func filterOrder(rows []rowView, f filter) []int32 {
	order := make([]int32, 0, len(rows))
	for i := range rows {
		if f.shows(rows[i].job.State) {
			order = append(order, int32(i))
		}
	}
	return order
}

// sameJob reports whether a row built from a shows b exactly.
func sameJob(a, b *uploader.JobSnapshot) bool {
	return a.ID == b.ID && a.State == b.State && a.Done == b.Done && a.Size == b.Size &&
		a.Speed == b.Speed && a.ETA == b.ETA && a.Note == b.Note && a.Reason == b.Reason &&
		a.Rel == b.Rel && a.Key == b.Key && a.Detail == b.Detail && a.Confirmed == b.Confirmed &&
		a.Pausing == b.Pausing && a.RetryAt.Equal(b.RetryAt) && a.WaitingSignIn == b.WaitingSignIn &&
		a.LastError == b.LastError
}

func newRowView(js *uploader.JobSnapshot, m *marks, now time.Time) rowView {
	r := rowView{job: js, name: js.Rel, fraction: m.fraction(js)}
	if r.name == "" {
		r.name = js.Name()
	}
	r.size = formatBytes(js.Size)
	if js.State != uploader.StateDone && js.Done > 0 && js.Done < js.Size {
		r.size = sizeOf(js.Done, js.Size)
	}
	if js.State == uploader.StatePaused && js.Confirmed > 0 && js.Confirmed < js.Size {
		r.size = sizeOf(js.Confirmed, js.Size)
	}
	r.percent = percent(r.fraction)
	r.status, r.tone = statusText(js, now)
	if js.State == uploader.StateFailed || js.State == uploader.StateSkipped {
		r.reason = jobReason(&js.JobRecord)
	}
	r.primary = primaryAction(js.State)
	r.cancel = !js.State.Final()
	r.tryNow = !js.RetryAt.IsZero() && js.State == uploader.StateRunning && !js.Pausing
	return r
}

// sizeOf writes "12 MB of 40 MB".
func sizeOf(done, size int64) string {
	return lang.L("{{.Done}} of {{.Size}}", map[string]any{"Done": formatBytes(done), "Size": formatBytes(size)})
}

// percent writes a fraction as "42%" ("42 %" in German), rounded down so
// that 99.9% is not "100%".
func percent(f float64) string {
	return lang.L("{{.Percent}}%", map[string]any{"Percent": strconv.Itoa(int(f * 100))})
}

// statusText says in words where a job is. A reason of a failed or
// skipped job is on a line of its own (rowView.reason).
func statusText(js *uploader.JobSnapshot, now time.Time) (string, tone) {
	switch js.State {
	case uploader.StateQueued:
		if js.Note != "" {
			return join(lang.L("Waiting"), noteText(js.Note)), toneWarning
		}
		return lang.L("Waiting"), toneNormal
	case uploader.StateRunning:
		switch {
		case js.Pausing:
			return join(lang.L("Pausing…"), lang.L("{{.Size}} kept so far", map[string]any{"Size": formatBytes(js.Confirmed)})), toneNormal
		case js.Note != "":
			return join(noteText(js.Note), nextTry(js.RetryAt, now)), toneWarning
		case js.Size > 0 && js.Done >= js.Size:
			return lang.L("Finishing…"), toneNormal
		}
		return join(lang.L("Uploading"), formatSpeed(js.Speed), formatETA(js.ETA)), toneNormal
	case uploader.StateVerifying:
		return join(lang.L("Finishing…"), noteText(js.Note)), toneNormal
	case uploader.StatePaused:
		kept := ""
		if js.Confirmed > 0 && js.Confirmed < js.Size {
			kept = lang.L("{{.Size}} kept", map[string]any{"Size": formatBytes(js.Confirmed)})
		}
		if js.WaitingSignIn {
			return join(lang.L("Paused until you sign in"), kept), toneWarning
		}
		return join(lang.L("Paused"), kept, noteText(js.Note)), toneWarning
	case uploader.StateDone:
		return join(lang.L("Done"), jobReason(&js.JobRecord)), toneGood
	case uploader.StateSkipped:
		return lang.L("Skipped"), toneWarning
	case uploader.StateFailed:
		return lang.L("Failed"), toneBad
	case uploader.StateCancelled:
		return lang.L("Cancelled"), toneNormal
	}
	return string(js.State), toneNormal
}

// nextTry says when a waiting retry starts: "next try in 12 s".
func nextTry(at, now time.Time) string {
	if at.IsZero() {
		return ""
	}
	d := at.Sub(now)
	switch {
	case d < time.Second:
		return lang.L("trying again now")
	case d < time.Minute:
		return lang.L("next try in {{.Seconds}} s", map[string]any{"Seconds": int(d.Seconds() + 0.5)})
	}
	return lang.L("next try in {{.Minutes}} min", map[string]any{"Minutes": int(d.Minutes() + 0.5)})
}

func primaryAction(s uploader.State) action {
	switch s {
	case uploader.StateQueued, uploader.StateRunning, uploader.StateVerifying:
		return actPause
	case uploader.StatePaused:
		return actResume
	case uploader.StateFailed:
		return actRetry
	case uploader.StateCancelled:
		return actAgain
	}
	return actNone
}

func newFooterView(t uploader.Totals, active, paused, failed int) footerView {
	f := footerView{
		fraction:  t.Fraction(),
		files:     lang.N("{{.Done}} of {{.Count}} files sent", t.Files, map[string]any{"Done": t.FilesDone, "Count": t.Files}),
		bytes:     sizeOf(t.BytesDone, t.Bytes),
		canPause:  active > 0,
		canResume: paused > 0,
		canCancel: active+paused > 0,
		canRetry:  failed > 0,
	}
	if t.Files == 0 {
		f.files, f.bytes = lang.L("No uploads yet"), ""
	}
	if active > 0 {
		f.rate = join(formatSpeed(t.Speed), formatETA(t.ETA))
	}
	if failed > 0 {
		f.files = join(f.files, lang.N("{{.Count}} failed", failed, map[string]any{"Count": failed}))
	}
	return f
}
