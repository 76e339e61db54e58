package ui

import (
	"context"
	"strings"
	"testing"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/widget"

	"hoist/uploader"
)

type fakeSupport struct {
	resent   []string
	missing  []string
	asked    []string
	batches  []SupportBatch
	filters  []SupportFilter
	receipts map[string]string
}

func (f *fakeSupport) Resend(_ context.Context, id string) ([]string, error) {
	f.resent = append(f.resent, id)
	return f.missing, nil
}
func (f *fakeSupport) SendFor(context.Context, string, ...string) error { return nil }
func (f *fakeSupport) ReceiptText(batch string) (string, error)         { return f.receipts[batch], nil }
func (f *fakeSupport) Report() (string, error)                          { return "report", nil }
func (f *fakeSupport) Batches(_ context.Context, fl SupportFilter) ([]SupportBatch, error) {
	f.filters = append(f.filters, fl)
	return f.batches, nil
}
func (f *fakeSupport) Incomplete(context.Context) ([]SupportUpload, error) { return nil, nil }
func (f *fakeSupport) AbortOlderThan(context.Context, float64, bool) ([]SupportUpload, error) {
	return nil, nil
}
func (f *fakeSupport) Link(context.Context, string) (string, time.Time, error) {
	return "https://link", time.Now().Add(time.Hour), nil
}
func (f *fakeSupport) Download(context.Context, string, string) (string, error) { return "", nil }
func (f *fakeSupport) Requests(context.Context, string) ([]string, error) {
	return []string{"2026-12-02 10:15 scan-03.tif: open"}, nil
}
func (f *fakeSupport) Ask(_ context.Context, customer, batch string, _ []string, msg string) error {
	f.asked = append(f.asked, customer+"/"+batch+"/"+msg)
	return nil
}

// A re-send request shows as a banner naming who asks and which files,
// with one button that re-sends them; answered, it goes away.
func TestResendBanner(t *testing.T) {
	fs := &fakeSupport{}
	w := testWindow(t, Deps{Support: fs})
	b := w.uploads.requests
	if b.root.Visible() {
		t.Fatal("banner shown with no request")
	}
	b.set([]ResendRequest{{ID: "r1", Organisation: "Acme Research", Files: []string{"scan-03.tif", "scan-07.tif"}}})
	text := strings.Join(labels(b.root), "\n")
	if !b.root.Visible() || !strings.Contains(text, "Acme Research asks you to send again: scan-03.tif, scan-07.tif") {
		t.Fatalf("banner %q (visible %v)", text, b.root.Visible())
	}
	test.Tap(button(t, w, "Send the files again"))
	if len(fs.resent) != 1 || fs.resent[0] != "r1" {
		t.Fatalf("Resend calls %v", fs.resent)
	}
	if b.root.Visible() {
		t.Error("banner still shown after the files were re-sent")
	}
	// The next poll still lists it (the answer comes with the receipt):
	// it stays hidden.
	b.set([]ResendRequest{{ID: "r1", Files: []string{"scan-03.tif"}}})
	if b.root.Visible() {
		t.Error("an answered request came back")
	}
	b.set([]ResendRequest{{ID: "r2", Message: "the scans for case 4711"}})
	if !strings.Contains(strings.Join(labels(b.root), "\n"), "Your organisation asks you to send again: the scans for case 4711") {
		t.Errorf("free-text banner: %q", labels(b.root))
	}
	button(t, w, "Choose the files…")
}

