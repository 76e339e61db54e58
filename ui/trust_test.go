package ui

import (
	"errors"
	"fmt"
	"os"
	"slices"
	"sort"
	"strings"
	"testing"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/widget"

	"hoist/uploader"
)

// shownOrder lists the job IDs of the rows on screen, top to bottom.
func shownOrder(w *MainWindow) []uint64 {
	rows := queueRows(w)
	sort.SliceStable(rows, func(a, b int) bool { return rows[a].Position().Y < rows[b].Position().Y })
	var ids []uint64
	for _, r := range rows {
		if r.view.job != nil {
			ids = append(ids, r.view.job.ID)
		}
	}
	return ids
}

// Rows stay where they are while their states change: the row under the
// pointer (and its buttons) keeps showing the same file.
func TestRowsDoNotMoveWhenStatesChange(t *testing.T) {
	fake := newFakeUploads()
	fake.setSnapshot(snapshotOf(
		job(1, uploader.StateQueued, 100, 0), job(2, uploader.StateRunning, 100, 10),
		job(3, uploader.StateQueued, 100, 0), job(4, uploader.StateDone, 100, 100),
	))
	w := testWindow(t, Deps{Uploads: fake})
	w.poll()
	want := []uint64{1, 2, 3, 4}
	if got := shownOrder(w); !slices.Equal(got, want) {
		t.Fatalf("rows %v, want the order files were added %v", got, want)
	}
	third := rowFor(t, w, 3)
	for _, states := range [][4]uploader.State{
		{uploader.StateRunning, uploader.StateDone, uploader.StateRunning, uploader.StateDone},
		{uploader.StateFailed, uploader.StateDone, uploader.StatePaused, uploader.StateDone},
		{uploader.StateDone, uploader.StateDone, uploader.StateFailed, uploader.StateCancelled},
	} {
		var jobs []uploader.JobSnapshot
		for i, st := range states {
			jobs = append(jobs, job(uint64(i+1), st, 100, 50))
		}
		fake.setSnapshot(snapshotOf(jobs...))
		w.poll()
		if got := shownOrder(w); !slices.Equal(got, want) {
			t.Fatalf("states %v: rows %v, want %v", states, got, want)
		}
		if third.view.job.ID != 3 {
			t.Fatalf("states %v: the third row now shows job %d", states, third.view.job.ID)
		}
	}
	// Details of the third row is job 3's.
	test.Tap(third.details)
	if w.details == nil || w.details.job.ID != 3 {
		t.Fatal("Details opened for another job")
	}
}

// The filter hides rows without reordering the others, and says how many
// each shows; Clear finished asks the engine.
func TestFilterAndClearFinished(t *testing.T) {
	fake := newFakeUploads()
	fake.setSnapshot(snapshotOf(
		job(1, uploader.StateDone, 100, 100), job(2, uploader.StateRunning, 100, 10),
		job(3, uploader.StateFailed, 100, 0), job(4, uploader.StateQueued, 100, 0),
	))
	w := testWindow(t, Deps{Uploads: fake})
	w.poll()
	s := w.uploads
	for f, want := range map[filter][]uint64{filterUploading: {2, 4}, filterFailed: {3}, filterDone: {1}, filterAll: {1, 2, 3, 4}} {
		test.Tap(s.filters[f])
		w.poll()
		if got := shownOrder(w); !slices.Equal(got, want) {
			t.Errorf("%s: rows %v, want %v", filterNames[f], got, want)
		}
	}
	if got := s.filters[filterUploading].Text; got != "Uploading (2)" {
		t.Errorf("filter button says %q", got)
	}
	test.Tap(s.clear)
	if !fake.called("ClearFinished") {
		t.Error("Clear finished did not reach the engine")
	}
}

