package uploader

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"time"
)

// A batch is what one drop (or one `hoist send`) queued. When its last file
// ends (done, failed, skipped or cancelled), the engine builds a receipt,
// keeps it in the journal, and writes it as a small JSON object to
// <Root>.hoist/batches/<time>-<id>.json in the store, with a conditional
// write. A failed receipt write is retried in the background, like a part,
// and never fails or holds the files themselves. A file of the batch retried
// later ends in a newer receipt of the same batch (a later <time>).

// ReceiptFormat names the receipt's JSON layout.
const ReceiptFormat = "hoist-receipt/1"

// ReceiptDir is the folder under a customer's prefix that holds receipts.
const ReceiptDir = ".hoist/batches/"

// receiptTimeout bounds one receipt write.
const receiptTimeout = 60 * time.Second

// Sender says who sent a batch.
type Sender struct {
	Subject string `json:"sub,omitempty"`
	Email   string `json:"email,omitempty"`
	Name    string `json:"name,omitempty"`
}

// ReceiptOptions say where receipts go and what they say about the sender.
type ReceiptOptions struct {
	// Root is the customer's own prefix (ending in "/" or empty): receipts
	// are stored under Root + ReceiptDir.
	Root   string
	Sender Sender
	// Device is the computer's name; App is "hoist <version>".
	Device, App string
}

// Receipt is the manifest of one batch, as stored and kept locally.
type Receipt struct {
	Format string `json:"format"`
	Batch  string `json:"batch"`
	// Request is the re-send request the batch answers, if any.
	Request string    `json:"request,omitempty"`
	Sender  Sender    `json:"sender"`
	Device  string    `json:"device,omitempty"`
	App     string    `json:"app,omitempty"`
	Bucket  string    `json:"bucket,omitempty"`
	Opened  time.Time `json:"opened"`
	Ended   time.Time `json:"ended"`
	Summary Summary   `json:"summary"`
	Files   []File    `json:"files"`
}

// Summary counts a receipt's files.
type Summary struct {
	Files   int   `json:"files"`
	Done    int   `json:"done"`
	Failed  int   `json:"failed"`
	Skipped int   `json:"skipped"`
	Bytes   int64 `json:"bytes"`
	// BytesDone counts the bytes of the files that arrived.
	BytesDone int64 `json:"bytes_done"`
}

// File is one file of a receipt.
type File struct {
	// Path is the slash-separated path relative to what was dropped.
	Path    string    `json:"path"`
	Key     string    `json:"key"`
	Size    int64     `json:"size"`
	ModTime time.Time `json:"mtime"`
	State   State     `json:"state"`
	// Checksum is the base64 CRC32C the store reports for the object, of
	// ChecksumType (FULL_OBJECT: the CRC32C of the file's bytes).
	Checksum     string `json:"crc32c,omitempty"`
	ChecksumType string `json:"checksum_type,omitempty"`
	// Code and Reason say why a file failed, was skipped or cancelled.
	Code   string `json:"code,omitempty"`
	Reason string `json:"reason,omitempty"`
}

// BatchRecord is what the journal keeps of a batch.
type BatchRecord struct {
	ID     string    `json:"id"`
	Opened time.Time `json:"opened"`
	// Sealed means no more files will be added.
	Sealed  bool   `json:"sealed,omitempty"`
	Request string `json:"request,omitempty"`
	// Receipt is the last receipt built; nil until the batch first ended.
	Receipt *Receipt `json:"receipt,omitempty"`
	// ReceiptKey is where Receipt is stored (or will be); "" when the
	// engine writes no receipts to the store.
	ReceiptKey string `json:"receipt_key,omitempty"`
	// Written is when Receipt was stored; zero while it is pending.
	Written time.Time `json:"written,omitzero"`
	// WriteError is the last failure to store it, for support.
	WriteError string `json:"write_error,omitempty"`
}

