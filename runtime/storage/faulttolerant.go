package storage

import (
	"context"
	"fmt"
	"sync"
	"sync/atomic"

	"github.com/breakergen/breakergen/internal/hotpath/bounded"
)

// FaultTolerant returns s wrapped so that its failures fail open, the way the
// runtime wraps every storage that is not Tolerant. It is the one layer between
// the runtime and a backend: it guards the backend with a small breaker of its
// own, and answers from an in-process fallback where the backend fails.
//
// The guard is one breaker for the whole backend, driven by the now given to
// each call, so that a backend that keeps failing (Redis down, a network
// partition) is not called, and waited for, on every call. It opens after
// WithFailuresInARow failures in a row (default 3), or when WithFailureRate's
// share of the calls within WithRateWindow failed (default half of at least 10
// within 10 s). While it is open no call reaches the backend: each fails at
// once with an error wrapping ErrStorageOpen, handled as any backend failure
// below. After WithBackendCoolDown (default 2 s) exactly one call at a time
// goes through as the probe; its success closes the guard, its failure opens it
// again. A probe that has not returned after the cool-down is given up. The
// guard opens at the instant a failing call ended, so a backend that fails
// slowly is spared as surely as one that fails fast. Every backend call is
// bounded by its context: when the context is done first, the call returns at
// once (the backend's call finishes on its own goroutine). A call that missed
// the runtime's storage deadline (ErrTimeout) counts as a failure of the
// backend; one that is the caller's own context error counts neither way; an
// error wrapping ErrCorrupt or ErrDetached counts as an answer.
//
// On an error on the decision path (the backend's, or the guard's), a handle
// reports a Failure{Op, Circuit, Err} to the runtime's function for the circuit
// (which emits EventStorageFailure) and to every OnFailure function, and
// answers from an in-process Memory instead: the circuit keeps counting
// outcomes, opening and probing within this process. Statuses and results that
// come from the fallback have Stub set and Scope ScopeProcess. Status, Record,
// Reserve and Release never return an error; a Reserve that failed is answered
// by the fallback's compare-and-set, and succeeds when the fallback holds the
// circuit closed (it has no probe to coordinate), failing open. An outcome the
// guard kept from the backend is handed to a backend handle that is a Deferrer.
// An error that is the caller's own context error is not reported, since the
// storage did nothing wrong.
//
// Operator writes are different: Lock and Reset apply the change locally and
// then return the backend's error, so an operator learns that the fleet did not
// get it (as Faulty raises). The local change is kept and re-sent: while a Lock
// (or the lock removal of a Reset) has not reached s, the handle shows it in
// every status, and it sends it to s again before it trusts s's lock once s
// answers. A lock read from s never erases a newer lock set here: a read that
// began before a Lock does not apply its older lock. Reset's other effects
// (state, window) are not re-sent.
//
// Operator reads do not fall back at all: History (on a handle) and List return
// s's error, with no data, as Faulty raises, since the fallback holds only this
// process's outcomes and circuits and a tool would show them as the fleet's. The
// failure is reported as above. List and Clear are operator tools: they are
// bounded by their context but not gated. A backend without Operator or Admin
// makes them fail with an error wrapping errors.ErrUnsupported. Operator's
// Open, Reopen and Close fall back like the decision path; Clear clears s and
// every fallback and returns s's error.
//
// The fallback of a circuit is made on its first failure, so a healthy backend
// costs no memory here. Handles implement HotPath: s's hot path is used while
// s answers and the guard is closed, and the decision path is asked otherwise.
//
// If s is already tolerant (IsTolerant) it is returned unchanged. When s is a
// FaultTolerant result, its OnFailure options are registered on it and its
// guard options must be absent (the guard is made once). Any other tolerant
// storage (Memory, Null, a FallbackChain with a tolerant member) is not wrapped,
// so opts are checked and then ignored and an OnFailure function is never
// called for it: its decision path never fails, and a FallbackChain's handles
// report the failures of their members to the runtime and return an operator's
// errors. FaultTolerant fails, with an error wrapping ErrInvalid, when s is nil
// or an option is invalid. The result is safe for concurrent use.
func FaultTolerant(s Storage, opts ...FaultTolerantOption) (Storage, error) {
	cfg, err := faultTolerantOptions("fault tolerant", s, opts)
	if err != nil {
		return nil, err
	}
	if ft, ok := s.(*faultTolerant); ok {
		if cfg.gate != defaultGateConfig() {
			return nil, fmt.Errorf("%w: fault tolerant: the storage is already fault tolerant, with its guard set", ErrInvalid)
		}
		for _, fn := range cfg.onFailure {
			ft.notify.add(fn)
		}
		return ft, nil
	}
	if IsTolerant(s) {
		// s decides without failing; a wrapper made only to carry
		// cfg.onFailure would break the promise to return s as it is.
		return s, nil
	}
	ft := &faultTolerant{backend: s, br: &proxyBreaker{cfg: cfg.gate}, fallback: NewMemory()}
	for _, fn := range cfg.onFailure {
		ft.notify.add(fn)
	}
	return ft, nil
}

