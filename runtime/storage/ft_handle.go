package storage

import (
	"context"
	"sync"
	"sync/atomic"
	"time"
)

// ftHandle is a circuit of a FaultTolerant storage: the backend's handle,
// called through the storage's guard, and a Memory handle bound on the first
// failure to answer in its place.
type ftHandle struct {
	s        *faultTolerant
	name     string
	policy   Policy
	backend  Handle
	hot      HotPath     // the backend's, or nil
	gate     Gate        // the backend's, or nil
	degraded atomic.Bool // the backend's last answer was a failure
	notify   Notifier    // Policy.Notify, or nil
	locks    lockKeeper
	fbMu     sync.Mutex
	fb       atomic.Pointer[memHandle]
}

var (
	_ Handle   = (*ftHandle)(nil)
	_ Operator = (*ftHandle)(nil)
	_ HotPath  = (*ftHandle)(nil)
	_ Gate     = (*ftHandle)(nil)
	_ Unbinder = (*ftHandle)(nil)
)

// fallback returns the circuit's fallback handle, binding it on first use with
// the lock known so far.
func (h *ftHandle) fallback() *memHandle {
	if fb := h.fb.Load(); fb != nil {
		return fb
	}
	h.fbMu.Lock()
	defer h.fbMu.Unlock()
	if fb := h.fb.Load(); fb != nil {
		return fb
	}
	bound, _ := h.s.fallback.Bind(h.name, h.policy) // the policy bound the backend: valid
	fb := bound.(*memHandle)
	_ = fb.Lock(context.Background(), time.Time{}, h.locks.current())
	h.fb.Store(fb)
	return fb
}

// failed reports a backend failure and marks the handle degraded.
func (h *ftHandle) failed(ctx context.Context, op string, err error) {
	h.degraded.Store(true)
	if callerDone(ctx, err) {
		return
	}
	f := Failure{Op: op, Circuit: h.name, Err: err}
	failed(h.notify, f)
	h.s.notify.report(ctx, f)
}

// answered marks the backend as answering and settles a pending lock; it
// returns the lock to show for l, read from the backend in a read begun at gen.
func (h *ftHandle) answered(ctx context.Context, now time.Time, gen uint64, l Lock) Lock {
	if h.degraded.Load() {
		h.degraded.Store(false)
	}
	if h.locks.pending.Load() {
		return h.locks.resend(func(l Lock) error { return h.backend.Lock(ctx, now, l) })
	}
	return h.locks.learn(gen, l, h.fb.Load())
}

// Status reads the backend's status, or the fallback's with Stub set.
func (h *ftHandle) Status(ctx context.Context, now time.Time) (Status, error) {
	gen := h.locks.begin()
	st, err := proxied(ctx, h.s.br, now, func(ctx context.Context) (Status, error) { return h.backend.Status(ctx, now) })
	if err == nil {
		st.Lock = h.answered(ctx, now, gen, st.Lock)
		return st, nil
	}
	h.failed(ctx, "Status", err)
	st, _ = h.fallback().Status(ctx, now)
	st.Stub, st.Scope = true, ScopeProcess
	return st, nil
}

// Record records in the backend, or in the fallback with Stub set. An outcome
// the guard kept from the backend is deferred to a backend handle that is a
// Deferrer, so that it is counted there once the backend answers.
func (h *ftHandle) Record(ctx context.Context, now time.Time, o Outcome) (Result, error) {
	gen := h.locks.begin()
	var asked atomic.Bool // written on the goroutine bounded.Call may start
	r, err := proxied(ctx, h.s.br, now, func(ctx context.Context) (Result, error) {
		asked.Store(true)
		return h.backend.Record(ctx, now, o)
	})
	if err == nil {
		r.Status.Lock = h.answered(ctx, now, gen, r.Status.Lock)
		return r, nil
	}
	if d, ok := h.backend.(Deferrer); ok && !asked.Load() {
		d.Defer(o)
	}
	h.failed(ctx, "Record", err)
	r, _ = h.fallback().Record(ctx, now, o)
	r.Status.Stub, r.Status.Scope = true, ScopeProcess
	return r, nil
}

// Reserve reserves the probe in the backend, or in the fallback; when the
// fallback holds the circuit closed, the reservation succeeds at now.
func (h *ftHandle) Reserve(ctx context.Context, now, openedAt, reservedAt time.Time) (time.Time, bool, error) {
	r, err := proxied(ctx, h.s.br, now, func(ctx context.Context) (reservation, error) {
		at, ok, err := h.backend.Reserve(ctx, now, openedAt, reservedAt)
		return reservation{at, ok}, err
	})
	if err == nil {
		return r.at, r.ok, nil
	}
	h.failed(ctx, "Reserve", err)
	fb := h.fallback()
	if at, ok, _ := fb.Reserve(ctx, now, openedAt, reservedAt); ok {
		return at, true, nil
	}
	if fb.c.state.Load().state == StateClosed {
		return now, true, nil
	}
	return time.Time{}, false, nil
}

// Release releases the reservation in the backend, or in the fallback.
func (h *ftHandle) Release(ctx context.Context, now, reservedAt time.Time) (bool, error) {
	ok, err := proxied(ctx, h.s.br, now, func(ctx context.Context) (bool, error) { return h.backend.Release(ctx, now, reservedAt) })
	if err == nil {
		return ok, nil
	}
	h.failed(ctx, "Release", err)
	return h.fallback().Release(ctx, now, reservedAt)
}

// Lock sets the lock here and in the backend, and returns the backend's error.
func (h *ftHandle) Lock(ctx context.Context, now time.Time, l Lock) error {
	if !l.Valid() {
		return h.backend.Lock(ctx, now, l) // the backend names the invalid lock
	}
	err := h.guard(ctx, now, func(ctx context.Context) error { return h.backend.Lock(ctx, now, l) })
	h.locks.change(l, err == nil, h.fb.Load())
	if err != nil {
		h.failed(ctx, "Lock", err)
	}
	return err
}

// Reset resets the circuit here and in the backend, and returns the backend's
// error.
func (h *ftHandle) Reset(ctx context.Context, now time.Time) error {
	err := h.guard(ctx, now, func(ctx context.Context) error { return h.backend.Reset(ctx, now) })
	if fb := h.fb.Load(); fb != nil {
		_ = fb.Reset(ctx, now)
	}
	h.locks.change(LockNone, err == nil, nil)
	if err != nil {
		h.failed(ctx, "Reset", err)
	}
	return err
}

// Unbind gives back the backend's handle and the fallback's.
func (h *ftHandle) Unbind() {
	h.s.handles.Delete(h)
	if u, ok := h.backend.(Unbinder); ok {
		u.Unbind()
	}
	if fb := h.fb.Load(); fb != nil {
		fb.Unbind()
	}
}

// guard calls fn on the backend through the storage's guard.
func (h *ftHandle) guard(ctx context.Context, now time.Time, fn func(context.Context) error) error {
	_, err := proxied(ctx, h.s.br, now, func(ctx context.Context) (struct{}, error) { return struct{}{}, fn(ctx) })
	return err
}