// Staff get a Support tab listing the batches, with what failed and why,
// and can ask the customer to send again.
func TestSupportTabForStaff(t *testing.T) {
	fs := &fakeSupport{batches: []SupportBatch{{Customer: "cust-1", Receipt: uploader.Receipt{
		Batch: "b1", Sender: uploader.Sender{Email: "alice@example.com"}, Ended: time.Now(),
		Summary: uploader.Summary{Files: 2, Done: 1, Failed: 1},
		Files: []uploader.File{
			{Path: "ok.txt", Key: "uploads/cust-1/ok.txt", State: uploader.StateDone, Checksum: "AAAAAA=="},
			{Path: "scan-03.tif", State: uploader.StateFailed, Code: uploader.CodeFileMissing, Reason: "The file is gone"},
		}}}}}
	w := testWindow(t, Deps{Support: fs})
	s := w.uploads
	if len(s.tabs.Items) != 2 {
		t.Fatalf("%d tabs before SetStaff", len(s.tabs.Items))
	}
	s.setStaff(true)
	if len(s.tabs.Items) != 3 || s.supportTab == nil || s.supportTab.Text != "Support" {
		t.Fatalf("no Support tab: %d tabs", len(s.tabs.Items))
	}
	s.tabs.Select(s.supportTab)
	v := s.support
	if len(fs.batches) != 1 || len(v.batches) != 1 {
		t.Fatalf("batches not loaded: %v", v.batches)
	}
	if line := batchLine(v.batches[0]); !strings.Contains(line, "alice@example.com") || !strings.Contains(line, "1 failed") {
		t.Errorf("batch line %q", line)
	}
	v.list.Select(0)
	if d := v.detail.Text; !strings.Contains(d, "file_missing: The file is gone") || !strings.Contains(d, "CRC32C AAAAAA==") || !strings.Contains(d, "scan-03.tif: open") {
		t.Errorf("detail %q", d)
	}
	if v.files.Selected != "uploads/cust-1/ok.txt" {
		t.Errorf("file to download: %q", v.files.Selected)
	}
	test.Tap(button(t, w, "Get link"))
	if v.link.Text != "https://link" || !strings.Contains(v.status.Text, "works until") {
		t.Errorf("link %q, status %q", v.link.Text, v.status.Text)
	}
	test.Tap(button(t, w, "Ask to send again"))
	if len(fs.asked) != 1 || fs.asked[0] != "cust-1/b1/" {
		t.Errorf("asked %v", fs.asked)
	}
	v.failed.SetChecked(true)
	if last := fs.filters[len(fs.filters)-1]; !last.FailedOnly {
		t.Errorf("filter %+v", last)
	}
	s.setStaff(false)
	if len(s.tabs.Items) != 2 {
		t.Error("the Support tab stayed for someone who is not staff")
	}
}

// History's Copy receipt copies the receipt of the newest upload's batch,
// and Copy report for support the report; without Support neither shows.
func TestHistoryCopyReceiptAndReport(t *testing.T) {
	fake := newFakeUploads()
	now := time.Now()
	fake.history = []uploader.JobRecord{
		{ID: 2, Rel: "b.txt", Key: "up/b.txt", State: uploader.StateDone, Finished: now, Batch: "new"},
		{ID: 1, Rel: "a.txt", Key: "up/a.txt", State: uploader.StateFailed, Finished: now.Add(-time.Hour), Batch: "old"},
	}
	fs := &fakeSupport{receipts: map[string]string{"new": "Hoist receipt new", "old": "Hoist receipt old"}}
	a := test.NewTempApp(t)
	w := testWindow(t, Deps{App: a, Uploads: fake, Support: fs})
	w.uploads.tabs.Select(w.uploads.histTab)
	test.Tap(button(t, w, "Copy receipt"))
	if got := a.Clipboard().Content(); got != "Hoist receipt new" {
		t.Errorf("clipboard %q", got)
	}
	shown := find(w.win.Canvas().Overlays().Top(), func(o fyne.CanvasObject) bool {
		l, ok := o.(*widget.Label)
		return ok && l.Text == "Hoist receipt new"
	})
	if len(shown) != 1 {
		t.Error("the receipt is not shown in a dialog")
	}
	test.Tap(button(t, w, "Close"))
	test.Tap(button(t, w, "Copy report for support"))
	if got := a.Clipboard().Content(); got != "report" {
		t.Errorf("clipboard %q", got)
	}

	plain := testWindow(t, Deps{Uploads: fake})
	plain.uploads.tabs.Select(plain.uploads.histTab)
	if len(find(plain.win.Content(), func(o fyne.CanvasObject) bool { b, ok := o.(*widget.Button); return ok && b.Text == "Copy receipt" })) != 0 {
		t.Error("Copy receipt without receipts")
	}
}
