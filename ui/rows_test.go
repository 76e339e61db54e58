package ui

import (
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/widget"

	"hoist/uploader"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata/")

// goldenNow is the time the golden rows are drawn at.
var goldenNow = time.Date(2026, 3, 2, 14, 5, 0, 0, time.UTC)

// describeRow writes what a queue row shows, one widget a line: a stable
// text form of the rendering for golden files.
func describeRow(r *queueRow) string {
	var b strings.Builder
	fmt.Fprintf(&b, "name:     %s\n", r.name.Text)
	fmt.Fprintf(&b, "size:     %s\n", r.size.Text)
	fmt.Fprintf(&b, "progress: %s (%.3f)\n", r.view.percent, r.bar.Value)
	fmt.Fprintf(&b, "status:   %s [%s]\n", r.status.Text, importanceName(r.status.Importance))
	if r.reason.Visible() {
		fmt.Fprintf(&b, "reason:   %s\n", r.reason.Text)
	}
	var buttons []string
	for _, btn := range []*keyButton{r.tryNow, r.primary, r.cancel, r.details} {
		if btn.Visible() {
			buttons = append(buttons, "["+btn.Text+"]")
		}
	}
	fmt.Fprintf(&b, "buttons:  %s\n", strings.Join(buttons, " "))
	return b.String()
}

func importanceName(i widget.Importance) string {
	switch i {
	case widget.SuccessImportance:
		return "success"
	case widget.WarningImportance:
		return "warning"
	case widget.DangerImportance:
		return "danger"
	}
	return "normal"
}

// golden compares got with testdata/name, or rewrites it with -update.
func golden(t *testing.T, name, got string) {
	t.Helper()
	path := filepath.Join("testdata", name)
	if *update {
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test ./ui -run %s -update to create it)", err, t.Name())
	}
	if string(want) != got {
		t.Errorf("%s differs (go test ./ui -update rewrites it)\n--- want\n%s--- got\n%s", path, want, got)
	}
}

// rowGoldenCase is one row state drawn for the golden files.
type rowGoldenCase struct {
	name string
	job  uploader.JobSnapshot
}

func TestRowGoldens(t *testing.T) {
	testRowGoldens(t, "rows")
}

// testRowGoldens draws every row state and compares it with dir's golden
// files.
func testRowGoldens(t *testing.T, dir string) {
	const gb = 1_000_000_000
	rec := func(st uploader.State, reason, detail string) uploader.JobRecord {
		return uploader.JobRecord{ID: 42, Source: "/home/ada/survey/site-A/footage.mp4", Rel: "survey/site-A/footage.mp4",
			Key: "uploads/2026-03-02/survey/site-A/footage.mp4", Size: 40 * gb, State: st, Reason: reason, Detail: detail}
	}
	cases := []rowGoldenCase{
		{"queued", uploader.JobSnapshot{JobRecord: rec(uploader.StateQueued, "", ""), ETA: -1}},
		{"uploading", uploader.JobSnapshot{JobRecord: rec(uploader.StateRunning, "", ""),
			Done: 17 * gb, Speed: 38_500_000, ETA: 10 * time.Minute}},
		{"uploading-offline", uploader.JobSnapshot{JobRecord: rec(uploader.StateRunning, "", ""),
			Done: 17 * gb, ETA: -1, Note: "Waiting for the network"}},
		{"storage-down", uploader.JobSnapshot{JobRecord: rec(uploader.StateRunning, "", ""),
			Done: 17 * gb, Confirmed: 16 * gb, ETA: -1, Note: "Your organisation's storage isn't answering",
			RetryAt: goldenNow.Add(12 * time.Second), LastError: "dial tcp 127.0.0.1:9000: connect: connection refused"}},
		{"pausing", uploader.JobSnapshot{JobRecord: rec(uploader.StateRunning, "", ""),
			Done: 17 * gb, Confirmed: 16 * gb, ETA: -1, Pausing: true}},
		{"finishing", uploader.JobSnapshot{JobRecord: rec(uploader.StateRunning, "", ""),
			Done: 40 * gb, Confirmed: 39 * gb, Speed: 103_000, ETA: time.Second}},
		{"verifying", uploader.JobSnapshot{JobRecord: rec(uploader.StateVerifying, "", ""), Done: 40 * gb, ETA: -1}},
		{"paused", uploader.JobSnapshot{JobRecord: rec(uploader.StatePaused, "", ""), Done: 3 * gb, Confirmed: 3 * gb, ETA: -1}},
		{"waiting-for-sign-in", uploader.JobSnapshot{JobRecord: func() uploader.JobRecord {
			r := rec(uploader.StatePaused, "", "")
			r.WaitingSignIn = true
			return r
		}(), Done: 3 * gb, Confirmed: 3 * gb, ETA: -1}},
		{"held", uploader.JobSnapshot{JobRecord: rec(uploader.StateQueued, "", ""), Done: 3 * gb, ETA: -1,
			Note: "Sign in again to continue"}},
		{"done", uploader.JobSnapshot{JobRecord: rec(uploader.StateDone, "", ""), Done: 40 * gb, ETA: -1}},
		{"done-renamed", uploader.JobSnapshot{JobRecord: rec(uploader.StateDone, "Sent as footage (1).mp4: a file of that name was there.", ""),
			Done: 40 * gb, ETA: -1}},
		{"skipped", uploader.JobSnapshot{JobRecord: rec(uploader.StateSkipped, "A file of that name is already there.", ""),
			Done: 40 * gb, ETA: -1}},
		{"failed", uploader.JobSnapshot{JobRecord: rec(uploader.StateFailed,
			"The file is gone: it was moved or deleted before it was sent. Put it back and press Retry.",
			"open /home/ada/survey/site-A/footage.mp4: no such file or directory"), ETA: -1}},
		{"cancelled", uploader.JobSnapshot{JobRecord: rec(uploader.StateCancelled, "Cancelled.", ""), ETA: -1}},
	}
	w := testWindow(t, Deps{})
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			r := newQueueRow(w, rowButtonWidth())
			r.Resize(fyne.NewSize(900, r.MinSize().Height))
			r.set(newRowView(&c.job, nil, goldenNow))
			golden(t, filepath.Join(dir, c.name+".txt"), describeRow(r))
		})
	}
}

// TestRowReuse checks that a row drawn for one job and then another shows
// only the second (the list recycles rows).
func TestRowReuse(t *testing.T) {
	w := testWindow(t, Deps{})
	r := newQueueRow(w, rowButtonWidth())
	failed := job(1, uploader.StateFailed, 100, 0)
	failed.Reason = "It broke."
	r.set(newRowView(&failed, nil, time.Now()))
	fresh := newQueueRow(w, rowButtonWidth())
	running := job(2, uploader.StateRunning, 100, 50)
	r.set(newRowView(&running, nil, time.Now()))
	fresh.set(newRowView(&running, nil, time.Now()))
	if describeRow(r) != describeRow(fresh) {
		t.Errorf("recycled row:\n%s\nfresh row:\n%s", describeRow(r), describeRow(fresh))
	}
}
