package uploader

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"net"
	"os"
	"syscall"
	"time"
)

// Causes with which a job's context is cancelled.
var (
	errPaused    = errors.New("paused")
	errCancelled = errors.New("cancelled")
	errResumed   = errors.New("resumed while pausing") // from lastWish only
	errShutdown  = errors.New("shutting down")
	errAuthHold  = errors.New("waiting for a new sign-in")
	errStalled   = errors.New("no data moved")
	// errRunOver ends the context of a run that has ended, so that it
	// leaves the engine's context (a context never cancelled stays among
	// its parent's children: 100,000 files would keep 100,000 of them).
	errRunOver = errors.New("the run is over")
)

// Failure is a job failure explained in plain words. Reason is for people;
// Err is the technical cause, for support.
type Failure struct {
	Reason string
	Err    error
	// Code is the reason code (see CodeOf); "" derives it from Err.
	Code string
	// skip marks a job that ended without uploading on purpose (collision
	// policy "skip").
	skip bool
}

func (f *Failure) Error() string {
	if f.Err == nil {
		return f.Reason
	}
	return f.Reason + ": " + f.Err.Error()
}

func (f *Failure) Unwrap() error { return f.Err }

func fail(reason string, err error) error { return &Failure{Reason: reason, Err: err} }

// lockedReason is the failure of a file another program keeps Hoist from
// reading (Windows).
const lockedReason = "Another program has this file open and does not let Hoist read it. Close the file there, then press Retry."

// explain turns a store or file error into a Failure with a plain reason
// that says what to do next.
func explain(err error, bucket string) error {
	var f *Failure
	if errors.As(err, &f) {
		return err
	}
	switch {
	case errors.Is(err, os.ErrNotExist):
		return fail("The file is gone: it was moved or deleted before it was sent. Put it back and press Retry.", err)
	case errors.Is(err, os.ErrPermission):
		return fail("Hoist isn't allowed to read this file. Check that you can open it, then press Retry.", err)
	case lockedByAnotherProgram(err):
		return failCode(CodeFileLocked, lockedReason, err)
	}
	switch KindOf(err) {
	case KindAccessDenied:
		return fail("The storage refused access. Ask your organisation's support to check your permissions.", err)
	case KindNoSuchBucket:
		return fail(fmt.Sprintf("The destination %q does not exist. Ask your organisation's support to check Hoist's settings.", bucket), err)
	case KindCredentials:
		return fail("Your sign-in has expired or Hoist has no credentials. Sign in again, then press Retry.", err)
	case KindPrecondition:
		return fail("Another file with the same name arrived while this one was being sent. Press Retry to send it under a new name.", err)
	case KindRetryable, KindOffline, KindBadDigest:
		return fail("The upload kept failing. What was sent is kept: press Retry to continue.", err)
	}
	return fail("The storage rejected the upload. Ask your organisation's support for help.", err)
}

// offlineNote says why a job is waiting for the network. A server name
// that does not resolve is also what some networks answer while offline,
// so the job keeps waiting, but a name that never resolves is most likely a
// mistyped address, and the note says who can fix it.
func offlineNote(err error) string {
	var dns *net.DNSError
	if errors.As(err, &dns) && dns.IsNotFound {
		return fmt.Sprintf("Can't find the server %q. Check your internet connection; if it works, tell your organisation's support. Hoist keeps trying.", dns.Name)
	}
	if errors.Is(err, syscall.ECONNREFUSED) {
		// Something answered, and refused: the network works, the storage
		// service does not.
		return "Your organisation's storage isn't answering"
	}
	return "Waiting for the network"
}

// retryPolicy decides how often and how long to retry a failed request.
type retryPolicy struct {
	base, cap time.Duration
	// maxFailures is how many failures in a row of a retryable kind end the
	// job. Offline errors never do: the job waits the outage out.
	maxFailures int
	// maxAuthFailures is how many credential failures in a row are tried
	// before asking for a new sign-in.
	maxAuthFailures int
	stall           time.Duration
}

// backoff returns the wait before retry number n (0-based): exponential,
// capped, with jitter in [d/2, d).
func (p retryPolicy) backoff(n int) time.Duration {
	d := p.base << min(n, 20)
	if d <= 0 || d > p.cap {
		d = p.cap
	}
	half := d / 2
	return half + rand.N(half+1)
}

