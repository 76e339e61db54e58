package app

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"time"

	"fyne.io/fyne/v2/lang"

	"hoist/app/signin"
	"hoist/app/support"
	"hoist/ui"
	"hoist/uploader"
)

// answerCheckEvery is how often the window looks for re-send batches
// whose receipt is stored, to mark their request fulfilled.
const answerCheckEvery = 2 * time.Second

// windowSupport implements ui.Support over the uploads of the person
// signed in: their re-send requests and receipts, and for staff the
// support desk. It polls for requests at start, after each sign-in and
// every [support] request_poll.
type windowSupport struct {
	b       *base
	uploads *personUploads

	mu       sync.Mutex
	desk     *support.Desk
	deskFor  *core                      // the core whose credentials desk uses
	requests map[string]support.Request // open ones, by ID, from the last poll
	answered map[string]bool            // batch IDs whose request was answered
}

var _ ui.Support = (*windowSupport)(nil)

func newWindowSupport(b *base, uploads *personUploads) *windowSupport {
	return &windowSupport{b: b, uploads: uploads, requests: map[string]support.Request{}, answered: map[string]bool{}}
}

// identity is who is signed in (nil without sign-in).
func (s *windowSupport) identity() *signin.Identity {
	if s.b.signin == nil {
		return nil
	}
	return s.b.signin.Identity()
}

// current returns the signed-in person's core and a desk on their
// credentials (the staff role's for staff, when [support] names one).
func (s *windowSupport) current(ctx context.Context) (*core, *support.Desk, error) {
	c := s.uploads.current()
	if c == nil {
		return nil, nil, errNobody
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.desk != nil && s.deskFor == c {
		return c, s.desk, nil
	}
	creds := c.creds
	var d *support.Desk
	var err error
	if id := s.identity(); id != nil && s.b.cfg.Support.RoleARN != "" && isStaff(s.b.cfg, id) {
		p := personOf(id)
		staffCreds, err := webIdentityCredentials(ctx, roleConfig(s.b.cfg, id), personTokens{s.b.signin, p}, p.Subject)
		if err != nil {
			return nil, nil, err
		}
		d, err = deskFor(ctx, s.b.cfg, staffCreds)
		if err != nil {
			return nil, nil, err
		}
	} else if creds != nil {
		d, err = deskFor(ctx, s.b.cfg, creds)
	} else {
		d, err = deskFor(ctx, s.b.cfg, nil)
	}
	if err != nil {
		return nil, nil, err
	}
	s.desk, s.deskFor = d, c
	return c, d, nil
}

// root is the signed-in customer's own folder.
func (s *windowSupport) root(c *core) string {
	return receiptOptions(s.b, c.person, c.tmpl).Root
}

// run polls for requests and answers fulfilled ones until ctx ends,
// telling w what to show.
func (s *windowSupport) run(ctx context.Context, w *ui.MainWindow) {
	every := time.Duration(s.b.cfg.Support.RequestPoll)
	tick := time.NewTicker(answerCheckEvery)
	defer tick.Stop()
	var lastWho string
	var lastPoll time.Time
	for {
		c := s.uploads.current()
		who := ""
		if c != nil && c.person != nil {
			who = c.person.Subject
		} else if c != nil {
			who = "-"
		}
		if who != "" && (who != lastWho || time.Since(lastPoll) >= every) {
			lastWho, lastPoll = who, time.Now()
			staff := isStaff(s.b.cfg, s.identity())
			if staff && s.b.signin != nil {
				s.b.log.Info("support tab shown: the person signed in is staff")
			}
			w.SetStaff(staff)
			if c != nil {
				// Also batches of earlier sessions whose request was not
				// answered yet (Hoist quit first).
				if recs, err := c.engine.Batches(); err == nil {
					s.answer(ctx, recs)
				}
			}
			s.poll(ctx, w)
		}
		if c != nil {
			s.answer(ctx, c.engine.SessionBatches())
		}
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
		}
	}
}

// poll fetches the open requests and shows them.
func (s *windowSupport) poll(ctx context.Context, w *ui.MainWindow) {
	c, d, err := s.current(ctx)
	if err != nil {
		return
	}
	open, err := d.Open(ctx, s.root(c))
	if err != nil {
		s.b.log.Warn("look for re-send requests", "error", signin.Redact(err.Error()))
		return
	}
	var show []ui.ResendRequest
	s.mu.Lock()
	s.requests = map[string]support.Request{}
	for _, r := range open {
		if s.answeredLocked(r.Key) {
			continue
		}
		s.requests[r.ID] = r
		show = append(show, ui.ResendRequest{ID: r.ID, Organisation: r.Organisation, Message: r.Message, Files: r.Names()})
	}
	s.mu.Unlock()
	if len(open) > 0 {
		s.b.log.Info("re-send requests", "open", len(open))
	}
	w.ShowRequests(show)
}

// answeredLocked reports whether this session already answered the request
// stored at key.
func (s *windowSupport) answeredLocked(key string) bool {
	return s.answered["req:"+key]
}

