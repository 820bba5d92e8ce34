package storage

import (
	"context"
	"errors"
	"time"
)

// chainHandle is a circuit of a FallbackChain: one handle per member.
type chainHandle struct {
	name    string
	members []Handle
	hot     HotPath  // the first member's, or nil
	notify  Notifier // Policy.Notify, or nil
}

var (
	_ Handle   = (*chainHandle)(nil)
	_ Operator = (*chainHandle)(nil)
	_ HotPath  = (*chainHandle)(nil)
	_ Unbinder = (*chainHandle)(nil)
)

// first returns the answer of the first member that gives one without error,
// reporting the errors of those before it as tolerated failures.
func first[T any](ctx context.Context, h *chainHandle, op string, call func(context.Context, Handle) (T, error)) (T, error) {
	var errs []error
	for i, m := range h.members {
		v, err := call(ctx, m)
		if err == nil {
			h.tolerated(op, errs)
			return v, nil
		}
		errs = append(errs, memberError(i, len(h.members), err))
		if callerDone(ctx, err) {
			break
		}
	}
	var zero T
	return zero, errors.Join(errs...)
}

// all calls every member and returns the errors of those that failed.
func (h *chainHandle) all(ctx context.Context, call func(context.Context, Handle) error) error {
	var errs []error
	for i, m := range h.members {
		if err := call(ctx, m); err != nil {
			errs = append(errs, memberError(i, len(h.members), err))
		}
	}
	return errors.Join(errs...)
}

func (h *chainHandle) tolerated(op string, errs []error) {
	for _, err := range errs {
		failed(h.notify, Failure{Op: op, Circuit: h.name, Err: err})
	}
}

// Status reads the first available member's status.
func (h *chainHandle) Status(ctx context.Context, now time.Time) (Status, error) {
	return first(ctx, h, "Status", func(ctx context.Context, m Handle) (Status, error) { return m.Status(ctx, now) })
}

// Record records in the first available member.
func (h *chainHandle) Record(ctx context.Context, now time.Time, o Outcome) (Result, error) {
	return first(ctx, h, "Record", func(ctx context.Context, m Handle) (Result, error) { return m.Record(ctx, now, o) })
}

// Reserve reserves the probe in the first available member.
func (h *chainHandle) Reserve(ctx context.Context, now, openedAt, reservedAt time.Time) (time.Time, bool, error) {
	r, err := first(ctx, h, "Reserve", func(ctx context.Context, m Handle) (reservation, error) {
		at, ok, err := m.Reserve(ctx, now, openedAt, reservedAt)
		return reservation{at, ok}, err
	})
	return r.at, r.ok, err
}

// Release releases the reservation in the first available member.
func (h *chainHandle) Release(ctx context.Context, now, reservedAt time.Time) (bool, error) {
	return first(ctx, h, "Release", func(ctx context.Context, m Handle) (bool, error) { return m.Release(ctx, now, reservedAt) })
}

// Lock sets the lock in every member.
func (h *chainHandle) Lock(ctx context.Context, now time.Time, l Lock) error {
	return h.all(ctx, func(ctx context.Context, m Handle) error { return m.Lock(ctx, now, l) })
}

// Reset resets the circuit in every member.
func (h *chainHandle) Reset(ctx context.Context, now time.Time) error {
	return h.all(ctx, func(ctx context.Context, m Handle) error { return m.Reset(ctx, now) })
}

// Open opens the circuit in the first available member.
func (h *chainHandle) Open(ctx context.Context, now time.Time) (bool, error) {
	return first(ctx, h, "Open", func(ctx context.Context, m Handle) (bool, error) {
		return operate(m, func(o Operator) (bool, error) { return o.Open(ctx, now) })
	})
}

// Reopen reopens the circuit in the first available member.
func (h *chainHandle) Reopen(ctx context.Context, now, previous time.Time) (bool, error) {
	return first(ctx, h, "Reopen", func(ctx context.Context, m Handle) (bool, error) {
		return operate(m, func(o Operator) (bool, error) { return o.Reopen(ctx, now, previous) })
	})
}

// Close closes the circuit in the first available member.
func (h *chainHandle) Close(ctx context.Context, now time.Time) (bool, error) {
	return first(ctx, h, "Close", func(ctx context.Context, m Handle) (bool, error) {
		return operate(m, func(o Operator) (bool, error) { return o.Close(ctx, now) })
	})
}

// History reads the first available member's buckets.
func (h *chainHandle) History(ctx context.Context, now time.Time) ([]Bucket, error) {
	return first(ctx, h, "History", func(ctx context.Context, m Handle) ([]Bucket, error) {
		o, err := operatorOf(m)
		if err != nil {
			return nil, err
		}
		return o.History(ctx, now)
	})
}

// operate calls fn with m as an Operator, or fails when m is none.
func operate[T any](m Handle, fn func(Operator) (T, error)) (T, error) {
	o, err := operatorOf(m)
	if err != nil {
		var zero T
		return zero, err
	}
	return fn(o)
}

// Admit asks the first member's hot path.
func (h *chainHandle) Admit() Admission {
	if h.hot == nil {
		return Admission{Verdict: AdmitAsk}
	}
	return h.hot.Admit()
}

// Succeeded counts the success in the first member's hot path.
func (h *chainHandle) Succeeded(now int64) {
	if h.hot != nil {
		h.hot.Succeeded(now)
	}
}

// Failed counts the failure in the first member's hot path, or reports false.
func (h *chainHandle) Failed(now int64) bool { return h.hot != nil && h.hot.Failed(now) }

// Unbind gives back every member's handle.
func (h *chainHandle) Unbind() {
	for _, m := range h.members {
		if u, ok := m.(Unbinder); ok {
			u.Unbind()
		}
	}
}

// View passes on the first member's view.
func (h *chainHandle) View(now time.Time) (Status, bool) {
	if v, ok := h.members[0].(Viewer); ok {
		return v.View(now)
	}
	return Status{}, false
}
