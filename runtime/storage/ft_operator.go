package storage

import (
	"context"
	"time"
)

// Admit uses the backend's hot path while the backend answers, the guard is
// closed and no local lock is pending; otherwise it asks the decision path,
// which tries the backend (or fails fast while the guard is open).
func (h *ftHandle) Admit() Admission {
	if h.hot == nil || h.degraded.Load() || h.locks.pending.Load() || !h.s.br.closed() {
		return Admission{Verdict: AdmitAsk}
	}
	return h.hot.Admit()
}

// AdmitAt uses the backend's gate as Admit uses its hot path (a backend
// without one: Admit). While the backend fails, the decision path decides,
// from the fallback: a ramp is not applied then, which fails open.
func (h *ftHandle) AdmitAt(now int64) Admission {
	if h.gate == nil {
		return h.Admit()
	}
	if h.degraded.Load() || h.locks.pending.Load() || !h.s.br.closed() {
		return Admission{Verdict: AdmitAsk}
	}
	return h.gate.AdmitAt(now)
}

// Ended tells the backend's gate of a tracked call's end.
func (h *ftHandle) Ended(now int64) {
	if h.gate != nil {
		h.gate.Ended(now)
	}
}

// Abandoned tells the backend's gate of a call whose outcome is not recorded.
func (h *ftHandle) Abandoned(now int64) {
	if h.gate != nil {
		h.gate.Abandoned(now)
	}
}

// Succeeded counts the success in the backend's hot path.
func (h *ftHandle) Succeeded(now int64) {
	if h.hot != nil {
		h.hot.Succeeded(now)
	}
}

// Failed counts the failure in the backend's hot path, or reports false.
func (h *ftHandle) Failed(now int64) bool {
	return h.hot != nil && h.hot.Failed(now)
}

// Open opens the circuit in the backend, or in the fallback.
func (h *ftHandle) Open(ctx context.Context, now time.Time) (bool, error) {
	return h.operate(ctx, now, "Open", func(ctx context.Context, o Operator) (bool, error) { return o.Open(ctx, now) })
}

// Reopen reopens the circuit in the backend, or in the fallback.
func (h *ftHandle) Reopen(ctx context.Context, now, previous time.Time) (bool, error) {
	return h.operate(ctx, now, "Reopen", func(ctx context.Context, o Operator) (bool, error) { return o.Reopen(ctx, now, previous) })
}

// Close closes the circuit in the backend, or in the fallback.
func (h *ftHandle) Close(ctx context.Context, now time.Time) (bool, error) {
	return h.operate(ctx, now, "Close", func(ctx context.Context, o Operator) (bool, error) { return o.Close(ctx, now) })
}

// History returns the backend's buckets, or its error. It never answers from
// the fallback: History is an operator's read, and the fallback's window holds
// only this process's outcomes, which a tool would show as the fleet's.
func (h *ftHandle) History(ctx context.Context, now time.Time) ([]Bucket, error) {
	o, err := operatorOf(h.backend)
	if err != nil {
		return nil, err
	}
	b, err := proxied(ctx, h.s.br, now, func(ctx context.Context) ([]Bucket, error) { return o.History(ctx, now) })
	if err != nil {
		h.failed(ctx, "History", err)
		return nil, err
	}
	return b, nil
}

// operate runs an Operator method on the backend, or on the fallback when the
// backend fails or has none.
func (h *ftHandle) operate(ctx context.Context, now time.Time, op string, fn func(context.Context, Operator) (bool, error)) (bool, error) {
	o, err := operatorOf(h.backend)
	if err == nil {
		var ok bool
		if ok, err = proxied(ctx, h.s.br, now, func(ctx context.Context) (bool, error) { return fn(ctx, o) }); err == nil {
			return ok, nil
		}
		h.failed(ctx, op, err)
	}
	return fn(ctx, h.fallback())
}

// View passes on the backend's view while the backend answers and the guard is
// closed, with the lock known here; none otherwise.
func (h *ftHandle) View(now time.Time) (Status, bool) {
	v, ok := h.backend.(Viewer)
	if !ok || h.degraded.Load() || !h.s.br.closed() {
		return Status{}, false
	}
	st, ok := v.View(now)
	if ok {
		st.Lock = h.locks.shown(st.Lock)
	}
	return st, ok
}