// faultTolerant is the Storage returned by FaultTolerant.
type faultTolerant struct {
	backend  Storage
	br       *proxyBreaker // the backend's guard
	fallback *Memory
	notify   notifiers
	handles  sync.Map // *ftHandle -> struct{}: for Clear
}

var (
	_ Storage       = (*faultTolerant)(nil)
	_ Admin         = (*faultTolerant)(nil)
	_ Tolerant      = (*faultTolerant)(nil)
	_ PolicySupport = (*faultTolerant)(nil)
)

// SupportsPolicy reports nil when p sets, of the policies beyond the classic
// ones, only CoolDownMax, HalfOpenProbes and Ramp, and the backend applies
// them: the wrapper passes the backend's statuses (CoolDown, Probes, Passed)
// and its gate through, and its fallback applies them by itself. Slow calls
// and adaptive mode it does not pass through.
func (s *faultTolerant) SupportsPolicy(p Policy) error {
	if set := p.Unsupported("CoolDownMax", "HalfOpenProbes", "Ramp"); set != "" {
		return fmt.Errorf("%w: the storage %T does not apply %s", ErrInvalid, s, set)
	}
	return CheckPolicy(s.backend, p)
}

// Bind binds the backend's handle; the fallback is bound on the first failure.
//
// The backend is bound with p, its Notify told of the backend's failures
// with the OnFailure functions: the failures the backend meets off any call
// (a Redis fleet store's background flushes) are reported as those the
// handle tolerates.
func (f *faultTolerant) Bind(name string, p Policy) (Handle, error) {
	bp := p
	bp.Notify = ftNotifier{rt: p.Notify, f: f}
	bh, err := f.backend.Bind(name, bp)
	if err != nil {
		return nil, err
	}
	fp := p
	fp.Notify = nil // the fallback learns nothing off a call
	h := &ftHandle{s: f, name: name, policy: fp, backend: bh, notify: p.Notify}
	h.hot, _ = bh.(HotPath)
	h.gate, _ = bh.(Gate)
	f.handles.Store(h, struct{}{})
	return h, nil
}

// List returns the backend's circuits, or its error. It never answers from the
// fallback, which holds only the circuits that failed in this process: a tool
// would show them as the fleet's.
func (f *faultTolerant) List(ctx context.Context) ([]string, error) {
	a, err := adminOf(f.backend)
	if err != nil {
		return nil, err
	}
	names, err := bounded.Call(ctx, a.List)
	if err != nil {
		f.notify.report(ctx, Failure{Op: "List", Err: err})
		return nil, err
	}
	return names, nil
}

// Clear clears the backend and every circuit's local state, and returns the
// backend's error.
func (f *faultTolerant) Clear(ctx context.Context) error {
	a, err := adminOf(f.backend)
	if err == nil {
		err = bounded.Do(ctx, a.Clear)
	}
	f.handles.Range(func(k, _ any) bool {
		k.(*ftHandle).locks.change(LockNone, err == nil, nil)
		return true
	})
	_ = f.fallback.Clear(ctx)
	if err != nil {
		f.notify.report(ctx, Failure{Op: "Clear", Err: err})
	}
	return err
}

// FaultTolerant reports true: the decision path never returns an error.
func (f *faultTolerant) FaultTolerant() bool { return true }

// notifiers is a list of failure callbacks. Adding takes a lock; reporting reads
// an immutable slice and takes none. It is safe for concurrent use.
type notifiers struct {
	mu  sync.Mutex
	fns atomic.Pointer[[]func(Failure)]
}

func (n *notifiers) add(fn func(Failure)) {
	n.mu.Lock()
	defer n.mu.Unlock()
	var next []func(Failure)
	if cur := n.fns.Load(); cur != nil {
		next = append(next, *cur...)
	}
	next = append(next, fn)
	n.fns.Store(&next)
}

// report calls every function with f, unless f.Err is the caller's own context
// error.
func (n *notifiers) report(ctx context.Context, f Failure) {
	if callerDone(ctx, f.Err) {
		return
	}
	if fns := n.fns.Load(); fns != nil {
		for _, fn := range *fns {
			callNotify(fn, f)
		}
	}
}

func callNotify(fn func(Failure), f Failure) {
	defer func() { _ = recover() }()
	fn(f)
}

// failed tells n of f, if n is set; a panic in it is contained.
func failed(n Notifier, f Failure) {
	if n != nil {
		callNotify(n.Failed, f)
	}
}

// ftNotifier is the Notifier a FaultTolerant wrapper binds its backend with:
// the runtime's, and the wrapper's OnFailure functions for failures.
type ftNotifier struct {
	rt Notifier // the runtime's, or nil
	f  *faultTolerant
}

func (n ftNotifier) Failed(fl Failure) {
	failed(n.rt, fl)
	n.f.notify.report(context.Background(), fl)
}

func (n ftNotifier) Transitioned(r Result) {
	if n.rt != nil {
		n.rt.Transitioned(r)
	}
}
