package uploader_test

import (
	"context"
	"encoding/base64"
	"encoding/binary"
	"encoding/json"
	"errors"
	"hash/crc32"
	"os"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"hoist/uploader"
)

const custRoot = "uploads/cust-1/"

func receiptRig(t *testing.T) *rig {
	t.Helper()
	return newRig(t, func(o *uploader.Options) {
		o.Receipts = &uploader.ReceiptOptions{
			Root:   custRoot,
			Sender: uploader.Sender{Subject: "cust-1", Email: "c@example.com"},
			Device: "laptop", App: "hoist test",
		}
		o.MaxFailures = 2
	})
}

// receipts returns the receipts stored under the rig's customer root.
func (r *rig) receipts() map[string]uploader.Receipt {
	r.t.Helper()
	out := map[string]uploader.Receipt{}
	for _, k := range r.store.Keys() {
		if !strings.HasPrefix(k, custRoot+uploader.ReceiptDir) {
			continue
		}
		data, _ := r.store.Object(k)
		var rc uploader.Receipt
		if err := json.Unmarshal(data, &rc); err != nil {
			r.t.Fatalf("receipt %s: %v", k, err)
		}
		out[k] = rc
	}
	return out
}

func crc32cOf(t *testing.T, path string) string {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var b [4]byte
	binary.BigEndian.PutUint32(b[:], crc32.Checksum(data, crc32.MakeTable(crc32.Castagnoli)))
	return base64.StdEncoding.EncodeToString(b[:])
}

// A batch with a small file, a multipart file and a file the store refuses
// ends with one receipt in the store and the journal: full-object CRC32C
// checksums a standard tool reproduces, and the failure's code and reason.
func TestReceiptForBatch(t *testing.T) {
	r := receiptRig(t)
	r.store.FullObject = true
	r.store.Hook = func(_ context.Context, op, key string, _ int32) error {
		if strings.Contains(key, "refused") && op == "put" {
			return &uploader.StoreError{Kind: uploader.KindAccessDenied, Code: "AccessDenied", Err: errors.New("denied")}
		}
		return nil
	}
	small := r.file("batch/small.txt", 1000)
	big := r.file("batch/big.bin", 2*testPart+77)
	r.file("batch/refused.txt", 10)
	added := r.send(custRoot, r.dir+"/batch")
	if len(added.IDs) != 3 {
		t.Fatalf("queued %d files", len(added.IDs))
	}
	r.wait()
	waitFor(t, "the receipt", func() bool { return r.engine.PendingReceipts() == 0 && len(r.receipts()) == 1 })
	var key string
	var rc uploader.Receipt
	for k, v := range r.receipts() {
		key, rc = k, v
	}
	if !strings.HasSuffix(key, "-"+rc.Batch+".json") || rc.Format != uploader.ReceiptFormat {
		t.Fatalf("receipt %s: %+v", key, rc)
	}
	if rc.Sender.Email != "c@example.com" || rc.Device != "laptop" || rc.App != "hoist test" {
		t.Errorf("who: %+v %q %q", rc.Sender, rc.Device, rc.App)
	}
	if s := rc.Summary; s.Files != 3 || s.Done != 2 || s.Failed != 1 || s.BytesDone != 1000+2*testPart+77 {
		t.Errorf("summary %+v", s)
	}
	files := map[string]uploader.File{}
	for _, f := range rc.Files {
		files[f.Path] = f
	}
	for path, local := range map[string]string{"batch/small.txt": small, "batch/big.bin": big} {
		f := files[path]
		if f.State != uploader.StateDone || f.Checksum != crc32cOf(t, local) || f.ChecksumType != uploader.ChecksumFullObject {
			t.Errorf("%s: %+v, want CRC32C %s", path, f, crc32cOf(t, local))
		}
		fi, _ := os.Stat(local)
		if f.Size != fi.Size() || !f.ModTime.Equal(fi.ModTime()) || f.Key != custRoot+path {
			t.Errorf("%s: %+v", path, f)
		}
	}
	bad := files["batch/refused.txt"]
	if bad.State != uploader.StateFailed || bad.Code != uploader.CodeAccessDenied || bad.Reason == "" || bad.Checksum != "" {
		t.Errorf("refused file: %+v", bad)
	}
	local, ok := r.engine.Batch(rc.Batch)
	if !ok || local.Written.IsZero() || local.ReceiptKey != key || local.Receipt == nil || len(local.Receipt.Files) != 3 {
		t.Fatalf("local receipt: %+v", local)
	}
	text := uploader.ReceiptText(local.Receipt)
	for _, want := range []string{"c@example.com", "batch/big.bin", crc32cOf(t, big), "access_denied"} {
		if !strings.Contains(text, want) {
			t.Errorf("receipt text lacks %q:\n%s", want, text)
		}
	}
	// Kept across a restart.
	r.restart()
	if again, ok := r.engine.Batch(rc.Batch); !ok || again.Written.IsZero() {
		t.Errorf("after restart: %+v", again)
	}
	if r.engine.PendingReceipts() != 0 || len(r.receipts()) != 1 {
		t.Errorf("a restart wrote the receipt again: %v", r.store.Keys())
	}
}