// Pending reports whether the receipt still has to be written to the store.
func (b BatchRecord) Pending() bool {
	return b.Receipt != nil && b.ReceiptKey != "" && b.Written.IsZero()
}

// BatchJournal is implemented by journals that keep batches and their
// receipts (the bbolt journal does). With a journal that does not, batches
// live in memory only: receipts are still written, but one pending when
// Hoist exits is lost.
type BatchJournal interface {
	// PutBatch stores or replaces the batch with the same ID.
	PutBatch(b BatchRecord) error
	// Batches returns every batch, ordered by ID.
	Batches() ([]BatchRecord, error)
}

// WaitingBatchJournal is implemented by batch journals that index the
// batches not done with (the bbolt journal does): a start then reads those
// and not every receipt of history, each of which lists its batch's files.
type WaitingBatchJournal interface {
	// WaitingBatches returns the batches that are not sealed, have no
	// receipt yet, or whose receipt waits to be written, ordered by ID.
	WaitingBatches() ([]BatchRecord, error)
	// Batch returns the batch with the given ID; ok is false when there is
	// none.
	Batch(id string) (b BatchRecord, ok bool, err error)
}

// BatchJobsJournal is implemented by journals that can go through one
// batch's jobs without decoding every other one (the bbolt journal does).
type BatchJobsJournal interface {
	// EachBatchJob calls fn with each job of the batch, ordered by ID,
	// leaving out (without decoding) those skip returns true for.
	EachBatchJob(batch string, skip func(id uint64) bool, fn func(JobRecord)) error
}

// batchState is the engine's live view of a batch.
type batchState struct {
	rec  BatchRecord
	jobs []*job // this session's jobs of the batch, in order (retired ones leave it)
	// added counts the jobs this session added to the batch.
	added int
	// cursor is the first job in jobs that may be unfinished.
	cursor int
	// ended is set once the receipt for the current round is being built
	// (building) or was built.
	ended, building bool
	// fails and next pace the retries of the receipt write.
	fails int
	next  time.Time
	// refused is set when the last write failed for a reason retrying
	// soon will not fix (access denied, say).
	refused bool
}

// BatchOptions describe a new batch.
type BatchOptions struct {
	// Request is the ID of the re-send request this batch answers.
	Request string
}

// Batch is an open batch: files added with Add belong to it until Close.
type Batch struct {
	e  *Engine
	bs *batchState
}

// ID returns the batch's ID.
func (b *Batch) ID() string { return b.bs.rec.ID }

// OpenBatch opens a batch. Files are added with Add, possibly in several
// calls; Close says no more will come, and the receipt is written once the
// last file ends.
func (e *Engine) OpenBatch(opts BatchOptions) *Batch {
	bs := &batchState{rec: BatchRecord{ID: newBatchID(), Opened: time.Now().UTC(), Request: opts.Request}}
	e.mu.Lock()
	e.batches[bs.rec.ID] = bs
	e.mu.Unlock()
	return &Batch{e: e, bs: bs}
}

// newBatchID returns a random ID of 12 hex digits.
func newBatchID() string {
	var b [6]byte
	_, _ = rand.Read(b[:])
	return hex.EncodeToString(b[:])
}

// Add queues files as Enqueue does, as part of the batch.
func (b *Batch) Add(ctx context.Context, prefix string, roots ...string) (Added, error) {
	return b.e.enqueue(ctx, b.bs, prefix, roots...)
}

// Close seals the batch: no more files are added. If every file already
// ended, the receipt is built at once.
func (b *Batch) Close() {
	e := b.e
	e.mu.Lock()
	bs := b.bs
	already := bs.rec.Sealed
	bs.rec.Sealed = true
	empty := bs.added == 0 && len(bs.jobs) == 0
	if empty {
		delete(e.batches, bs.rec.ID) // nothing was queued: no receipt
	}
	rec := bs.rec
	e.mu.Unlock()
	if already || empty {
		return
	}
	e.saveBatch(rec)
	e.checkBatch(rec.ID)
}

