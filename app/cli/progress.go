package cli

import (
	"fmt"
	"io"
	"os"
	"strings"
	"sync"
	"time"

	"golang.org/x/term"

	"hoist/uploader"
)

// printer writes job events as lines and, on a terminal, keeps a block of
// live progress lines (one per active file) below them.
type printer struct {
	mu    sync.Mutex
	w     io.Writer
	tty   bool
	drawn int // progress lines currently on screen
	// Off a terminal: the notes already printed, per job, and whether the
	// hold for a new sign-in was reported.
	noted map[uint64]map[string]bool
	held  bool
	// notSent counts the entries reported as not sent before the uploads
	// began, for the summary.
	notSent int
}

func newPrinter(w io.Writer) *printer {
	p := &printer{w: w}
	if f, ok := w.(*os.File); ok && term.IsTerminal(int(f.Fd())) {
		p.tty = true
	}
	return p
}

// linef prints a permanent line above the progress block. String and
// error arguments are made printable (see Printable): they carry file
// names, keys and messages that must not act on the terminal.
func (p *printer) linef(format string, args ...any) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.clearLocked()
	fmt.Fprintf(p.w, format+"\n", printables(args)...)
}

func (p *printer) clearLocked() {
	for ; p.drawn > 0; p.drawn-- {
		fmt.Fprint(p.w, "\x1b[1A\x1b[2K")
	}
}

// event prints one line per job that ends. It runs on engine goroutines
// and only formats and writes a line.
func (p *printer) event(ev uploader.Event) {
	j := ev.Job
	switch {
	case ev.Kind == uploader.JobStarted && !p.tty:
		p.linef("sending   %s (%s)", j.Rel, humanBytes(j.Size))
	case ev.Kind != uploader.JobEnded:
	case j.State == uploader.StateDone:
		line := fmt.Sprintf("sent      %s → %s (%s)", j.Rel, j.Key, humanBytes(j.Size))
		if j.Reason != "" {
			line += " — " + j.Reason
		}
		p.linef("%s", line)
	case j.State == uploader.StateSkipped:
		p.linef("skipped   %s: %s", j.Rel, j.Reason)
	case j.State == uploader.StateFailed:
		p.linef("FAILED    %s (#%d): %s", j.Rel, j.ID, j.Reason)
	case j.State == uploader.StateCancelled:
		p.linef("cancelled %s", j.Rel)
	case j.State == uploader.StatePaused:
		p.linef("paused    %s", j.Rel)
	}
}

// follow redraws the progress block from engine snapshots until the
// returned stop function is called. Off a terminal it prints a line when a
// job starts waiting for a reason (the network, a server that cannot be
// found, a new sign-in), each reason once per job, so a log shows why a
// run is not moving.
func (p *printer) follow(e *uploader.Engine) (stop func()) {
	every, show := 200*time.Millisecond, p.draw
	if !p.tty {
		every, show = time.Second, p.notes
	}
	done := make(chan struct{})
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		tick := time.NewTicker(every)
		defer tick.Stop()
		for {
			select {
			case <-done:
				p.mu.Lock()
				p.clearLocked()
				p.mu.Unlock()
				return
			case <-tick.C:
				show(e.Progress())
			}
		}
	}()
	return func() { close(done); wg.Wait() }
}

// notes prints, off a terminal, each new reason a job waits for, and the
// hold for a new sign-in.
func (p *printer) notes(s uploader.Snapshot) {
	if p.noted == nil {
		p.noted = map[uint64]map[string]bool{}
	}
	for _, j := range s.Jobs {
		if j.Note == "" || j.State.Final() || p.noted[j.ID][j.Note] {
			continue
		}
		if p.noted[j.ID] == nil {
			p.noted[j.ID] = map[string]bool{}
		}
		p.noted[j.ID][j.Note] = true
		p.linef("waiting   %s: %s", j.Rel, j.Note)
	}
	if s.Held && !p.held {
		p.linef("Waiting: sign in again to continue (hoist login).")
	}
	p.held = s.Held
}

func (p *printer) draw(s uploader.Snapshot) {
	var lines []string
	for _, j := range s.Jobs {
		if j.State == uploader.StateRunning || j.State == uploader.StateVerifying {
			lines = append(lines, progressLine(j))
		}
	}
	t := s.Totals
	lines = append(lines, fmt.Sprintf("total     %d/%d files  %s of %s  %s/s  %s",
		t.FilesDone, t.Files, humanBytes(t.BytesDone), humanBytes(t.Bytes), humanBytes(int64(t.Speed)), etaText(t.ETA)))
	if s.Held {
		lines = append(lines, "Waiting: sign in again to continue (hoist login).")
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	p.clearLocked()
	for _, l := range lines {
		fmt.Fprintln(p.w, Printable(l))
	}
	p.drawn = len(lines)
}

// progressLine renders one active job: name, bar, percent, speed, ETA.
func progressLine(j uploader.JobSnapshot) string {
	const width = 20
	f := j.Fraction()
	filled := int(f * width)
	bar := strings.Repeat("█", filled) + strings.Repeat("░", width-filled)
	status := etaText(j.ETA)
	if j.State == uploader.StateVerifying {
		status = "verifying"
	}
	if j.Note != "" {
		status = j.Note
	}
	name := j.Name()
	if len([]rune(name)) > 30 {
		name = string([]rune(name)[:29]) + "…"
	}
	return fmt.Sprintf("%-30s %s %3.0f%% %9s/s  %s", name, bar, f*100, humanBytes(int64(j.Speed)), status)
}

func etaText(d time.Duration) string {
	if d < 0 {
		return ""
	}
	d = d.Round(time.Second)
	return fmt.Sprintf("%d:%02d:%02d left", int(d.Hours()), int(d.Minutes())%60, int(d.Seconds())%60)
}

// humanBytes formats a byte count with binary units.
func humanBytes(n int64) string {
	const unit = 1024
	if n < unit {
		return fmt.Sprintf("%d B", n)
	}
	div, exp := int64(unit), 0
	for m := n / unit; m >= unit && exp < 5; m /= unit {
		div *= unit
		exp++
	}
	return fmt.Sprintf("%.1f %ciB", float64(n)/float64(div), "KMGTPE"[exp])
}
