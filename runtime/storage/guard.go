package storage

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/breakergen/breakergen/internal/hotpath/bounded"
)

// guarded returns s behind a small circuit breaker of its own, the guard, so
// that a backend that keeps failing (Redis down, a network partition) is not
// called, and waited for, on every call. FallbackChain puts each member that
// is not tolerant behind one; FaultTolerant guards its backend with the same
// breaker, inside its own handles, so the runtime's path to a backend crosses
// one wrapper.
//
// The guard has one breaker for the whole backend, driven by the now given to
// each call. It opens after WithFailuresInARow failures in a row, or when
// WithFailureRate's share of the calls within WithRateWindow failed. While it is
// open every handle call returns at once, without calling s, an error that wraps
// ErrStorageOpen and describes the backend's last error. After
// WithBackendCoolDown it is half-open: exactly one call at a time goes through
// as the probe and the others still fail with ErrStorageOpen; the probe's
// success closes the guard and its failure opens it for another cool-down. A
// probe that has not returned after the cool-down is given up, and the next
// call probes. The guard opens at the instant a failing call ended (its now
// plus the time it took), so a backend that fails slowly is spared as surely
// as one that fails fast.
//
// Every call is bounded by its context: when the context is done before the
// backend answers, the call returns at once (the backend's call finishes on its
// own goroutine), so a client that ignores context deadlines still never holds
// the caller past them. A call that missed the runtime's storage deadline
// (ErrTimeout) counts as a failure of the backend; an error that is the caller's
// own context error counts neither way; an error wrapping ErrCorrupt counts as an
// answer, since the backend answered. Every error is returned to the caller
// unchanged.
//
// Admin calls (List, Clear) are operator tools: they go to s directly, bounded
// by their context but neither gated nor counted. Handles implement Operator
// when s's do, and HotPath: a backend handle's hot path is used while the guard
// is closed. The result is safe for concurrent use; its FaultTolerant method
// reports false, since it returns errors.
func guarded(s Storage, gate gateConfig) *circuitProxy {
	return &circuitProxy{backend: s, br: &proxyBreaker{cfg: gate}}
}

// circuitProxy is the Storage guarded returns.
type circuitProxy struct {
	backend Storage
	br      *proxyBreaker
}

var (
	_ Storage  = (*circuitProxy)(nil)
	_ Admin    = (*circuitProxy)(nil)
	_ Tolerant = (*circuitProxy)(nil)
)

// Bind binds the backend's handle; binding makes no backend call.
func (p *circuitProxy) Bind(name string, pol Policy) (Handle, error) {
	h, err := p.backend.Bind(name, pol)
	if err != nil {
		return nil, err
	}
	hot, _ := h.(HotPath)
	return &proxyHandle{br: p.br, h: h, hot: hot}, nil
}

// List lists the backend's circuits, bounded by ctx.
func (p *circuitProxy) List(ctx context.Context) ([]string, error) {
	a, err := adminOf(p.backend)
	if err != nil {
		return nil, err
	}
	return bounded.Call(ctx, a.List)
}

// Clear clears the backend, bounded by ctx.
func (p *circuitProxy) Clear(ctx context.Context) error {
	a, err := adminOf(p.backend)
	if err != nil {
		return err
	}
	return bounded.Do(ctx, a.Clear)
}

// FaultTolerant reports false: the proxy returns the backend's errors, and
// ErrStorageOpen while open.
func (p *circuitProxy) FaultTolerant() bool { return false }

// adminOf returns s as an Admin, or an error wrapping errors.ErrUnsupported.
func adminOf(s Storage) (Admin, error) {
	if a, ok := s.(Admin); ok {
		return a, nil
	}
	return nil, fmt.Errorf("breakergen: storage %T does not list or clear circuits: %w", s, errors.ErrUnsupported)
}

// operatorOf returns h as an Operator, or an error wrapping errors.ErrUnsupported.
func operatorOf(h Handle) (Operator, error) {
	if o, ok := h.(Operator); ok {
		return o, nil
	}
	return nil, fmt.Errorf("breakergen: storage handle %T has no operator methods: %w", h, errors.ErrUnsupported)
}

// proxied calls fn on the backend if the breaker admits it at now, bounded by
// ctx, and counts its outcome.
func proxied[T any](ctx context.Context, br *proxyBreaker, now time.Time, fn func(context.Context) (T, error)) (T, error) {
	if ctx.Err() != nil {
		// The call's storage budget is spent before it began: the backend is
		// not asked, so the proxy learns nothing and keeps its probe.
		var zero T
		return zero, bounded.Err(ctx)
	}
	probe, err := br.admit(now)
	if err != nil {
		var zero T
		return zero, err
	}
	start := time.Now()
	v, err := bounded.Call(ctx, fn)
	br.report(ctx, now, now.Add(time.Since(start)), probe, err)
	return v, err
}
