// Package bounded calls a function for no longer than its context allows, even
// when the function itself does not honour the context: go-redis, by default,
// waits for its own read timeout (3s) and retries, whatever deadline the
// context carries.
package bounded

import (
	"context"
	"fmt"
)

// Call calls fn and returns its results, or returns as soon as ctx is done,
// leaving fn to finish on its own goroutine. A context that can never be done
// costs nothing: fn runs on the caller's goroutine. An abandoned call returns
// Err.
func Call[T any](ctx context.Context, fn func(context.Context) (T, error)) (T, error) {
	var zero T
	if ctx.Done() == nil {
		return fn(ctx)
	}
	if ctx.Err() != nil {
		return zero, Err(ctx)
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
		return zero, Err(ctx)
	}
}

// Do is Call for a function with an error only.
func Do(ctx context.Context, fn func(context.Context) error) error {
	_, err := Call(ctx, func(ctx context.Context) (struct{}, error) { return struct{}{}, fn(ctx) })
	return err
}

// Err is the error of a call abandoned because ctx is done: the context's
// error, wrapped with its cause when the cause says more (the runtime's storage
// deadline gives storage.ErrTimeout as its cause).
func Err(ctx context.Context) error {
	err := ctx.Err()
	if cause := context.Cause(ctx); cause != nil && cause != err {
		return fmt.Errorf("%w (%w)", cause, err)
	}
	return err
}