// A running bar never runs backwards (bytes in flight a dropped
// connection throws away are not taken back), never shows less than the
// store holds, and a paused one shows exactly what the pause kept, as its
// words do; from there it only goes forward after Resume.
func TestBarsNeverRunBackwards(t *testing.T) {
	fake := newFakeUploads()
	w := testWindow(t, Deps{Uploads: fake})
	step := func(st uploader.State, done, confirmed int64) *queueRow {
		j := job(1, st, 1000, done)
		j.Confirmed = confirmed
		other := job(2, uploader.StateRunning, 1000, 500)
		other.Confirmed = 500
		s := snapshotOf(j, other)
		s.Totals.BytesDone = done + 500
		fake.setSnapshot(s)
		w.poll()
		return rowFor(t, w, 1)
	}
	last, lastFooter := 0.0, 0.0
	for i, st := range []struct {
		state           uploader.State
		done, confirmed int64
		want            float64
	}{
		{uploader.StateRunning, 300, 200, 0.3},
		{uploader.StateRunning, 600, 400, 0.6},
		{uploader.StateRunning, 450, 400, 0.6},  // a connection dropped: its bytes go again
		{uploader.StatePaused, 400, 400, 0.4},   // the pause kept 40 %: the bar says so
		{uploader.StateRunning, 450, 400, 0.45}, // resumed
		{uploader.StateRunning, 700, 600, 0.7},
	} {
		r := step(st.state, st.done, st.confirmed)
		if r.bar.Value != st.want {
			t.Fatalf("step %d (%s): bar %.2f, want %.2f", i, st.state, r.bar.Value, st.want)
		}
		if st.state == uploader.StateRunning && r.bar.Value < last {
			t.Fatalf("step %d (%s): bar ran backwards %.2f → %.2f", i, st.state, last, r.bar.Value)
		}
		if f := w.uploads.footer.bar.Value; f < lastFooter {
			t.Fatalf("step %d: footer ran backwards %.2f → %.2f while the other file ran", i, lastFooter, f)
		}
		last, lastFooter = r.bar.Value, w.uploads.footer.bar.Value
		if st.state == uploader.StatePaused && r.status.Text != "Paused · 400 bytes kept" {
			t.Errorf("paused row says %q", r.status.Text)
		}
	}
	if last != 0.7 {
		t.Errorf("bar %.2f at the end, want 0.70", last)
	}
	// The store lost what it held (the upload expired): the bar says so.
	if r := step(uploader.StateRunning, 100, 0); r.bar.Value != 0.1 {
		t.Errorf("after the store lost its parts the bar shows %.2f, want 0.10", r.bar.Value)
	}
}

// A retry that waits says which side fails and when the next try is, and
// offers Try now; Details follows the job live and shows the last error.
func TestRetryWaitTryNowAndLiveDetails(t *testing.T) {
	fake := newFakeUploads()
	now := time.Date(2026, 3, 2, 14, 5, 0, 0, time.UTC)
	w := testWindow(t, Deps{Uploads: fake})
	w.now = func() time.Time { return now }
	j := job(1, uploader.StateRunning, 1000, 400)
	j.Note, j.RetryAt, j.LastError = "Your organisation's storage isn't answering", now.Add(20*time.Second), "503 Service Unavailable"
	fake.setSnapshot(snapshotOf(j))
	w.poll()
	r := rowFor(t, w, 1)
	if got := r.status.Text; got != "Your organisation's storage isn't answering · next try in 20 s" {
		t.Errorf("status %q", got)
	}
	test.Tap(r.details)
	if got := w.details.values["Last error"].Text; got != "503 Service Unavailable" {
		t.Errorf("Details' last error %q", got)
	}
	test.Tap(r.tryNow)
	if !slices.Equal(fake.idsOf("TryNow"), []uint64{1}) {
		t.Errorf("Try now sent %v", fake.idsOf("TryNow"))
	}
	// Bytes move again: the note goes, in the row and in the open Details.
	j.Note, j.RetryAt, j.Done, j.Speed = "", time.Time{}, 1000, 2000
	fake.setSnapshot(snapshotOf(j))
	w.poll()
	if got := r.status.Text; got != "Finishing…" {
		t.Errorf("status at 100%% %q, want Finishing…", got)
	}
	if r.tryNow.Visible() {
		t.Error("Try now still shown")
	}
	if got := w.details.values["Status"].Text; got != "Finishing…" {
		t.Errorf("Details not live: status %q", got)
	}
}

// The footer drops its buttons' words before it cuts a figure short.
func TestFooterButtonsShrinkBeforeFiguresAreCut(t *testing.T) {
	fake := newFakeUploads()
	s := snapshotOf(job(1, uploader.StateRunning, 42_300_000_000, 17_100_000_000), job(2, uploader.StateFailed, 10, 0))
	s.Totals.Speed, s.Totals.ETA = 38_500_000, 125*time.Minute
	fake.setSnapshot(s)
	w := testWindow(t, Deps{Uploads: fake})
	w.poll()
	f := w.uploads.footer
	for _, width := range []float32{800, 1024, 1280} {
		w.win.Resize(fyne.NewSize(width, 640))
		f.lineBox.Refresh()
		for _, l := range []*widget.Label{f.files, f.bytes, f.rate} {
			full := widget.NewLabelWithStyle(l.Text, fyne.TextAlignLeading, l.TextStyle).MinSize().Width
			if l.Size().Width < full {
				t.Errorf("at %v wide %q is cut short (%.0f < %.0f)", width, l.Text, l.Size().Width, full)
			}
		}
		if width >= 1280 && f.pause.Text == "" {
			t.Errorf("at %v wide the buttons lost their words", width)
		}
	}
	if w.win.Resize(fyne.NewSize(800, 540)); f.line.figuresWidth()+f.line.buttonsWidth(true) > 800 {
		f.lineBox.Refresh()
		if f.pause.Text != "" {
			t.Error("at 800 wide the buttons kept their words while the figures did not fit")
		}
	}
}

