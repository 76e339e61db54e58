package uploader_test

import (
	"context"
	"errors"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"hoist/uploader"
)

// slowStop makes parts hang until their request is cancelled and then take
// a while to return, so a job stays "stopping" after a Pause or Cancel. It
// returns a func that lets parts through again.
func slowStop(r *rig) (release func()) {
	var open atomic.Bool
	r.store.SetHook(func(ctx context.Context, op, key string, part int32) error {
		if op != "part" || open.Load() {
			return nil
		}
		<-ctx.Done()
		time.Sleep(time.Second) // long enough to act while it stops, even on a busy machine
		return ctx.Err()
	})
	return func() { open.Store(true) }
}

// What the user asks last while a job is still stopping is what happens.
func TestWishesWhileStopping(t *testing.T) {
	cases := []struct {
		name string
		do   func(e *uploader.Engine, id uint64)
		want uploader.State
	}{
		{"pause then resume", func(e *uploader.Engine, id uint64) { e.Pause(id); e.Resume(id) }, uploader.StateDone},
		{"pause then cancel", func(e *uploader.Engine, id uint64) { e.Pause(id); e.Cancel(id) }, uploader.StateCancelled},
		{"cancel then pause", func(e *uploader.Engine, id uint64) { e.Cancel(id); e.Pause(id) }, uploader.StateCancelled},
		{"cancel then resume", func(e *uploader.Engine, id uint64) { e.Cancel(id); e.Resume(id) }, uploader.StateCancelled},
		{"pause, resume, pause", func(e *uploader.Engine, id uint64) { e.Pause(id); e.Resume(id); e.Pause(id) }, uploader.StatePaused},
		{"pause all then resume all", func(e *uploader.Engine, id uint64) { e.PauseAll(); e.ResumeAll() }, uploader.StateDone},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			r := newRig(t, nil)
			release := slowStop(r)
			p := r.file("w.bin", 3*testPart)
			id := r.send("", p).IDs[0]
			waitFor(t, "the upload to start", func() bool { return r.store.Calls("part") > 0 })
			c.do(r.engine, id)
			if s := r.job(id); s.State != uploader.StateRunning {
				t.Fatalf("the job stopped at once (%s); the test needs it still stopping", s.State)
			}
			release()
			r.wait()
			r.settle()
			if s := r.job(id); s.State != c.want {
				t.Fatalf("state %s (%s), want %s", s.State, s.Reason, c.want)
			}
			if c.want == uploader.StateDone {
				r.assertStored("w.bin", p)
			}
		})
	}
}

// A Cancel or Pause made while a hold for sign-in is stopping a job is kept:
// the job does not come back after the new sign-in.
func TestWishesDuringHold(t *testing.T) {
	for _, c := range []struct {
		name string
		do   func(e *uploader.Engine, id uint64)
		want uploader.State
	}{
		{"cancel", func(e *uploader.Engine, id uint64) { e.Cancel(id) }, uploader.StateCancelled},
		{"pause", func(e *uploader.Engine, id uint64) { e.Pause(id) }, uploader.StatePaused},
	} {
		t.Run(c.name, func(t *testing.T) {
			r := newRig(t, func(o *uploader.Options) { o.OnCredentialsNeeded = func(error) {} })
			var signedIn atomic.Bool
			r.store.SetHook(func(ctx context.Context, op, key string, part int32) error {
				switch {
				case op != "part" || signedIn.Load():
					return nil
				case strings.HasSuffix(key, "slow.bin"): // stops slowly
					<-ctx.Done()
					time.Sleep(time.Second) // long enough to act while it stops, even on a busy machine
					return ctx.Err()
				default: // expired.bin finds the credentials expired
					return &uploader.StoreError{Kind: uploader.KindCredentials, Code: "ExpiredToken", Err: errors.New("expired")}
				}
			})
			id := r.send("", r.file("slow.bin", 3*testPart)).IDs[0]
			waitFor(t, "slow.bin to start", func() bool { return r.store.Calls("part") > 0 })
			r.send("", r.file("expired.bin", 3*testPart))
			waitFor(t, "the hold", r.engine.Held)
			c.do(r.engine, id)
			if s := r.job(id); s.State != uploader.StateRunning {
				t.Fatalf("slow.bin stopped at once (%s); the test needs it still stopping", s.State)
			}
			waitFor(t, "slow.bin to stop", func() bool { return r.job(id).State != uploader.StateRunning })
			signedIn.Store(true)
			r.engine.Release()
			r.wait()
			r.settle()
			if s := r.job(id); s.State != c.want {
				t.Fatalf("slow.bin: %s, want %s", s.State, c.want)
			}
		})
	}
}