// answer marks fulfilled the requests whose re-send batch among recs has
// its receipt stored with every file arrived.
func (s *windowSupport) answer(ctx context.Context, recs []uploader.BatchRecord) {
	for _, rec := range recs {
		r := rec.Receipt
		if rec.Request == "" || r == nil || rec.Written.IsZero() || r.Summary.Done != r.Summary.Files {
			continue
		}
		s.mu.Lock()
		done := s.answered[rec.ID]
		s.mu.Unlock()
		if done {
			continue
		}
		_, d, err := s.current(ctx)
		if err != nil {
			return
		}
		err = d.Answer(ctx, rec.Request, support.Answer{Request: rec.Request, Batch: rec.ID, By: r.Sender, Files: r.Summary.Files})
		if err != nil {
			s.b.log.Warn("mark the re-send request fulfilled", "request", rec.Request, "error", signin.Redact(err.Error()))
			continue
		}
		s.b.log.Info("re-send request fulfilled", "request", rec.Request, "batch", rec.ID)
		s.mu.Lock()
		s.answered[rec.ID], s.answered["req:"+rec.Request] = true, true
		s.mu.Unlock()
	}
}

// request returns the open request id from the last poll.
func (s *windowSupport) request(id string) (support.Request, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	r, ok := s.requests[id]
	if !ok {
		return r, errors.New(lang.L("this request is no longer open"))
	}
	return r, nil
}

// Resend implements ui.Support: each file the request names whose upload
// history shows it at a path where it still is, with the same size and
// modification time, is sent again under its old name.
func (s *windowSupport) Resend(ctx context.Context, id string) ([]string, error) {
	r, err := s.request(id)
	if err != nil {
		return nil, err
	}
	c, _, err := s.current(ctx)
	if err != nil {
		return nil, err
	}
	prefix, err := c.prefix()
	if err != nil {
		return nil, err
	}
	hist, err := c.engine.History(false)
	if err != nil {
		return nil, err
	}
	batch := c.engine.OpenBatch(uploader.BatchOptions{Request: r.Key})
	defer batch.Close()
	var missing []string
	for _, f := range r.Files {
		var src *uploader.JobRecord
		for i := range hist {
			h := &hist[i]
			if (f.Key != "" && h.Key == f.Key) || (f.Key == "" && h.Rel == f.Path) {
				src = h
				break
			}
		}
		name := filepath.Base(filepath.FromSlash(f.Path))
		if src == nil || !unchangedFile(src.Source, src.Size, src.ModTime) {
			missing = append(missing, name)
			continue
		}
		added, err := batch.AddAs(ctx, prefix, src.Source, src.Rel)
		if err != nil {
			return missing, err
		}
		if len(added.IDs) == 0 {
			missing = append(missing, name)
		}
	}
	s.b.log.Info("re-sending for a request", "request", r.Key, "files", len(r.Files), "missing", len(missing))
	return missing, nil
}

func unchangedFile(path string, size int64, mtime time.Time) bool {
	fi, err := os.Stat(path)
	return err == nil && fi.Mode().IsRegular() && fi.Size() == size && fi.ModTime().Equal(mtime)
}

// SendFor implements ui.Support.
func (s *windowSupport) SendFor(ctx context.Context, id string, paths ...string) error {
	r, err := s.request(id)
	if err != nil {
		return err
	}
	c, _, err := s.current(ctx)
	if err != nil {
		return err
	}
	prefix, err := c.prefix()
	if err != nil {
		return err
	}
	batch := c.engine.OpenBatch(uploader.BatchOptions{Request: r.Key})
	defer batch.Close()
	_, err = batch.Add(ctx, prefix, paths...)
	return err
}

// ReceiptText implements ui.Support.
func (s *windowSupport) ReceiptText(id string) (string, error) {
	c := s.uploads.current()
	if c == nil {
		return "", errNobody
	}
	rec, ok := c.engine.Batch(id)
	if !ok || rec.Receipt == nil {
		return "", errors.New(lang.L("this upload's batch has no receipt yet: it is written once every file of the batch has ended"))
	}
	text := uploader.ReceiptText(rec.Receipt)
	if rec.ReceiptKey != "" {
		state := "stored as " + rec.ReceiptKey
		if rec.Written.IsZero() {
			state = "not stored yet (Hoist keeps trying): " + rec.ReceiptKey
		}
		text += "\nReceipt " + state + "\n"
	}
	return text, nil
}

// Report implements ui.Support: the bundle's report as text.
func (s *windowSupport) Report() (string, error) {
	var engine *uploader.Engine
	if c := s.uploads.current(); c != nil {
		engine = c.engine
	}
	var buf bytes.Buffer
	cfg := *s.b.cfg
	known := []string{string(cfg.S3.SecretAccessKey), cfg.S3.AccessKeyID}
	fmt.Fprintf(&buf, "Hoist report for support\nhoist %s, %s/%s\n", Version, runtime.GOOS, runtime.GOARCH)
	if engine != nil {
		hist, _ := engine.History(false)
		if len(hist) > 50 {
			hist = hist[:50]
		}
		data, _ := json.MarshalIndent(struct {
			History []uploader.JobRecord       `json:"history"`
			Aborts  []uploader.DiscardedUpload `json:"pending_aborts"`
		}{hist, engine.DiscardedUploads()}, "", "  ")
		buf.Write(data)
		buf.WriteString("\n")
	}
	buf.WriteString("\nEnd of hoist.log:\n")
	buf.WriteString(logTail(filepath.Join(s.b.dataDir, logFileName), 64<<10))
	return scrub(buf.String(), known...), nil
}