// Enter presses the focused button, Escape closes dialogs, focus is shown,
// and Tab goes through the window in reading order.
func TestKeyboard(t *testing.T) {
	fake := newFakeUploads()
	fake.setSnapshot(snapshotOf(job(1, uploader.StateRunning, 100, 10)))
	acct := &fakeAccount{restored: true, id: Identity{Name: "Ada"}}
	w := testWindow(t, Deps{Uploads: fake, NeedsSignIn: true, Account: acct})
	w.poll()
	c := w.win.Canvas()

	var order []string
	for range 30 {
		c.FocusNext()
		if b, ok := c.Focused().(*keyButton); ok {
			if len(order) > 0 && order[0] == b.Text {
				break
			}
			order = append(order, b.Text)
		}
	}
	pos := func(label string) int {
		i := slices.Index(order, label)
		if i < 0 {
			t.Fatalf("Tab never reaches %q (reached %v)", label, order)
		}
		return i
	}
	reading := []string{"Sign out", "Settings", "About", "Choose files…", "Choose folder…", "All (1)", "Uploading (1)", "Done", "Pause", "Details", "Pause all"}
	for i := 1; i < len(reading); i++ {
		if pos(reading[i-1]) > pos(reading[i]) {
			t.Errorf("Tab reaches %q before %q: %v", reading[i], reading[i-1], order)
		}
	}

	// Focus shows as a ring, on a primary button too.
	b := rowFor(t, w, 1).primary
	c.Focus(b)
	r := test.WidgetRenderer(b).(*keyButtonRenderer)
	if !r.ring.Visible() {
		t.Error("no focus ring on the focused button")
	}
	c.Unfocus()
	if r.ring.Visible() {
		t.Error("focus ring left after the focus went")
	}

	// Enter presses the focused button.
	c.Focus(b)
	b.TypedKey(&fyne.KeyEvent{Name: fyne.KeyReturn})
	if !slices.Equal(fake.idsOf("Pause"), []uint64{1}) {
		t.Errorf("Enter on Pause sent %v", fake.idsOf("Pause"))
	}

	// Escape closes a dialog, also from a focused button in it.
	w.showAbout()
	if c.Overlays().Top() == nil {
		t.Fatal("About did not open")
	}
	c.OnTypedKey()(&fyne.KeyEvent{Name: fyne.KeyEscape})
	if c.Overlays().Top() != nil {
		t.Fatal("Escape did not close About")
	}
	test.Tap(rowFor(t, w, 1).cancel) // asks: 10 bytes were sent
	if c.Overlays().Top() == nil {
		t.Fatal("Cancel did not ask")
	}
	keep := button(t, w, "Keep uploading")
	for _, o := range find(c.Overlays().Top(), func(o fyne.CanvasObject) bool { kb, ok := o.(*keyButton); return ok && kb.Text == keep.Text }) {
		kb := o.(*keyButton)
		c.Focus(kb)
		kb.TypedKey(&fyne.KeyEvent{Name: fyne.KeyEscape})
	}
	if c.Overlays().Top() != nil || fake.called("Cancel") {
		t.Fatalf("Escape from a focused button: dialog open %v, cancelled %v", c.Overlays().Top() != nil, fake.called("Cancel"))
	}
	if !strings.Contains(strings.Join(order, " "), "Pause all") {
		t.Errorf("Tab order %v", order)
	}
}

// fakePicker is a native file dialog that returns what the test says.
type fakePicker struct {
	paths []string
	err   error
	asked []bool // folders, per call
}

func (p *fakePicker) Pick(_ string, folders bool) ([]string, error) {
	p.asked = append(p.asked, folders)
	return p.paths, p.err
}

