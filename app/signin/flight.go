package signin

import (
	"context"
	"sync"
	"time"
)

// flight runs at most one call of a function at a time; callers that arrive
// while it runs wait for its result instead of starting another (a
// singleflight with one key). The call runs on its own goroutine with a
// context detached from any caller and bounded by timeout, so a caller that
// gives up (its ctx ends) neither cancels the call for the others nor
// waits for it.
type flight[T any] struct {
	timeout time.Duration

	mu   sync.Mutex
	call *flightCall[T]
}

type flightCall[T any] struct {
	done chan struct{}
	val  T
	err  error
}

// do joins the running call or starts fn, then waits for its result or for
// ctx to end (then it returns ctx's cause).
func (f *flight[T]) do(ctx context.Context, fn func(context.Context) (T, error)) (T, error) {
	f.mu.Lock()
	call := f.call
	if call == nil {
		call = &flightCall[T]{done: make(chan struct{})}
		f.call = call
		go f.run(context.WithoutCancel(ctx), call, fn)
	}
	f.mu.Unlock()

	select {
	case <-call.done:
		return call.val, call.err
	case <-ctx.Done():
		var zero T
		return zero, context.Cause(ctx)
	}
}

func (f *flight[T]) run(ctx context.Context, call *flightCall[T], fn func(context.Context) (T, error)) {
	ctx, cancel := context.WithTimeout(ctx, f.timeout)
	defer cancel()
	call.val, call.err = fn(ctx)
	f.mu.Lock()
	f.call = nil
	f.mu.Unlock()
	close(call.done)
}
