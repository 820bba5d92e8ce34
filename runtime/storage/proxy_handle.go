package storage

import (
	"context"
	"sync/atomic"
	"time"
)

// proxyHandle is a FallbackChain member's handle behind the member's guard.
type proxyHandle struct {
	br  *proxyBreaker
	h   Handle
	hot HotPath // nil when the backend handle has none
}

var (
	_ Handle   = (*proxyHandle)(nil)
	_ Operator = (*proxyHandle)(nil)
	_ HotPath  = (*proxyHandle)(nil)
	_ Unbinder = (*proxyHandle)(nil)
)

// Status reads the backend's status unless the proxy is open.
func (p *proxyHandle) Status(ctx context.Context, now time.Time) (Status, error) {
	return proxied(ctx, p.br, now, func(ctx context.Context) (Status, error) { return p.h.Status(ctx, now) })
}

// Record records in the backend unless the proxy is open. An outcome it does
// not give the backend, it defers to a backend handle that is a Deferrer.
func (p *proxyHandle) Record(ctx context.Context, now time.Time, o Outcome) (Result, error) {
	var asked atomic.Bool // written on the goroutine bounded.Call may start
	r, err := proxied(ctx, p.br, now, func(ctx context.Context) (Result, error) {
		asked.Store(true)
		return p.h.Record(ctx, now, o)
	})
	if d, ok := p.h.(Deferrer); ok && err != nil && !asked.Load() {
		d.Defer(o)
	}
	return r, err
}

// Reserve reserves the probe in the backend unless the proxy is open.
func (p *proxyHandle) Reserve(ctx context.Context, now, openedAt, reservedAt time.Time) (time.Time, bool, error) {
	r, err := proxied(ctx, p.br, now, func(ctx context.Context) (reservation, error) {
		at, ok, err := p.h.Reserve(ctx, now, openedAt, reservedAt)
		return reservation{at, ok}, err
	})
	return r.at, r.ok, err
}

// Release releases the reservation in the backend unless the proxy is open.
func (p *proxyHandle) Release(ctx context.Context, now, reservedAt time.Time) (bool, error) {
	return proxied(ctx, p.br, now, func(ctx context.Context) (bool, error) { return p.h.Release(ctx, now, reservedAt) })
}

// Lock sets the lock in the backend unless the proxy is open.
func (p *proxyHandle) Lock(ctx context.Context, now time.Time, l Lock) error {
	_, err := proxied(ctx, p.br, now, func(ctx context.Context) (struct{}, error) { return struct{}{}, p.h.Lock(ctx, now, l) })
	return err
}

// Reset resets the circuit in the backend unless the proxy is open.
func (p *proxyHandle) Reset(ctx context.Context, now time.Time) error {
	_, err := proxied(ctx, p.br, now, func(ctx context.Context) (struct{}, error) { return struct{}{}, p.h.Reset(ctx, now) })
	return err
}

// Open opens the circuit in the backend unless the proxy is open.
func (p *proxyHandle) Open(ctx context.Context, now time.Time) (bool, error) {
	o, err := operatorOf(p.h)
	if err != nil {
		return false, err
	}
	return proxied(ctx, p.br, now, func(ctx context.Context) (bool, error) { return o.Open(ctx, now) })
}

// Reopen reopens the circuit in the backend unless the proxy is open.
func (p *proxyHandle) Reopen(ctx context.Context, now, previous time.Time) (bool, error) {
	o, err := operatorOf(p.h)
	if err != nil {
		return false, err
	}
	return proxied(ctx, p.br, now, func(ctx context.Context) (bool, error) { return o.Reopen(ctx, now, previous) })
}

// Close closes the circuit in the backend unless the proxy is open.
func (p *proxyHandle) Close(ctx context.Context, now time.Time) (bool, error) {
	o, err := operatorOf(p.h)
	if err != nil {
		return false, err
	}
	return proxied(ctx, p.br, now, func(ctx context.Context) (bool, error) { return o.Close(ctx, now) })
}

// History reads the backend's buckets unless the proxy is open.
func (p *proxyHandle) History(ctx context.Context, now time.Time) ([]Bucket, error) {
	o, err := operatorOf(p.h)
	if err != nil {
		return nil, err
	}
	return proxied(ctx, p.br, now, func(ctx context.Context) ([]Bucket, error) { return o.History(ctx, now) })
}

// Admit uses the backend's hot path while the proxy is closed, and asks the
// decision path otherwise (which fails fast while the proxy is open).
func (p *proxyHandle) Admit() Admission {
	if p.hot == nil || !p.br.closed() {
		return Admission{Verdict: AdmitAsk}
	}
	return p.hot.Admit()
}

// Succeeded counts the success in the backend's hot path.
func (p *proxyHandle) Succeeded(now int64) {
	if p.hot != nil {
		p.hot.Succeeded(now)
	}
}

// Failed counts the failure in the backend's hot path, or reports false so the
// failure is recorded through the decision path.
func (p *proxyHandle) Failed(now int64) bool {
	return p.hot != nil && p.hot.Failed(now)
}

// Unbind gives the backend's handle back.
func (p *proxyHandle) Unbind() {
	if u, ok := p.h.(Unbinder); ok {
		u.Unbind()
	}
}

// reservation is the answer of Reserve, carried through generic helpers.
type reservation struct {
	at time.Time
	ok bool
}

// View passes on the backend's view while the proxy is closed.
func (p *proxyHandle) View(now time.Time) (Status, bool) {
	if v, ok := p.h.(Viewer); ok && p.br.closed() {
		return v.View(now)
	}
	return Status{}, false
}