// The native dialog hands over several files at once; a big choice is
// confirmed first; without a native dialog Fyne's opens.
func TestNativePickerAndBigAdds(t *testing.T) {
	dir := t.TempDir()
	var few []string
	for _, n := range []string{"a.txt", "b.txt"} {
		p := dir + "/" + n
		if err := os.WriteFile(p, []byte("hello"), 0o644); err != nil {
			t.Fatal(err)
		}
		few = append(few, p)
	}
	fake := newFakeUploads()
	picker := &fakePicker{paths: few}
	w := testWindow(t, Deps{Uploads: fake, Picker: picker})
	test.Tap(button(t, w, "Choose files…"))
	if len(fake.addPaths) != 1 || !slices.Equal(fake.addPaths[0], few) {
		t.Fatalf("added %v, want both files at once", fake.addPaths)
	}

	big := t.TempDir()
	for i := range bigAddFiles + 20 {
		if err := os.WriteFile(fmt.Sprintf("%s/f%03d", big, i), []byte("x"), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	picker.paths = []string{big}
	test.Tap(button(t, w, "Choose folder…"))
	if len(fake.addPaths) != 1 {
		t.Fatal("a big folder was added without asking")
	}
	text := strings.Join(labels(w.win.Canvas().Overlays().Top()), " ")
	if !strings.Contains(text, "120 files, 120 bytes — upload them?") {
		t.Fatalf("question %q", text)
	}
	test.Tap(button(t, w, "Upload"))
	if len(fake.addPaths) != 2 || !slices.Equal(fake.addPaths[1], []string{big}) {
		t.Fatalf("added %v after Upload", fake.addPaths)
	}
	if !slices.Equal(picker.asked, []bool{false, true}) {
		t.Errorf("picker asked for %v", picker.asked)
	}

	// No native dialog here: Fyne's opens instead.
	picker.err = errors.New("no portal")
	test.Tap(button(t, w, "Choose files…"))
	if w.win.Canvas().Overlays().Top() == nil {
		t.Fatal("no file dialog when the native one is unavailable")
	}
}

// Keys are shown as the organisation's folder; Details keeps the key.
func TestDestinationIsWordedForPeople(t *testing.T) {
	fake := newFakeUploads()
	j := job(1, uploader.StateDone, 10, 10)
	j.Key = "uploads/7d1c0c5e-0b8e-4a51-9a7e-1f2d3c4b5a69/survey.zip"
	fake.history = []uploader.JobRecord{j.JobRecord}
	w := testWindow(t, Deps{Uploads: fake, Destination: func(k string) string {
		return "Acme Research › " + strings.Replace(k, "7d1c0c5e-0b8e-4a51-9a7e-1f2d3c4b5a69/", "", 1)
	}})
	w.uploads.tabs.Select(w.uploads.histTab)
	if got := w.uploads.history.rows[0].dest; got != "To Acme Research › uploads/survey.zip" {
		t.Errorf("history says %q", got)
	}
	w.showDetails(j)
	if got := w.details.values["To"].Text; got != "Acme Research › uploads/survey.zip" {
		t.Errorf("Details' To %q", got)
	}
	if got := w.details.values["Storage key"].Text; got != j.Key {
		t.Errorf("Details' storage key %q", got)
	}
}

// History follows uploads that end while it is shown.
func TestHistoryRefreshesByItself(t *testing.T) {
	fake := newFakeUploads()
	fake.setSnapshot(snapshotOf(job(1, uploader.StateRunning, 10, 5)))
	w := testWindow(t, Deps{Uploads: fake})
	w.poll()
	w.uploads.tabs.Select(w.uploads.histTab)
	done := job(1, uploader.StateDone, 10, 10)
	fake.mu.Lock()
	fake.history = []uploader.JobRecord{done.JobRecord}
	fake.mu.Unlock()
	fake.setSnapshot(snapshotOf(done))
	w.poll()
	if len(w.uploads.history.rows) != 1 {
		t.Fatalf("history shows %d rows after an upload ended, want 1", len(w.uploads.history.rows))
	}
}

// A pause that could keep nothing (every part was still on its way) does
// not leave the bars at what was in flight: the row, the footer and their
// figures all say nothing is kept yet.
func TestPauseThatKeptNothingShowsNothingKept(t *testing.T) {
	fake := newFakeUploads()
	w := testWindow(t, Deps{Uploads: fake})
	fake.setSnapshot(snapshotOf(job(1, uploader.StateRunning, 1000, 530)))
	w.poll()
	if f := w.uploads.footer.bar.Value; f != 0.53 {
		t.Fatalf("running: footer %.2f", f)
	}
	fake.setSnapshot(snapshotOf(job(1, uploader.StatePaused, 1000, 0)))
	w.poll()
	r := rowFor(t, w, 1)
	if r.bar.Value != 0 || w.uploads.footer.bar.Value != 0 {
		t.Errorf("paused with nothing kept: row bar %.2f, footer %.2f; want 0 and 0", r.bar.Value, w.uploads.footer.bar.Value)
	}
	if got := w.uploads.footer.bytes.Text; !strings.Contains(got, "0%") {
		t.Errorf("footer figures %q disagree with its bar", got)
	}
}