// saveBatch stores a batch record in the journal, if it keeps batches.
func (e *Engine) saveBatch(rec BatchRecord) {
	bj, ok := e.journal.(BatchJournal)
	if !ok {
		return
	}
	if err := bj.PutBatch(rec); err != nil {
		e.log.Error("record batch", "batch", rec.ID, "error", err)
	}
}

// restoreBatches brings back the journal's batches that still wait for
// their files or for their receipt to be written. A batch left open by a
// previous run is sealed: whatever was adding to it is gone.
func (e *Engine) restoreBatches() error {
	bj, ok := e.journal.(BatchJournal)
	if !ok {
		return nil
	}
	open := map[string]bool{}
	for _, j := range e.order {
		if j.rec.Batch != "" {
			open[j.rec.Batch] = true
		}
	}
	recs, err := e.startBatches(bj, open)
	if err != nil {
		return err
	}
	var unsealed []BatchRecord
	for _, rec := range recs {
		if !open[rec.ID] && rec.Sealed && rec.Receipt != nil && !rec.Pending() {
			continue // finished and delivered: only history
		}
		if !rec.Sealed {
			rec.Sealed = true
			unsealed = append(unsealed, rec)
		}
		bs := &batchState{rec: rec, ended: !open[rec.ID] && rec.Receipt != nil}
		e.batches[rec.ID] = bs
	}
	for _, j := range e.order {
		if bs := e.batches[j.rec.Batch]; bs != nil {
			bs.jobs = append(bs.jobs, j)
		}
	}
	for _, rec := range unsealed {
		e.saveBatch(rec)
	}
	return nil
}

// startBatches returns the batches a start looks after: those the journal
// indexes as not done with, and those of the unfinished jobs (open). A
// journal without the index gives every batch.
func (e *Engine) startBatches(bj BatchJournal, open map[string]bool) ([]BatchRecord, error) {
	wj, ok := bj.(WaitingBatchJournal)
	if !ok {
		return bj.Batches()
	}
	recs, err := wj.WaitingBatches()
	if err != nil {
		return nil, err
	}
	have := make(map[string]bool, len(recs))
	for _, r := range recs {
		have[r.ID] = true
	}
	for id := range open {
		if have[id] {
			continue
		}
		r, ok, err := wj.Batch(id)
		if err != nil {
			return nil, err
		}
		if ok {
			recs = append(recs, r)
		}
	}
	return recs, nil
}

// storedBatch reads one batch from the journal, by its ID when the
// journal can (without decoding the others).
func (e *Engine) storedBatch(id string) (BatchRecord, bool) {
	switch bj := e.journal.(type) {
	case WaitingBatchJournal:
		r, ok, err := bj.Batch(id)
		if err != nil {
			e.log.Error("read batch", "batch", id, "error", err)
		}
		return r, ok
	case BatchJournal:
		recs, _ := bj.Batches()
		for _, r := range recs {
			if r.ID == id {
				return r, true
			}
		}
	}
	return BatchRecord{}, false
}

// attachLocked adds a job to its batch's live view, loading the batch from
// the journal when this session does not hold it (a file of an earlier
// batch retried), and reopens the batch so that a new receipt is built when
// the job ends. Called with e.mu held.
func (e *Engine) attachLocked(j *job) {
	id := j.rec.Batch
	if id == "" {
		return
	}
	bs := e.batches[id]
	if bs == nil {
		bs = &batchState{rec: BatchRecord{ID: id, Opened: j.rec.Created, Sealed: true}}
		if r, ok := e.storedBatch(id); ok {
			bs.rec = r
		}
		e.batches[id] = bs
	}
	for _, have := range bs.jobs {
		if have == j {
			bs.cursor, bs.ended = 0, false
			return
		}
	}
	bs.jobs = append(bs.jobs, j)
	bs.cursor, bs.ended = 0, false
}

