package app

import (
	"context"
	"fmt"
	"sync"

	"fyne.io/fyne/v2/lang"

	"hoist/app/signin"
	"hoist/ui"
	"hoist/uploader"
)

// personUploads is ui.Uploads for whoever is signed in: it holds one core
// (that person's journal, store and engine) and, when someone else signs
// in, closes it (its unfinished uploads stay in its owner's journal for
// when they come back) and opens theirs. Before anybody signed in it may
// hold the core of the person signed in last, not started; with no core,
// it shows nothing and refuses new files. Without sign-in there is one core
// for good. Safe for concurrent use.
type personUploads struct {
	ctx   context.Context
	b     *base
	hooks engineHooks

	mu           sync.Mutex
	c            *core
	started      bool
	files, parts int // parallelism from the Settings dialog (0: the config's)
	// speed is the Settings dialog's speed limit and keep-awake choice,
	// once the user saved them (nil: the config's).
	speed *speedChoice
}

var _ ui.Uploads = (*personUploads)(nil)

func newPersonUploads(ctx context.Context, b *base, hooks engineHooks) *personUploads {
	return &personUploads{ctx: ctx, b: b, hooks: hooks}
}

// open makes p's core the current one (closing another person's first)
// and starts its engine when start is set. Opening the core already held
// only starts it (and ends a hold for a new sign-in).
func (u *personUploads) open(p *person, start bool) error {
	u.mu.Lock()
	defer u.mu.Unlock()
	if u.c != nil && u.c.person.same(p) {
		u.startLocked(start)
		return nil
	}
	if u.c != nil {
		u.b.log.Info("someone else signed in; closing the previous person's uploads", "previous", u.c.person.Subject)
		if err := u.c.shutdown(); err != nil {
			u.b.log.Error("close the previous person's journal", "error", err)
		}
		u.c, u.started = nil, false
	}
	c, err := openCoreFor(u.ctx, u.b, u.hooks, p, false)
	if err != nil {
		return err
	}
	u.c = c
	if u.files > 0 || u.parts > 0 {
		c.engine.SetParallelism(u.files, u.parts)
	}
	if u.speed != nil {
		u.speed.apply(c)
	}
	u.startLocked(start)
	return nil
}

func (u *personUploads) startLocked(start bool) {
	switch {
	case !start:
	case u.started:
		u.c.release() // continue what waited for the new sign-in
	default:
		u.c.engine.Start()
		u.started = true
	}
}

// signedIn switches to id's uploads and starts them.
func (u *personUploads) signedIn(id *signin.Identity) error {
	u.b.rememberPerson(id)
	if w := loadWaitingPerson(u.b.dataDir); w != nil && w.same(personOf(id)) {
		if err := forgetWaitingPerson(u.b.dataDir); err != nil {
			u.b.log.Warn("sign in", "error", err)
		}
	}
	if err := u.open(personOf(id), true); err != nil {
		u.b.log.Error("open the uploads of the person signed in", "sub", id.Subject, "error", err)
		return err
	}
	return nil
}

// setParallelism applies the Settings dialog's values, now and to the
// engines of people who sign in later.
func (u *personUploads) setParallelism(files, parts int) {
	u.mu.Lock()
	defer u.mu.Unlock()
	u.files, u.parts = files, parts
	if u.c != nil {
		u.c.engine.SetParallelism(files, parts)
	}
}

// close stops the current engine and closes its journal.
func (u *personUploads) close() error {
	u.mu.Lock()
	defer u.mu.Unlock()
	if u.c == nil {
		return nil
	}
	err := u.c.shutdown()
	u.c = nil
	return err
}

func (u *personUploads) current() *core {
	u.mu.Lock()
	defer u.mu.Unlock()
	return u.c
}

// errNobody is what adding files says when nobody's uploads are open.
var errNobody error = nobodyError{}

// nobodyError words errNobody in the customer's language when it is shown
// (the translations are loaded after package initialisation).
type nobodyError struct{}

func (nobodyError) Error() string { return lang.L("sign in before sending files") }

// Add queues paths under the current key prefix of the person signed in.
func (u *personUploads) Add(ctx context.Context, paths ...string) (uploader.Added, error) {
	c := u.current()
	if c == nil {
		return uploader.Added{}, errNobody
	}
	prefix, err := c.prefix()
	if err != nil {
		return uploader.Added{}, fmt.Errorf("work out where the files go: %w", err)
	}
	return c.engine.Enqueue(ctx, prefix, paths...)
}

