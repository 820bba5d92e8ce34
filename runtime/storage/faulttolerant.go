package storage

import (
	"context"
	"fmt"
	"sync"
	"sync/atomic"

	"github.com/breakergen/breakergen/internal/hotpath/nilness"
)

// FaultTolerantOption configures FaultTolerant.
type FaultTolerantOption interface {
	applyFaultTolerant(*faultTolerantConfig)
}

type faultTolerantConfig struct {
	onFailure []func(Failure)
	errs      []error
}

type faultTolerantOptionFunc func(*faultTolerantConfig)

func (f faultTolerantOptionFunc) applyFaultTolerant(c *faultTolerantConfig) { f(c) }

// OnFailure registers fn to be told of every backend failure a FaultTolerant
// wrapper meets, on any circuit, besides the function each handle's
// NotifyFailures registers: those it tolerates and those an operator's call
// returns. A storage that never fails, which FaultTolerant returns unchanged,
// reports no failures, so fn is never called for it. fn must not be nil.
// Default: none.
func OnFailure(fn func(Failure)) FaultTolerantOption {
	return faultTolerantOptionFunc(func(c *faultTolerantConfig) {
		if fn == nil {
			c.errs = append(c.errs, fmt.Errorf("%w: fault tolerant: OnFailure(nil)", ErrInvalid))
			return
		}
		c.onFailure = append(c.onFailure, fn)
	})
}

// FaultTolerant returns s wrapped so that its failures fail open, the way the
// runtime wraps every storage that is not Tolerant.
//
// On an error from s on the decision path, a handle reports a
// Failure{Op, Circuit, Err} to the function its NotifyFailures registered (the
// runtime's, which emits EventStorageFailure) and to every OnFailure function,
// and answers from an in-process Memory instead: the circuit keeps counting
// outcomes, opening and probing within this process. Statuses and results that
// come from the fallback have Stub set and Scope ScopeProcess. Status, Record,
// Reserve and Release never return an error; a Reserve that s failed is
// answered by the fallback's compare-and-set, and succeeds when the fallback
// holds the circuit closed (it has no probe to coordinate), failing open. An
// error that is the caller's own context error is not reported, since the
// storage did nothing wrong.
//
// Operator writes are different: Lock and Reset apply the change locally and
// then return s's error, so an operator learns that the fleet did not get it (as
// Faulty raises). The local change is kept and re-sent: while a Lock (or the
// lock removal of a Reset) has not reached s, the handle shows it in every
// status, and it sends it to s again before it trusts s's lock once s answers.
// A lock read from s never erases a newer lock set here: a read that began
// before a Lock does not apply its older lock. Reset's other effects (state,
// window) are not re-sent.
//
// Operator reads do not fall back at all: History (on a handle) and List return
// s's error, with no data, as Faulty raises, since the fallback holds only this
// process's outcomes and circuits and a tool would show them as the fleet's. The
// failure is reported as above. A backend without Operator or Admin makes them
// fail with an error wrapping errors.ErrUnsupported. Operator's Open, Reopen and
// Close fall back like the decision path; Clear clears s and every fallback and
// returns s's error.
//
// The fallback of a circuit is made on its first failure, so a healthy backend
// costs no memory here. There is no recovery step: every call tries s first, so
// the handle returns to s as soon as s answers. Wrap s in CircuitProxy first
// (FaultTolerant(CircuitProxy(s))) so that a dead backend is not called, and
// waited for, on every call. Handles implement HotPath: s's hot path is used
// while s answers, and the decision path is asked after a failure until s
// answers again.
//
// If s is already tolerant (IsTolerant) it is returned unchanged. When s is a
// FaultTolerant result, opts are registered on it. Any other tolerant storage
// (Memory, Null, a FallbackChain with a tolerant member) is not wrapped, so opts
// are checked and then ignored and an OnFailure function is never called for
// it: its decision path never fails, and a FallbackChain's handles report the
// failures of their members to their own NotifyFailures function and return an
// operator's errors. FaultTolerant fails, with an error wrapping ErrInvalid,
// when s is nil or an option is invalid. The result is safe for concurrent use.
func FaultTolerant(s Storage, opts ...FaultTolerantOption) (Storage, error) {
	if nilness.Is(s) {
		return nil, fmt.Errorf("%w: fault tolerant: nil storage", ErrInvalid)
	}
	var cfg faultTolerantConfig
	for i, o := range opts {
		if o == nil {
			return nil, fmt.Errorf("%w: fault tolerant: option %d is nil", ErrInvalid, i+1)
		}
		o.applyFaultTolerant(&cfg)
	}
	if len(cfg.errs) > 0 {
		return nil, cfg.errs[0]
	}
	if ft, ok := s.(*faultTolerant); ok {
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
	ft := &faultTolerant{backend: s, fallback: NewMemory()}
	for _, fn := range cfg.onFailure {
		ft.notify.add(fn)
	}
	return ft, nil
}

// faultTolerant is the Storage returned by FaultTolerant.
type faultTolerant struct {
	backend  Storage
	fallback *Memory
	notify   notifiers
	handles  sync.Map // *ftHandle -> struct{}: for Clear
}

var (
	_ Storage  = (*faultTolerant)(nil)
	_ Admin    = (*faultTolerant)(nil)
	_ Tolerant = (*faultTolerant)(nil)
)

// Bind binds the backend's handle; the fallback is bound on the first failure.
func (f *faultTolerant) Bind(name string, p Policy) (Handle, error) {
	bh, err := f.backend.Bind(name, p)
	if err != nil {
		return nil, err
	}
	h := &ftHandle{s: f, name: name, policy: p, backend: bh}
	h.hot, _ = bh.(HotPath)
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
	names, err := a.List(ctx)
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
		err = a.Clear(ctx)
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
