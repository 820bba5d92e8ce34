package storage

import (
	"context"
	"errors"
)

// ErrTimeout is the cause the runtime gives the deadline of every storage call it
// makes for a protected call (runtime.WithStorageTimeout). A call that missed it
// failed because of the storage, never because of the caller: FaultTolerant's
// guard counts it against the backend, and FaultTolerant reports it as a
// Failure.
var ErrTimeout = errors.New("breakergen: storage deadline exceeded")

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