// A batch stays open across several Adds; the receipt comes after Close
// and lists every file, even one that ended long before.
func TestBatchAcrossAdds(t *testing.T) {
	r := receiptRig(t)
	a := r.file("a.txt", 10)
	b := r.file("b.txt", 20)
	batch := r.engine.OpenBatch(uploader.BatchOptions{Request: "req-1"})
	if _, err := batch.Add(context.Background(), custRoot, a); err != nil {
		t.Fatal(err)
	}
	r.wait()
	time.Sleep(50 * time.Millisecond)
	if n := len(r.receipts()); n != 0 {
		t.Fatalf("%d receipts before the batch was closed", n)
	}
	if _, err := batch.Add(context.Background(), custRoot, b); err != nil {
		t.Fatal(err)
	}
	batch.Close()
	r.wait()
	waitFor(t, "the receipt", func() bool { return len(r.receipts()) == 1 && r.engine.PendingReceipts() == 0 })
	for _, rc := range r.receipts() {
		if rc.Batch != batch.ID() || rc.Request != "req-1" || len(rc.Files) != 2 || rc.Summary.Done != 2 {
			t.Errorf("receipt %+v", rc)
		}
	}
	// A batch with nothing queued leaves no receipt.
	empty := r.engine.OpenBatch(uploader.BatchOptions{})
	empty.Close()
	if _, ok := r.engine.Batch(empty.ID()); ok {
		t.Error("an empty batch was kept")
	}
}

// A receipt the store refuses is retried in the background, across a
// restart, without failing or holding the files; a retried file then ends
// in a newer receipt of the same batch.
func TestReceiptWriteRetried(t *testing.T) {
	r := receiptRig(t)
	var refuse atomic.Bool
	refuse.Store(true)
	var tries atomic.Int32
	r.store.Hook = func(_ context.Context, op, key string, _ int32) error {
		if op == "put" && strings.Contains(key, uploader.ReceiptDir) {
			tries.Add(1)
			if refuse.Load() {
				return &uploader.StoreError{Kind: uploader.KindRetryable, Code: "SlowDown", Err: errors.New("slow down")}
			}
		}
		if op == "put" && strings.Contains(key, "flaky") && refuse.Load() {
			return &uploader.StoreError{Kind: uploader.KindAccessDenied, Code: "AccessDenied", Err: errors.New("denied")}
		}
		return nil
	}
	ok := r.file("ok.txt", 10)
	flaky := r.file("flaky.txt", 10)
	added := r.send(custRoot, ok, flaky)
	r.wait()
	if s := r.job(added.IDs[0]); s.State != uploader.StateDone {
		t.Fatalf("the file waited for its receipt: %s", s.State)
	}
	waitFor(t, "retries of the receipt", func() bool { return tries.Load() >= 3 })
	if r.engine.PendingReceipts() != 1 {
		t.Fatalf("pending receipts %d", r.engine.PendingReceipts())
	}
	r.restart()
	if r.engine.PendingReceipts() != 1 {
		t.Fatalf("the pending receipt was lost in a restart")
	}
	refuse.Store(false)
	waitFor(t, "the receipt", func() bool { return r.engine.PendingReceipts() == 0 && len(r.receipts()) == 1 })
	time.Sleep(1100 * time.Millisecond) // the next receipt gets a later second in its key
	if err := r.engine.Retry(added.IDs[1]); err != nil {
		t.Fatal(err)
	}
	r.wait()
	waitFor(t, "the second receipt", func() bool { return r.engine.PendingReceipts() == 0 && len(r.receipts()) == 2 })
	var newest uploader.Receipt
	for _, rc := range r.receipts() {
		if rc.Ended.After(newest.Ended) {
			newest = rc
		}
	}
	if newest.Summary.Done != 2 || newest.Summary.Failed != 0 {
		t.Errorf("the newer receipt: %+v", newest.Summary)
	}
}

