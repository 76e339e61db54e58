package uploader_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"hoist/uploader"
)

// TestEndsKeepCodeAndReason: a failed, a skipped and a cancelled job each
// keep their reason code next to the plain English reason, across a
// restart (History reads them from the journal), so the window can word
// the reason in the customer's language and old journals still have text.
func TestEndsKeepCodeAndReason(t *testing.T) {
	r := newRig(t, func(o *uploader.Options) { o.Collision = uploader.Skip })
	refused, taken, held := r.file("refused.bin", 1000), r.file("taken.bin", 1000), r.file("held.bin", 1000)
	r.store.SetObject("in/taken.bin", []byte("already there"))
	started := make(chan struct{}, 1)
	r.store.SetHook(func(ctx context.Context, op, key string, _ int32) error {
		switch {
		case key == "in/refused.bin" && op == "put":
			return &uploader.StoreError{Kind: uploader.KindAccessDenied, Code: "AccessDenied", Err: errors.New("access denied")}
		case key == "in/held.bin" && op == "put":
			select {
			case started <- struct{}{}:
			default:
			}
			<-ctx.Done()
			return ctx.Err()
		}
		return nil
	})
	ids := r.send("in", refused, taken, held).IDs
	select {
	case <-started:
	case <-time.After(30 * time.Second):
		t.Fatal("held.bin was never sent")
	}
	r.engine.Cancel(ids[2])
	r.wait()
	r.restart()
	hist, err := r.engine.History(false)
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]struct {
		state uploader.State
		code  string
	}{
		"held.bin":    {uploader.StateCancelled, uploader.CodeCancelled},
		"refused.bin": {uploader.StateFailed, uploader.CodeAccessDenied},
		"taken.bin":   {uploader.StateSkipped, uploader.CodeExists},
	}
	for _, rec := range hist {
		w, ok := want[rec.Rel]
		if !ok {
			continue
		}
		delete(want, rec.Rel)
		if rec.State != w.state || rec.Code != w.code || strings.TrimSpace(rec.Reason) == "" {
			t.Errorf("%s: state %s, code %q, reason %q; want %s, %q and a reason", rec.Rel, rec.State, rec.Code, rec.Reason, w.state, w.code)
		}
	}
	for rel := range want {
		t.Errorf("%s is not in history", rel)
	}
}
