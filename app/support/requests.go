package support

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/aws/smithy-go"

	"hoist/uploader"
)

// Formats of the request objects.
const (
	RequestFormat = "hoist-request/1"
	AnswerFormat  = "hoist-request-answer/1"
)

// Request asks a customer to send files again. Staff write it at
// <customer folder>.hoist/requests/<time>-<id>.json; the customer's Hoist
// answers with <time>-<id>.done.json next to it once the files arrived.
type Request struct {
	Format string `json:"format"`
	ID     string `json:"id"`
	// Organisation is who asks, as the banner says it ("Acme Research").
	Organisation string          `json:"organisation,omitempty"`
	From         uploader.Sender `json:"from"`
	Created      time.Time       `json:"created"`
	// Message is free text ("the scans for case 4711").
	Message string `json:"message,omitempty"`
	// Files are the files asked for, as a receipt named them.
	Files []RequestFile `json:"files,omitempty"`
	// Batch is the batch the files came from, if any.
	Batch string `json:"batch,omitempty"`

	// Key is where the request is stored (not part of the object).
	Key string `json:"-"`
	// Answer is the customer's answer, nil while the request is open.
	Answer *Answer `json:"-"`
}

// RequestFile is one file a request asks for.
type RequestFile struct {
	Path    string    `json:"path"`
	Key     string    `json:"key,omitempty"`
	Size    int64     `json:"size,omitempty"`
	ModTime time.Time `json:"mtime,omitzero"`
}

// Answer says a request was fulfilled.
type Answer struct {
	Format   string          `json:"format"`
	Request  string          `json:"request"`
	Answered time.Time       `json:"answered"`
	By       uploader.Sender `json:"by"`
	// Batch is the batch that sent the files; its receipt is next to the
	// customer's other receipts.
	Batch string `json:"batch"`
	Files int    `json:"files"`
}

// Names returns the base names of the files asked for.
func (r Request) Names() []string {
	out := make([]string, len(r.Files))
	for i, f := range r.Files {
		out[i] = f.Path[strings.LastIndex(f.Path, "/")+1:]
	}
	return out
}

// Done reports whether the request was answered.
func (r Request) Done() bool { return r.Answer != nil }

func newID() string {
	var b [6]byte
	_, _ = rand.Read(b[:])
	return hex.EncodeToString(b[:])
}

// Ask writes a request for customer id (their folder name) and returns it
// with its key. The request's ID and time are set here.
func (d *Desk) Ask(ctx context.Context, id string, r Request) (Request, error) {
	if len(r.Files) == 0 && strings.TrimSpace(r.Message) == "" {
		return r, errors.New("a request names files or says what to send")
	}
	r.Format, r.ID, r.Created = RequestFormat, newID(), d.now().UTC()
	r.Key = d.CustomerRoot(id) + RequestDir + r.Created.Format("20060102T150405Z") + "-" + r.ID + ".json"
	if err := d.putJSON(ctx, r.Key, r); err != nil {
		return r, fmt.Errorf("ask %s to send again: %w", id, err)
	}
	return r, nil
}

// Requests returns the requests under a customer's folder root (ending in
// "/"), newest first, with their answers. A customer's Hoist calls it with
// its own folder; staff with any customer's.
func (d *Desk) Requests(ctx context.Context, root string) ([]Request, error) {
	keys, err := d.list(ctx, root+RequestDir)
	if err != nil {
		return nil, err
	}
	answered := map[string]string{}
	for _, k := range keys {
		if base, ok := strings.CutSuffix(k, ".done.json"); ok {
			answered[base+".json"] = k
		}
	}
	var out []Request
	for _, k := range keys {
		if strings.HasSuffix(k, ".done.json") || !strings.HasSuffix(k, ".json") {
			continue
		}
		var r Request
		if err := d.getJSON(ctx, k, &r); err != nil {
			return nil, err
		}
		if r.Format != RequestFormat {
			continue
		}
		r.Key = k
		if ak, ok := answered[k]; ok {
			var a Answer
			if err := d.getJSON(ctx, ak, &a); err != nil {
				return nil, err
			}
			r.Answer = &a
		}
		out = append(out, r)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Created.After(out[j].Created) })
	return out, nil
}

// Open returns the requests under root that have no answer yet.
func (d *Desk) Open(ctx context.Context, root string) ([]Request, error) {
	all, err := d.Requests(ctx, root)
	var open []Request
	for _, r := range all {
		if !r.Done() {
			open = append(open, r)
		}
	}
	return open, err
}

// Answer marks the request stored at key fulfilled by batch. Answering a
// request twice keeps the first answer.
func (d *Desk) Answer(ctx context.Context, key string, a Answer) error {
	base, ok := strings.CutSuffix(key, ".json")
	if !ok {
		return fmt.Errorf("answer request %s: not a request", key)
	}
	a.Format, a.Answered = AnswerFormat, d.now().UTC()
	err := d.putJSON(ctx, base+".done.json", a)
	if err != nil && isPrecondition(err) {
		return nil
	}
	return err
}

func isPrecondition(err error) bool {
	var ae smithy.APIError
	return errors.As(err, &ae) && ae.ErrorCode() == "PreconditionFailed"
}