// A receipt the store refuses for good does not keep WaitReceipts waiting.
func TestWaitReceiptsStopsOnRefusal(t *testing.T) {
	r := receiptRig(t)
	r.store.Hook = func(_ context.Context, op, key string, _ int32) error {
		if op == "put" && strings.Contains(key, uploader.ReceiptDir) {
			return &uploader.StoreError{Kind: uploader.KindAccessDenied, Code: "AccessDenied", Err: errors.New("denied")}
		}
		return nil
	}
	r.send(custRoot, r.file("x.txt", 5))
	r.wait()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	err := r.engine.WaitReceipts(ctx)
	if err == nil || !strings.Contains(err.Error(), "denied") || ctx.Err() != nil {
		t.Fatalf("WaitReceipts: %v (ctx %v)", err, ctx.Err())
	}
	if r.engine.PendingReceipts() != 1 {
		t.Error("the refused receipt is no longer pending")
	}
}

// A start brings back only the batches not done with: one whose receipt
// is written stays in the journal (Batch finds it) but not in memory, and
// a file of it retried after the restart still ends in a new receipt of
// the whole batch.
func TestStartSkipsDeliveredBatches(t *testing.T) {
	r := receiptRig(t)
	var mode atomic.Int32 // 0: refuse, 1: hold until the request ends, 2: accept
	r.store.Hook = func(ctx context.Context, op, key string, _ int32) error {
		if op != "put" || !strings.Contains(key, "refused") {
			return nil
		}
		switch mode.Load() {
		case 0:
			return &uploader.StoreError{Kind: uploader.KindAccessDenied, Code: "AccessDenied", Err: errors.New("denied")}
		case 1:
			<-ctx.Done()
			return ctx.Err()
		}
		return nil
	}
	r.file("b/ok.txt", 10)
	r.file("b/refused.txt", 10)
	added := r.send(custRoot, r.dir+"/b")
	r.wait()
	waitFor(t, "the receipt", func() bool { return r.engine.PendingReceipts() == 0 && len(r.receipts()) == 1 })
	id := r.engine.SessionBatches()[0].ID

	r.restart()
	if got := r.engine.SessionBatches(); len(got) != 0 {
		t.Fatalf("a start brought back %d delivered batches", len(got))
	}
	if b, ok := r.engine.Batch(id); !ok || b.Receipt == nil || b.Written.IsZero() {
		t.Fatalf("Batch(%s) after restart: %+v, %v", id, b, ok)
	}
	// Retried, and still uploading when Hoist quits: the next start brings
	// its batch back from the journal with it.
	mode.Store(1)
	if err := r.engine.Retry(added.IDs[1]); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "the retry to start", func() bool { return r.job(added.IDs[1]).State == uploader.StateRunning })
	time.Sleep(1100 * time.Millisecond) // the next receipt gets a later second in its key
	mode.Store(2)
	r.restart()
	if got := r.engine.SessionBatches(); len(got) != 1 || got[0].ID != id {
		t.Fatalf("after a restart with a file of it unfinished: %+v", got)
	}
	r.wait()
	waitFor(t, "the second receipt", func() bool { return r.engine.PendingReceipts() == 0 && len(r.receipts()) == 2 })
	for key, rc := range r.receipts() {
		if rc.Batch != id || rc.Summary.Files != 2 {
			t.Errorf("receipt %s: batch %s, %+v", key, rc.Batch, rc.Summary)
		}
	}
}