// do runs fn until it succeeds, the job's context ends, or the error is not
// worth retrying. Each try gets an attempt (for progress and the stall
// detector) and a context that is cancelled if no bytes move for the stall
// timeout. The returned error is the job context's cause when that ended.
func (e *Engine) do(ctx context.Context, j *job, fn func(ctx context.Context, a *attempt) error) error {
	failures, authFailures := 0, 0
	for {
		a := newAttempt(j)
		a.limiter, a.stats = e.limiter, &e.stats
		err := e.try(ctx, a, fn)
		if err == nil {
			j.setNote("")
			j.retryAt.Store(0)
			return nil
		}
		if ctx.Err() != nil {
			return context.Cause(ctx)
		}
		if isThrottle(err) {
			e.stats.throttled.Add(1)
		}
		if errors.Is(err, errNetworkChanged) {
			continue // dropped on purpose: again at once, not a failure
		}
		kind := KindOf(err)
		var f *Failure
		if errors.As(err, &f) || !kind.retryable() {
			return err
		}
		j.setLastErr(err)
		switch kind {
		case KindOffline:
			j.setNote(offlineNote(err))
		case KindCredentials:
			authFailures++
			if authFailures >= e.retry.maxAuthFailures {
				return err
			}
			j.setNote("Renewing access…")
		default:
			failures++
			if failures >= e.retry.maxFailures {
				return err
			}
			j.setNote(troubleNote(err))
		}
		e.log.Debug("retrying", "job", j.id, "error", err, "failures", failures)
		wait := e.retry.backoff(failures + authFailures)
		if kind == KindOffline {
			wait = e.retry.backoff(8)
		}
		j.retryAt.Store(time.Now().Add(wait).UnixNano())
		netChanged := e.attempts.changed()
		select {
		case <-netChanged:
		case <-ctx.Done():
			j.retryAt.Store(0)
			return context.Cause(ctx)
		case <-time.After(wait):
		case <-j.nudge:
		}
		j.retryAt.Store(0)
	}
}

// troubleNote says which side fails when requests keep failing: a
// storage that answers with errors or stops sending is the organisation's
// storage, not the customer's network.
func troubleNote(err error) string {
	var se *StoreError
	if errors.As(err, &se) && se.Code != "" {
		return "Your organisation's storage isn't answering properly"
	}
	if errors.Is(err, errStalled) {
		return "The connection stalled"
	}
	return "Connection trouble"
}

// try runs one attempt under the stall detector.
func (e *Engine) try(ctx context.Context, a *attempt, fn func(ctx context.Context, a *attempt) error) error {
	actx, cancel := context.WithCancelCause(ctx)
	defer cancel(nil)
	stop := make(chan struct{})
	defer close(stop)
	a.ctx = actx
	e.attempts.add(a, cancel)
	defer e.attempts.remove(a)
	go e.watchStall(actx, a, cancel, stop)
	err := fn(actx, a)
	readErr := a.end(err == nil)
	if err == nil {
		return nil
	}
	if readErr != nil && !errors.Is(readErr, errAttemptOver) {
		return explain(readErr, e.bucket)
	}
	if ctx.Err() == nil && errors.Is(context.Cause(actx), errNetworkChanged) {
		return &StoreError{Kind: KindRetryable, Err: fmt.Errorf("%w: %w", errNetworkChanged, err)}
	}
	if ctx.Err() == nil && errors.Is(context.Cause(actx), errStalled) {
		return &StoreError{Kind: KindRetryable, Err: fmt.Errorf("%w for %s: %w", errStalled, e.retry.stall, err)}
	}
	return err
}

// watchStall cancels the attempt when no byte has moved for the stall
// timeout. It returns when stop is closed or the context ends.
func (e *Engine) watchStall(ctx context.Context, a *attempt, cancel context.CancelCauseFunc, stop <-chan struct{}) {
	tick := time.NewTicker(max(e.retry.stall/4, 10*time.Millisecond))
	defer tick.Stop()
	for {
		select {
		case <-stop:
			return
		case <-ctx.Done():
			return
		case now := <-tick.C:
			if a.limited.Load() > 0 {
				continue // held back by the speed limit: not a stall
			}
			if now.Sub(time.Unix(0, a.last.Load())) > e.retry.stall {
				cancel(errStalled)
				return
			}
		}
	}
}