// checkBatch builds the batch's receipt once it is sealed and every one of
// its files has ended.
func (e *Engine) checkBatch(id string) {
	e.mu.Lock()
	bs := e.batches[id]
	if bs == nil || !bs.rec.Sealed || bs.ended {
		e.mu.Unlock()
		return
	}
	for bs.cursor < len(bs.jobs) && bs.jobs[bs.cursor].rec.State.Final() {
		bs.cursor++
	}
	if bs.cursor < len(bs.jobs) {
		e.mu.Unlock()
		return
	}
	bs.ended, bs.building = true, true
	live := make(map[uint64]JobRecord, len(bs.jobs))
	for _, j := range bs.jobs {
		live[j.id] = j.rec
	}
	rec, size := bs.rec, max(bs.added, len(live))
	e.mu.Unlock()

	r := e.buildReceipt(rec, size, func(add func(JobRecord)) {
		if err := e.batchFiles(id, live, add); err != nil {
			e.log.Error("build receipt", "batch", id, "error", err)
		}
	})
	e.mu.Lock()
	bs.rec.Receipt = r
	bs.rec.ReceiptKey = ""
	if e.opts.Receipts != nil {
		bs.rec.ReceiptKey = ReceiptKey(e.opts.Receipts.Root, r.Ended, id)
	}
	bs.rec.Written, bs.rec.WriteError = time.Time{}, ""
	bs.fails, bs.next = 0, time.Time{}
	bs.building = false
	rec = bs.rec
	e.mu.Unlock()
	e.saveBatch(rec)
	e.pokeReceipts()
	e.trimWhenIdle() // the batch's files may leave history now
}

// batchFiles calls add with each of the batch's job records, ordered by
// ID: the journal's, with this session's fresher copies (live) in their
// place. The journal's are read one at a time, so a batch of 100,000 files
// is never all decoded at once.
func (e *Engine) batchFiles(id string, live map[uint64]JobRecord, add func(JobRecord)) error {
	ids := make([]uint64, 0, len(live))
	for jid := range live {
		ids = append(ids, jid)
	}
	slices.Sort(ids)
	next := 0
	liveBefore := func(jid uint64) { // the live records with smaller IDs go first
		for ; next < len(ids) && ids[next] < jid; next++ {
			add(live[ids[next]])
		}
	}
	stored := func(r JobRecord) {
		if _, have := live[r.ID]; r.Batch != id || have {
			return
		}
		liveBefore(r.ID)
		add(r)
	}
	var err error
	if bj, ok := e.journal.(BatchJobsJournal); ok {
		// Only the batch's files this session does not hold: a batch of
		// 100,000 files does not decode the whole journal again.
		err = bj.EachBatchJob(id, func(jid uint64) bool { _, have := live[jid]; return have }, stored)
	} else {
		var recs []JobRecord
		recs, err = e.journal.Jobs()
		for _, r := range recs {
			stored(r)
		}
	}
	for ; next < len(ids); next++ {
		add(live[ids[next]])
	}
	return err
}

// ReceiptKey returns the key of a batch's receipt written at t.
func ReceiptKey(root string, t time.Time, batch string) string {
	return root + ReceiptDir + t.UTC().Format("20060102T150405Z") + "-" + batch + ".json"
}

// buildReceipt builds the receipt of batch rec from the job records each
// gives, in order; size is how many there are likely to be.
func (e *Engine) buildReceipt(rec BatchRecord, size int, each func(add func(JobRecord))) *Receipt {
	r := &Receipt{
		Format: ReceiptFormat, Batch: rec.ID, Request: rec.Request, Bucket: e.bucket,
		Opened: rec.Opened, Ended: time.Now().UTC(), Files: make([]File, 0, size),
	}
	if o := e.opts.Receipts; o != nil {
		r.Sender, r.Device, r.App = o.Sender, o.Device, o.App
	}
	each(func(j JobRecord) {
		f := File{Path: j.Rel, Key: j.Key, Size: j.Size, ModTime: j.ModTime.UTC(), State: j.State, Code: j.Code}
		if j.State != StateDone {
			f.Reason = j.Reason
		}
		if j.State == StateDone && j.Checksum != "" {
			f.Checksum, f.ChecksumType = j.Checksum, checksumType(j.Checksum)
		}
		r.Files = append(r.Files, f)
		s := &r.Summary
		s.Files++
		s.Bytes += j.Size
		switch j.State {
		case StateDone:
			s.Done++
			s.BytesDone += j.Size
		case StateFailed:
			s.Failed++
		case StateSkipped, StateCancelled:
			s.Skipped++
		}
	})
	return r
}

