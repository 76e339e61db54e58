package main

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"sync"
	"time"

	"hoist/ui"
	"hoist/uploader"
)

const mb = 1000 * 1000

// sim pretends to upload: running jobs gain bytes every tick.
type sim struct {
	mu     sync.Mutex
	jobs   []uploader.JobSnapshot
	past   []uploader.JobRecord
	held   bool
	nextID uint64
}

func newSim(extra int, held bool) *sim {
	s := &sim{held: held, nextID: 1}
	now := time.Now()
	add := func(rel string, size int64, st uploader.State, done int64, speed float64, note, reason, detail string) {
		s.jobs = append(s.jobs, uploader.JobSnapshot{
			JobRecord: uploader.JobRecord{ID: s.nextID, Source: "/home/sam/Projects/" + rel, Rel: rel,
				Key: "uploads/" + now.Format("2006-01-02") + "/" + rel, Size: size, State: st,
				Reason: reason, Detail: detail, Created: now, Attempts: 1},
			Done: done, Confirmed: done * 9 / 10, Speed: speed, ETA: -1, Note: note,
		})
		s.nextID++
	}
	add("field-survey/site-A/drone-footage.mp4", 42_300*mb, uploader.StateRunning, 18_100*mb, 38*mb, "", "", "")
	add("field-survey/site-A/lidar-scan.las", 8_750*mb, uploader.StateRunning, 6_020*mb, 21*mb, "", "", "")
	add("field-survey/site-B/photos.zip", 3_200*mb, uploader.StateRunning, 410*mb, 0, "Your organisation's storage isn't answering", "", "")
	s.jobs[len(s.jobs)-1].RetryAt = now.Add(25 * time.Second)
	s.jobs[len(s.jobs)-1].LastError = "dial tcp 203.0.113.7:443: connect: connection refused"
	add("field-survey/site-C/summary.docx", 2*mb, uploader.StateFailed, 0, 0, "",
		"The file is gone: it was moved or deleted before it was sent. Put it back and press Retry.",
		"open /home/sam/Projects/field-survey/site-C/summary.docx: no such file or directory")
	add("field-survey/site-B/raw-readings.csv", 640*mb, uploader.StatePaused, 120*mb, 0, "", "", "")
	add("field-survey/notes.pdf", 12*mb, uploader.StateVerifying, 12*mb, 0, "", "", "")
	add("field-survey/site-C/gps-track.gpx", 3*mb, uploader.StateDone, 3*mb, 0, "", "", "")
	add("field-survey/site-C/thermal.tiff", 1_900*mb, uploader.StateQueued, 0, 0, "", "", "")
	add("field-survey/old-draft.docx", 1*mb, uploader.StateCancelled, 0, 0, "", "Cancelled.", "")
	for i := range extra {
		add(fmt.Sprintf("bulk/file-%05d.dat", i), int64(1+i%50)*mb, uploader.StateQueued, 0, 0, "", "", "")
	}
	for i, j := range s.jobs {
		if j.State.Final() {
			r := j.JobRecord
			r.Finished = now.Add(-time.Duration(i) * time.Minute)
			s.past = append(s.past, r)
		}
	}
	for i := range 6 {
		r := uploader.JobRecord{ID: s.nextID, Rel: fmt.Sprintf("invoices/2026-0%d.pdf", i+1),
			Source: fmt.Sprintf("/home/sam/invoices/2026-0%d.pdf", i+1), Size: int64(i+1) * 2 * mb,
			State: uploader.StateDone, Finished: now.Add(-time.Duration(24+i) * time.Hour), Attempts: 1}
		r.Key = "uploads/2026-03-0" + fmt.Sprint(i+1) + "/" + r.Rel
		if i == 2 {
			r.State, r.Reason = uploader.StateFailed, "The storage refused access. Ask your organisation's support to check your permissions."
			r.Detail = "operation error S3: UploadPart, https response error StatusCode: 403, AccessDenied"
			r.Attempts = 3
		}
		s.past = append(s.past, r)
		s.nextID++
	}
	return s
}

// run advances running jobs four times a second.
func (s *sim) run() {
	for range time.Tick(250 * time.Millisecond) {
		s.mu.Lock()
		active := 0
		for i := range s.jobs {
			j := &s.jobs[i]
			switch {
			case s.held || j.Note != "":
			case j.State == uploader.StateRunning:
				active++
				j.Done = min(j.Size, j.Done+int64(j.Speed/4))
				if j.Speed > 0 {
					j.ETA = time.Duration(float64(j.Size-j.Done) / j.Speed * float64(time.Second))
				}
				if j.Done == j.Size {
					j.State, j.Finished = uploader.StateDone, time.Now()
				}
			case j.State == uploader.StateQueued && active < 2:
				j.State, j.Speed = uploader.StateRunning, 25*mb
				active++
			}
		}
		s.mu.Unlock()
	}
}