// Batches implements ui.Support.
func (s *windowSupport) Batches(ctx context.Context, f ui.SupportFilter) ([]ui.SupportBatch, error) {
	_, d, err := s.current(ctx)
	if err != nil {
		return nil, err
	}
	bs, err := d.Batches(ctx, support.Filter{Customer: f.Customer, Since: f.Since, FailedOnly: f.FailedOnly})
	out := make([]ui.SupportBatch, len(bs))
	for i, b := range bs {
		out[i] = ui.SupportBatch{Customer: b.Customer, Receipt: b.Receipt}
	}
	if err == nil {
		s.b.log.Info("support batches listed", "batches", len(out), "failed_only", f.FailedOnly)
	}
	return out, deskError(err)
}

// Incomplete implements ui.Support.
func (s *windowSupport) Incomplete(ctx context.Context) ([]ui.SupportUpload, error) {
	_, d, err := s.current(ctx)
	if err != nil {
		return nil, err
	}
	incs, err := d.Incomplete(ctx, "")
	return uiUploads(incs), deskError(err)
}

// AbortOlderThan implements ui.Support.
func (s *windowSupport) AbortOlderThan(ctx context.Context, days float64, dryRun bool) ([]ui.SupportUpload, error) {
	_, d, err := s.current(ctx)
	if err != nil {
		return nil, err
	}
	incs, err := d.AbortOlderThan(ctx, "", time.Duration(days*24*float64(time.Hour)), dryRun)
	return uiUploads(incs), deskError(err)
}

func uiUploads(incs []support.Incomplete) []ui.SupportUpload {
	out := make([]ui.SupportUpload, len(incs))
	for i, inc := range incs {
		out[i] = ui.SupportUpload{Customer: inc.Customer, Key: inc.Key, Age: inc.Age, Size: inc.Size}
	}
	return out
}

// Link implements ui.Support: an hour at most.
func (s *windowSupport) Link(ctx context.Context, key string) (string, time.Time, error) {
	_, d, err := s.current(ctx)
	if err != nil {
		return "", time.Time{}, err
	}
	url, until, err := d.Link(ctx, key, time.Hour)
	return url, until, deskError(err)
}

// Download implements ui.Support.
func (s *windowSupport) Download(ctx context.Context, key, folder string) (string, error) {
	_, d, err := s.current(ctx)
	if err != nil {
		return "", err
	}
	got, err := d.Download(ctx, key, folder)
	return got.Path, deskError(err)
}

// Ask implements ui.Support.
func (s *windowSupport) Ask(ctx context.Context, customer, batch string, files []string, message string) error {
	_, d, err := s.current(ctx)
	if err != nil {
		return err
	}
	r, err := buildRequest(ctx, d, customer, batch, files, message)
	if err != nil {
		return deskError(err)
	}
	r.Organisation = s.b.cfg.Organisation.Name
	if id := s.identity(); id != nil {
		r.From = uploader.Sender{Subject: id.Subject, Email: id.Email, Name: id.DisplayName()}
	}
	_, err = d.Ask(ctx, customer, r)
	return deskError(err)
}

// Requests implements ui.Support.
func (s *windowSupport) Requests(ctx context.Context, customer string) ([]string, error) {
	_, d, err := s.current(ctx)
	if err != nil {
		return nil, err
	}
	rs, err := d.Requests(ctx, d.CustomerRoot(customer))
	if err != nil {
		return nil, deskError(err)
	}
	out := make([]string, len(rs))
	for i, r := range rs {
		what := strings.Join(r.Names(), ", ")
		if r.Message != "" {
			what = strings.TrimSpace(what + " \"" + r.Message + "\"")
		}
		state := lang.L("open")
		if r.Answer != nil {
			state = lang.L("fulfilled {{.When}} (batch {{.Batch}})",
				map[string]any{"When": r.Answer.Answered.Local().Format("2006-01-02 15:04"), "Batch": r.Answer.Batch})
		}
		out[i] = r.Created.Local().Format("2006-01-02 15:04") + " " + what + ": " + state
	}
	return out, nil
}

// deskError says a refusal plainly; other errors keep their text (without
// tokens).
func deskError(err error) error {
	switch {
	case err == nil:
		return nil
	case support.Denied(err):
		return errors.New(lang.L("the storage refused: your role may not do this. Ask your organisation's IT to check the staff policy ({{.Details}})", map[string]any{"Details": signin.Redact(err.Error())}))
	}
	return errors.New(signin.Redact(err.Error()))
}