// Snapshot is the current person's uploads (none when nobody's are open).
func (u *personUploads) Snapshot() uploader.Snapshot {
	if c := u.current(); c != nil {
		return c.engine.Snapshot()
	}
	return uploader.Snapshot{}
}

func (u *personUploads) each(f func(*uploader.Engine)) {
	if c := u.current(); c != nil {
		f(c.engine)
	}
}

// Pause pauses jobs of the current person.
func (u *personUploads) Pause(ids ...uint64) { u.each(func(e *uploader.Engine) { e.Pause(ids...) }) }

// Resume resumes jobs of the current person.
func (u *personUploads) Resume(ids ...uint64) { u.each(func(e *uploader.Engine) { e.Resume(ids...) }) }

// Cancel cancels jobs of the current person.
func (u *personUploads) Cancel(ids ...uint64) { u.each(func(e *uploader.Engine) { e.Cancel(ids...) }) }

// PauseForSignIn pauses jobs of the current person until they sign in
// again.
func (u *personUploads) PauseForSignIn(ids ...uint64) {
	u.each(func(e *uploader.Engine) { e.PauseForSignIn(ids...) })
}

// TryNow ends the retry wait of jobs of the current person.
func (u *personUploads) TryNow(ids ...uint64) { u.each(func(e *uploader.Engine) { e.TryNow(ids...) }) }

// ClearFinished takes the current person's finished jobs out of the list.
func (u *personUploads) ClearFinished() { u.each(func(e *uploader.Engine) { e.ClearFinished() }) }

// waiting is how many of the current person's uploads wait for their
// next sign-in.
func (u *personUploads) waiting() int {
	n := 0
	for _, j := range u.Snapshot().Jobs {
		if j.WaitingSignIn && !j.State.Final() {
			n++
		}
	}
	return n
}

// PauseAll pauses every unfinished job of the current person.
func (u *personUploads) PauseAll() { u.each(func(e *uploader.Engine) { e.PauseAll() }) }

// ResumeAll resumes every paused job of the current person.
func (u *personUploads) ResumeAll() { u.each(func(e *uploader.Engine) { e.ResumeAll() }) }

// CancelAll cancels every unfinished job of the current person.
func (u *personUploads) CancelAll() { u.each(func(e *uploader.Engine) { e.CancelAll() }) }

// Retry queues failed, cancelled or skipped jobs of the current person.
func (u *personUploads) Retry(ids ...uint64) error {
	c := u.current()
	if c == nil {
		return errNobody
	}
	return c.engine.Retry(ids...)
}

// RetryFailed queues every failed job in the current person's history.
func (u *personUploads) RetryFailed() ([]uint64, error) {
	c := u.current()
	if c == nil {
		return nil, errNobody
	}
	return c.engine.RetryFailed()
}

// History is the current person's finished jobs (none when nobody's
// uploads are open).
func (u *personUploads) History(failedOnly bool) ([]uploader.JobRecord, error) {
	c := u.current()
	if c == nil {
		return nil, nil
	}
	return c.engine.History(failedOnly)
}

// speedChoice is the speed limit and keep-awake setting from the Settings
// dialog.
type speedChoice struct {
	rate      uploader.Rate
	sched     uploader.Schedule
	keepAwake bool
}

func (s speedChoice) apply(c *core) {
	c.engine.SetSpeedLimit(s.rate, s.sched)
	c.watch.setKeepAwake(s.keepAwake)
}

// setSpeed applies the Settings dialog's speed limit and keep-awake choice
// at once, and to the engines of people who sign in later.
func (u *personUploads) setSpeed(rate uploader.Rate, sched uploader.Schedule, keepAwake bool) {
	u.mu.Lock()
	defer u.mu.Unlock()
	u.speed = &speedChoice{rate, sched, keepAwake}
	if u.c != nil {
		u.speed.apply(u.c)
	}
}

// keepingAwake reports whether the computer is kept awake for the current
// person's uploads (for the window's hint). Cheap, never blocks; any
// goroutine.
func (u *personUploads) keepingAwake() bool {
	if !u.mu.TryLock() {
		return false // switching people: never hold the window's refresh up
	}
	defer u.mu.Unlock()
	return u.c != nil && u.c.watch.keepingAwake()
}