func (s *sim) Add(_ context.Context, paths ...string) (uploader.Added, error) {
	fmt.Fprintf(os.Stderr, "demo: add %q\n", paths)
	s.mu.Lock()
	defer s.mu.Unlock()
	var added uploader.Added
	for _, p := range paths {
		id := s.nextID
		s.nextID++
		s.jobs = append(s.jobs, uploader.JobSnapshot{JobRecord: uploader.JobRecord{ID: id, Source: p,
			Rel: filepath.Base(p), Key: "uploads/" + filepath.Base(p), Size: 500 * mb, State: uploader.StateQueued,
			Created: time.Now()}, ETA: -1})
		added.IDs = append(added.IDs, id)
	}
	return added, nil
}

func (s *sim) Snapshot() uploader.Snapshot {
	s.mu.Lock()
	defer s.mu.Unlock()
	snap := uploader.Snapshot{Jobs: append([]uploader.JobSnapshot(nil), s.jobs...), Held: s.held}
	t := &snap.Totals
	for _, j := range s.jobs {
		if j.State == uploader.StateCancelled {
			continue
		}
		t.Files++
		t.Bytes += j.Size
		t.BytesDone += j.Done
		switch j.State {
		case uploader.StateDone, uploader.StateSkipped:
			t.FilesDone++
		case uploader.StateFailed:
			t.FilesFailed++
		case uploader.StateRunning, uploader.StateVerifying:
			t.FilesActive++
			t.Speed += j.Speed
		}
	}
	t.ETA = -1
	if t.Speed > 0 {
		t.ETA = time.Duration(float64(t.Bytes-t.BytesDone) / t.Speed * float64(time.Second))
	}
	return snap
}

// set changes the state of the given jobs that pass keep.
func (s *sim) set(ids []uint64, keep func(uploader.State) bool, st uploader.State) {
	s.mu.Lock()
	defer s.mu.Unlock()
	want := map[uint64]bool{}
	for _, id := range ids {
		want[id] = true
	}
	for i := range s.jobs {
		j := &s.jobs[i]
		if (ids == nil || want[j.ID]) && keep(j.State) {
			j.State, j.Reason, j.Note = st, "", ""
			if st != uploader.StateRunning {
				j.Speed, j.ETA = 0, -1
			}
		}
	}
}

func unfinished(st uploader.State) bool { return !st.Final() }
func isPaused(st uploader.State) bool   { return st == uploader.StatePaused }
func retryable(st uploader.State) bool {
	return st == uploader.StateFailed || st == uploader.StateCancelled
}

func (s *sim) Pause(ids ...uint64)  { s.set(ids, unfinished, uploader.StatePaused) }
func (s *sim) Resume(ids ...uint64) { s.set(ids, isPaused, uploader.StateQueued) }
func (s *sim) Cancel(ids ...uint64) { s.set(ids, unfinished, uploader.StateCancelled) }
func (s *sim) Retry(ids ...uint64) error {
	s.set(ids, retryable, uploader.StateQueued)
	return nil
}
func (s *sim) PauseForSignIn(ids ...uint64) { s.set(ids, unfinished, uploader.StatePaused) }
func (s *sim) TryNow(...uint64)             {}
func (s *sim) ClearFinished() {
	s.mu.Lock()
	defer s.mu.Unlock()
	kept := s.jobs[:0]
	for _, j := range s.jobs {
		if !j.State.Final() {
			kept = append(kept, j)
		}
	}
	s.jobs = kept
}
func (s *sim) PauseAll()  { s.set(nil, unfinished, uploader.StatePaused) }
func (s *sim) ResumeAll() { s.set(nil, isPaused, uploader.StateQueued) }
func (s *sim) CancelAll() { s.set(nil, unfinished, uploader.StateCancelled) }
func (s *sim) RetryFailed() ([]uint64, error) {
	s.set(nil, func(st uploader.State) bool { return st == uploader.StateFailed }, uploader.StateQueued)
	return nil, nil
}

func (s *sim) History(failedOnly bool) ([]uploader.JobRecord, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []uploader.JobRecord
	for _, r := range s.past {
		if !failedOnly || r.State == uploader.StateFailed {
			out = append(out, r)
		}
	}
	return out, nil
}

// account pretends to sign in: the "browser" takes a few seconds.
type account struct {
	signedIn bool
	sim      *sim
}

func (a *account) SignIn(ctx context.Context, onURL func(string)) (ui.Identity, error) {
	onURL("http://127.0.0.1:53127/authorize?client_id=hoist&code_challenge=E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM&response_type=code&state=af0ifjsldkj")
	select {
	case <-ctx.Done():
		return ui.Identity{}, ctx.Err()
	case <-time.After(4 * time.Second):
	}
	a.sim.mu.Lock()
	a.sim.held = false
	a.sim.mu.Unlock()
	return ui.Identity{Name: "Sam Rivera", Email: "sam@acme.example"}, nil
}

func (a *account) SignOut(context.Context) error { return nil }

func (a *account) Restore(context.Context) (ui.Identity, bool) {
	if !a.signedIn {
		return ui.Identity{}, false
	}
	return ui.Identity{Name: "Sam Rivera", Email: "sam@acme.example"}, true
}

var _ ui.Uploads = (*sim)(nil)