// pokeReceipts wakes the receipt writer.
func (e *Engine) pokeReceipts() {
	select {
	case e.receiptWake <- struct{}{}:
	default:
	}
}

// receiptLoop writes pending receipts until the engine closes, retrying
// failures with the engine's backoff.
func (e *Engine) receiptLoop() {
	defer e.wg.Done()
	for {
		wait := e.writeReceipts()
		var timer *time.Timer
		var due <-chan time.Time
		if wait >= 0 {
			timer = time.NewTimer(wait)
			due = timer.C
		}
		select {
		case <-e.ctx.Done():
			if timer != nil {
				timer.Stop()
			}
			return
		case <-e.receiptWake:
		case <-due:
		}
		if timer != nil {
			timer.Stop()
		}
	}
}

// writeReceipts writes the receipts that are due and returns how long
// until the next retry (-1: nothing waits).
func (e *Engine) writeReceipts() time.Duration {
	now := time.Now()
	e.mu.Lock()
	if e.held {
		e.mu.Unlock()
		return -1 // Release wakes the writer
	}
	var due []*batchState
	for _, bs := range e.batches {
		if bs.rec.Pending() && !bs.next.After(now) {
			due = append(due, bs)
		}
	}
	e.mu.Unlock()
	for _, bs := range due {
		if e.ctx.Err() != nil {
			return -1
		}
		e.mu.Lock()
		rec := bs.rec
		e.mu.Unlock()
		key, err := e.putReceipt(rec)
		e.mu.Lock()
		if bs.rec.ReceiptKey != rec.ReceiptKey || bs.rec.Receipt != rec.Receipt {
			e.mu.Unlock()
			continue // rebuilt meanwhile: the new one is written next
		}
		if err != nil {
			bs.fails++
			bs.next = time.Now().Add(e.retry.backoff(bs.fails))
			bs.rec.WriteError = err.Error()
			k := KindOf(err)
			bs.refused = !k.retryable() && k != KindPrecondition
			if key != rec.ReceiptKey {
				bs.rec.ReceiptKey = key
			}
		} else {
			bs.rec.Written, bs.rec.WriteError, bs.fails, bs.refused = time.Now().UTC(), "", 0, false
		}
		rec = bs.rec
		e.mu.Unlock()
		if err != nil {
			e.log.Warn("write receipt", "batch", rec.ID, "key", rec.ReceiptKey, "error", err, "failures", bs.fails)
		} else {
			e.log.Info("receipt written", "batch", rec.ID, "key", rec.ReceiptKey)
		}
		e.saveBatch(rec)
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	next := time.Duration(-1)
	for _, bs := range e.batches {
		if !bs.rec.Pending() {
			continue
		}
		d := max(time.Until(bs.next), 0)
		if next < 0 || d < next {
			next = d
		}
	}
	return next
}

// putReceipt stores the batch's receipt once, conditionally (a receipt is
// never overwritten). It returns the key to use next time: a receipt that
// finds its key taken by other bytes moves to a new one.
func (e *Engine) putReceipt(rec BatchRecord) (string, error) {
	body, err := encodeReceipt(rec.Receipt)
	if err != nil {
		return rec.ReceiptKey, err
	}
	var sum string
	if e.opts.Checksums {
		if sum, err = crcOf(e.ctx, bytes.NewReader(body)); err != nil {
			return rec.ReceiptKey, err
		}
	}
	ctx, cancel := context.WithTimeout(e.ctx, receiptTimeout)
	defer cancel()
	key := rec.ReceiptKey
	conditional := !e.noConditional.Load()
	_, err = e.store.Put(ctx, key, bytes.NewReader(body), int64(len(body)), sum, conditional)
	if conditional && isNotImplemented(err) {
		e.noConditional.Store(true)
		_, err = e.store.Put(ctx, key, bytes.NewReader(body), int64(len(body)), sum, false)
	}
	if KindOf(err) == KindPrecondition {
		// An earlier try may have stored it and lost the answer.
		info, herr := e.store.Head(ctx, key)
		if herr == nil && ours(info, int64(len(body)), sum) {
			return key, nil
		}
		next := strings.TrimSuffix(key, ".json") + "-" + newBatchID()[:4] + ".json"
		return next, fmt.Errorf("write receipt %s: the name is taken: %w", key, err)
	}
	if err != nil {
		return key, fmt.Errorf("write receipt %s: %w", key, err)
	}
	return key, nil
}

// Batch returns the batch with the given ID, from this session or the
// journal.
func (e *Engine) Batch(id string) (BatchRecord, bool) {
	e.mu.Lock()
	if bs := e.batches[id]; bs != nil {
		defer e.mu.Unlock()
		return bs.rec, true
	}
	e.mu.Unlock()
	return e.storedBatch(id)
}

// Batches returns every batch the journal and this session know, newest
// first.
func (e *Engine) Batches() ([]BatchRecord, error) {
	var recs []BatchRecord
	var err error
	if bj, ok := e.journal.(BatchJournal); ok {
		recs, err = bj.Batches()
	}
	e.mu.Lock()
	byID := map[string]int{}
	for i, r := range recs {
		byID[r.ID] = i
	}
	for id, bs := range e.batches {
		if i, ok := byID[id]; ok {
			recs[i] = bs.rec
		} else if bs.added > 0 || len(bs.jobs) > 0 {
			recs = append(recs, bs.rec)
		}
	}
	e.mu.Unlock()
	sort.SliceStable(recs, func(a, b int) bool { return recs[a].Opened.After(recs[b].Opened) })
	if err != nil {
		return recs, fmt.Errorf("read batches: %w", err)
	}
	return recs, nil
}

// PendingReceipts returns how many receipts wait to be written, counting
// those of batches whose last file just ended and whose receipt is being
// built.
func (e *Engine) PendingReceipts() int {
	e.mu.Lock()
	defer e.mu.Unlock()
	n := 0
	for _, bs := range e.batches {
		if bs.rec.Pending() || bs.building || bs.rec.Sealed && !bs.ended && allFinal(bs.jobs) {
			n++
		}
	}
	return n
}

// receiptsToBuild returns how many receipts are being built or wait to be
// (their batch's files all ended).
func (e *Engine) receiptsToBuild() int {
	e.mu.Lock()
	defer e.mu.Unlock()
	n := 0
	for _, bs := range e.batches {
		if bs.building || bs.rec.Sealed && !bs.ended && allFinal(bs.jobs) {
			n++
		}
	}
	return n
}

func allFinal(jobs []*job) bool {
	for _, j := range jobs {
		if !j.rec.State.Final() {
			return false
		}
	}
	return true
}

// WaitReceipts blocks until no receipt waits to be written, or ctx ends,
// or the store refused a pending receipt for a reason retrying will not
// soon fix (it stays pending and is retried later).
func (e *Engine) WaitReceipts(ctx context.Context) error {
	tick := time.NewTicker(50 * time.Millisecond)
	defer tick.Stop()
	for e.PendingReceipts() > 0 {
		if err := e.receiptRefused(); err != nil {
			return err
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("wait for receipts: %w", ctx.Err())
		case <-tick.C:
		}
	}
	return nil
}

// ReceiptText renders a receipt as readable text (for "Copy receipt").
func ReceiptText(r *Receipt) string {
	var b strings.Builder
	who := r.Sender.Email
	if who == "" {
		who = r.Sender.Subject
	}
	fmt.Fprintf(&b, "Hoist receipt %s\n", r.Batch)
	fmt.Fprintf(&b, "Sent by %s", who)
	if r.Device != "" {
		fmt.Fprintf(&b, " from %s", r.Device)
	}
	if r.App != "" {
		fmt.Fprintf(&b, " (%s)", r.App)
	}
	fmt.Fprintf(&b, "\nStarted %s, ended %s\n", r.Opened.Format(time.RFC3339), r.Ended.Format(time.RFC3339))
	s := r.Summary
	fmt.Fprintf(&b, "%d files, %d arrived, %d failed, %d skipped or cancelled; %d of %d bytes arrived\n",
		s.Files, s.Done, s.Failed, s.Skipped, s.BytesDone, s.Bytes)
	if r.Request != "" {
		fmt.Fprintf(&b, "Answers request %s\n", r.Request)
	}
	for _, f := range r.Files {
		fmt.Fprintf(&b, "\n%s  %s  %d bytes\n  stored as %s", f.State, f.Path, f.Size, f.Key)
		if r.Bucket != "" {
			fmt.Fprintf(&b, " in %s", r.Bucket)
		}
		b.WriteString("\n")
		if f.Checksum != "" {
			fmt.Fprintf(&b, "  CRC32C (%s): %s\n", f.ChecksumType, f.Checksum)
		}
		if f.Reason != "" {
			fmt.Fprintf(&b, "  %s: %s\n", f.Code, f.Reason)
		}
	}
	return b.String()
}

// batchJobEnded checks the batch of a job that just ended.
func (e *Engine) batchJobEnded(j *job) {
	e.mu.Lock()
	id := j.rec.Batch
	e.mu.Unlock()
	if id != "" {
		e.checkBatch(id)
	}
}

// batchIDs returns the IDs of the batches the engine holds.
func (e *Engine) batchIDs() []string {
	e.mu.Lock()
	defer e.mu.Unlock()
	ids := make([]string, 0, len(e.batches))
	for id := range e.batches {
		ids = append(ids, id)
	}
	return ids
}

// receiptRefused returns the error of a pending receipt the store refused.
func (e *Engine) receiptRefused() error {
	e.mu.Lock()
	defer e.mu.Unlock()
	for _, bs := range e.batches {
		if bs.refused && bs.rec.Pending() {
			return fmt.Errorf("store receipt of batch %s: %s", bs.rec.ID, bs.rec.WriteError)
		}
	}
	return nil
}

// AddAs queues one file under the relative path rel (slash-separated) as
// part of the batch, so that it gets the key it had when first sent.
func (b *Batch) AddAs(ctx context.Context, prefix, path, rel string) (Added, error) {
	abs, err := filepath.Abs(path)
	if err != nil {
		return Added{Problems: []Problem{{path, "not a usable path"}}}, nil
	}
	info, err := os.Stat(abs)
	if err != nil {
		return Added{Problems: []Problem{{path, statReason(err)}}}, nil
	}
	if !info.Mode().IsRegular() {
		return Added{Problems: []Problem{{path, "not a regular file (only files and folders can be sent)"}}}, nil
	}
	f := foundFile(abs, strings.TrimPrefix(rel, "/"), info)
	return b.e.enqueueFound(ctx, b.bs, prefix, []found{f}, Added{})
}

// SessionBatches returns the batches the engine holds in memory (this
// session's, and those restored because they were unfinished), without
// reading the journal; cheap enough to call every few seconds.
func (e *Engine) SessionBatches() []BatchRecord {
	e.mu.Lock()
	defer e.mu.Unlock()
	out := make([]BatchRecord, 0, len(e.batches))
	for _, bs := range e.batches {
		out = append(out, bs.rec)
	}
	return out
}
