package storage

import (
	"context"
	"errors"
	"fmt"
)

// ErrTimeout is the cause the runtime gives the deadline of every storage call it
// makes for a protected call (runtime.WithStorageTimeout). A call that missed it
// failed because of the storage, never because of the caller: CircuitProxy counts
// it against the backend and FaultTolerant reports it as a Failure.
var ErrTimeout = errors.New("breakergen: storage deadline exceeded")

// bounded calls fn and returns its results, or returns as soon as ctx is done,
// leaving fn to finish on its own goroutine. Clients that do not honour context
// deadlines (go-redis by default waits for its own read timeout, 3s, and retries)
// therefore never hold the caller longer than the deadline the caller set. A
// context that can never be done costs nothing: fn runs on the caller's
// goroutine.
func bounded[T any](ctx context.Context, fn func(context.Context) (T, error)) (T, error) {
	var zero T
	if ctx.Done() == nil {
		return fn(ctx)
	}
	if ctx.Err() != nil {
		return zero, doneError(ctx)
	}
	type result struct {
		v   T
		err error
	}
	ch := make(chan result, 1)
	go func() {
		v, err := fn(ctx)
		ch <- result{v, err}
	}()
	select {
	case r := <-ch:
		return r.v, r.err
	case <-ctx.Done():
		return zero, doneError(ctx)
	}
}

// boundedErr is bounded for a function with an error only.
func boundedErr(ctx context.Context, fn func(context.Context) error) error {
	_, err := bounded(ctx, func(ctx context.Context) (struct{}, error) { return struct{}{}, fn(ctx) })
	return err
}

// doneError is the error of a call abandoned because ctx is done: ErrTimeout
// (with the context's error) when the deadline was the runtime's storage
// deadline, else the caller's own context error.
func doneError(ctx context.Context) error {
	cause := context.Cause(ctx)
	if errors.Is(cause, ErrTimeout) {
		return fmt.Errorf("%w (%w)", cause, ctx.Err())
	}
	return ctx.Err()
}

// callerDone reports whether err is the caller's own context error: the context
// is done, the error matches its error, and the cause is not the runtime's
// storage deadline.
func callerDone(ctx context.Context, err error) bool {
	cerr := ctx.Err()
	if cerr == nil || !errors.Is(err, cerr) {
		return false
	}
	return !errors.Is(context.Cause(ctx), ErrTimeout)
}
