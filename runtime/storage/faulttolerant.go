package storage

import (
	"context"
	"errors"
	"sync"
	"sync/atomic"
	"time"
)

// errNilStorage is what a proxy or chain built on a nil storage fails with.
var errNilStorage = errors.New("breakergen: storage is nil")

// FaultTolerantOption configures FaultTolerant.
type FaultTolerantOption func(*faultTolerantConfig)

type faultTolerantConfig struct {
	onFailure []func(Failure)
}

// OnFailure registers fn to be told of every backend failure the proxy tolerates,
// exactly as FaultTolerantProxy.NotifyFailures does. A nil fn is ignored.
func OnFailure(fn func(Failure)) FaultTolerantOption {
	return func(c *faultTolerantConfig) {
		if fn != nil {
			c.onFailure = append(c.onFailure, fn)
		}
	}
}

// FaultTolerantProxy is a Storage that never fails: when its backend returns an
// error it reports a Failure and answers from an in-process fallback Memory, so
// circuits keep protecting this process while the shared storage is away. Create
// one with FaultTolerant.
//
// A FaultTolerantProxy is safe for concurrent use.
type FaultTolerantProxy struct {
	backend  Storage
	fallback *Memory
	notify   notifiers
	locks    sync.Map // circuit name -> *lockSync
}

var (
	_ Storage         = (*FaultTolerantProxy)(nil)
	_ FailureNotifier = (*FaultTolerantProxy)(nil)
)

// lockSync orders the updates of one circuit's lock in the fallback. Every update
// increments gen; a lock read from the backend is copied into the fallback only
// if gen did not change while it was being read, so a slow read never overwrites a
// newer lock.
type lockSync struct {
	mu  sync.Mutex
	gen uint64
}

// FaultTolerant returns s wrapped so that its failures fail open, the way the
// runtime wraps every storage whose FaultTolerant method reports false.
//
// On any error from s, the proxy reports a Failure{Op, Circuit, Err} to every
// function registered with OnFailure or NotifyFailures, and answers the call from
// an in-process Memory instead: the circuit keeps counting outcomes, opening and
// probing within this process. Statuses and results that come from the fallback
// have Stub set. No method of the proxy ever returns an error, and its
// FaultTolerant method reports true; Lock, Unlock, Reset and Clear report backend
// failures only through the registered functions.
//
// Locks are never hidden: Lock and Unlock are applied to the fallback as well as
// to s, even when s accepted them, and every status s returns successfully (from
// Status or Record) refreshes the lock the fallback knows for that circuit. A
// stand-in status therefore shows the last lock known in this process. Reset and
// Clear also reset the fallback. Other state is not copied between the two: while
// s answers, the fallback only knows locks; while s fails, the fallback decides
// alone, from what it has counted since.
//
// There is no recovery step: every call tries s first, so the proxy returns to s
// as soon as s answers. Wrap s in CircuitProxy first (FaultTolerant(CircuitProxy(s)))
// so that a dead backend is not called, and waited for, on every call.
//
// An error that is the caller's own context error (ctx.Err() is not nil and the
// error matches it with errors.Is) is not reported as a failure, since the storage
// did nothing wrong, but the call is still answered from the fallback.
//
// A Reserve that s fails is answered by the fallback's compare-and-set; when the
// fallback holds the circuit closed, and so has no probe to coordinate, the
// reservation succeeds, failing open.
//
// If s is already a *FaultTolerantProxy it is returned as it is, not wrapped
// twice; the OnFailure functions in opts are registered on it. If s implements
// FailureNotifier (a FallbackChain does), functions registered on the proxy are
// registered on s too, so failures s tolerates itself are reported as well. A nil
// s is treated as a backend that always fails.
func FaultTolerant(s Storage, opts ...FaultTolerantOption) Storage {
	var cfg faultTolerantConfig
	for _, o := range opts {
		if o != nil {
			o(&cfg)
		}
	}
	p, ok := s.(*FaultTolerantProxy)
	if !ok || p == nil {
		if s == nil || ok { // nil, or a nil *FaultTolerantProxy
			s = failing{errNilStorage}
		}
		p = &FaultTolerantProxy{backend: s, fallback: NewMemory()}
	}
	for _, fn := range cfg.onFailure {
		p.NotifyFailures(fn)
	}
	return p
}

// NotifyFailures registers fn to be called, synchronously and once per failure,
// for every backend error the proxy tolerates. A nil fn is ignored; a panic in fn
// is recovered and ignored, so it never breaks a storage call.
func (p *FaultTolerantProxy) NotifyFailures(fn func(Failure)) {
	if fn == nil {
		return
	}
	p.notify.add(fn)
	if n, ok := p.backend.(FailureNotifier); ok {
		n.NotifyFailures(fn)
	}
}

// Status reads the backend's status, or the fallback's with Stub set.
func (p *FaultTolerantProxy) Status(ctx context.Context, name string, pol Policy, now time.Time) (Status, error) {
	k, gen := p.beginRead(name)
	st, err := p.backend.Status(ctx, name, pol, now)
	if err == nil {
		p.learn(ctx, name, pol, now, k, gen, st.Lock)
		return st, nil
	}
	p.notify.report(ctx, Failure{Op: "Status", Circuit: name, Err: err})
	st, _ = p.fallback.Status(ctx, name, pol, now) // Memory never fails
	st.Stub = true
	return st, nil
}

// Record records the outcome in the backend, or in the fallback with the result's
// Stub set.
func (p *FaultTolerantProxy) Record(ctx context.Context, name string, pol Policy, now time.Time, o Outcome) (Result, error) {
	k, gen := p.beginRead(name)
	r, err := p.backend.Record(ctx, name, pol, now, o)
	if err == nil {
		p.learn(ctx, name, pol, now, k, gen, r.Status.Lock)
		return r, nil
	}
	p.notify.report(ctx, Failure{Op: "Record", Circuit: name, Err: err})
	r, _ = p.fallback.Record(ctx, name, pol, now, o)
	r.Status.Stub = true
	return r, nil
}

// Open opens the circuit in the backend, or in the fallback.
func (p *FaultTolerantProxy) Open(ctx context.Context, name string, pol Policy, now time.Time) (bool, error) {
	ok, err := p.backend.Open(ctx, name, pol, now)
	if err == nil {
		return ok, nil
	}
	p.notify.report(ctx, Failure{Op: "Open", Circuit: name, Err: err})
	ok, _ = p.fallback.Open(ctx, name, pol, now)
	return ok, nil
}

// Reopen reopens the circuit in the backend, or in the fallback.
func (p *FaultTolerantProxy) Reopen(ctx context.Context, name string, pol Policy, now, previous time.Time) (bool, error) {
	ok, err := p.backend.Reopen(ctx, name, pol, now, previous)
	if err == nil {
		return ok, nil
	}
	p.notify.report(ctx, Failure{Op: "Reopen", Circuit: name, Err: err})
	ok, _ = p.fallback.Reopen(ctx, name, pol, now, previous)
	return ok, nil
}

// Close closes the circuit in the backend, or in the fallback.
func (p *FaultTolerantProxy) Close(ctx context.Context, name string, pol Policy, now time.Time) (bool, error) {
	ok, err := p.backend.Close(ctx, name, pol, now)
	if err == nil {
		return ok, nil
	}
	p.notify.report(ctx, Failure{Op: "Close", Circuit: name, Err: err})
	ok, _ = p.fallback.Close(ctx, name, pol, now)
	return ok, nil
}

// Reserve reserves the probe in the backend, or in the fallback; when the fallback
// holds the circuit closed, the reservation succeeds at now.
func (p *FaultTolerantProxy) Reserve(ctx context.Context, name string, pol Policy, now, previous time.Time) (time.Time, bool, error) {
	at, ok, err := p.backend.Reserve(ctx, name, pol, now, previous)
	if err == nil {
		return at, ok, nil
	}
	p.notify.report(ctx, Failure{Op: "Reserve", Circuit: name, Err: err})
	at, ok, _ = p.fallback.Reserve(ctx, name, pol, now, previous)
	if !ok {
		if st, _ := p.fallback.Status(ctx, name, pol, now); st.State == StateClosed {
			return now, true, nil
		}
	}
	return at, ok, nil
}

// Release releases the reservation in the backend, or in the fallback.
func (p *FaultTolerantProxy) Release(ctx context.Context, name string, pol Policy, reservedAt time.Time) (bool, error) {
	ok, err := p.backend.Release(ctx, name, pol, reservedAt)
	if err == nil {
		return ok, nil
	}
	p.notify.report(ctx, Failure{Op: "Release", Circuit: name, Err: err})
	ok, _ = p.fallback.Release(ctx, name, pol, reservedAt)
	return ok, nil
}

// Lock sets the lock in the backend and in the fallback.
func (p *FaultTolerantProxy) Lock(ctx context.Context, name string, l Lock) error {
	if err := p.backend.Lock(ctx, name, l); err != nil {
		p.notify.report(ctx, Failure{Op: "Lock", Circuit: name, Err: err})
	}
	p.change(name, func() { _ = p.fallback.Lock(ctx, name, l) })
	return nil
}

// Unlock clears the lock in the backend and in the fallback.
func (p *FaultTolerantProxy) Unlock(ctx context.Context, name string) error {
	if err := p.backend.Unlock(ctx, name); err != nil {
		p.notify.report(ctx, Failure{Op: "Unlock", Circuit: name, Err: err})
	}
	p.change(name, func() { _ = p.fallback.Unlock(ctx, name) })
	return nil
}

// Reset resets the circuit in the backend and in the fallback.
func (p *FaultTolerantProxy) Reset(ctx context.Context, name string) error {
	if err := p.backend.Reset(ctx, name); err != nil {
		p.notify.report(ctx, Failure{Op: "Reset", Circuit: name, Err: err})
	}
	p.change(name, func() { _ = p.fallback.Reset(ctx, name) })
	return nil
}

// History returns the backend's buckets, or the fallback's.
func (p *FaultTolerantProxy) History(ctx context.Context, name string, pol Policy, now time.Time) ([]Bucket, error) {
	b, err := p.backend.History(ctx, name, pol, now)
	if err == nil {
		return b, nil
	}
	p.notify.report(ctx, Failure{Op: "History", Circuit: name, Err: err})
	b, _ = p.fallback.History(ctx, name, pol, now)
	return b, nil
}

// List returns the backend's circuits, or the fallback's.
func (p *FaultTolerantProxy) List(ctx context.Context) ([]string, error) {
	names, err := p.backend.List(ctx)
	if err == nil {
		return names, nil
	}
	p.notify.report(ctx, Failure{Op: "List", Err: err})
	names, _ = p.fallback.List(ctx)
	return names, nil
}

// Clear forgets every circuit in the backend and in the fallback.
func (p *FaultTolerantProxy) Clear(ctx context.Context) error {
	if err := p.backend.Clear(ctx); err != nil {
		p.notify.report(ctx, Failure{Op: "Clear", Err: err})
	}
	// Invalidate every lock read in flight before the fallback forgets.
	p.locks.Range(func(_, v any) bool {
		k := v.(*lockSync)
		k.mu.Lock()
		k.gen++
		k.mu.Unlock()
		return true
	})
	_ = p.fallback.Clear(ctx)
	return nil
}

// FaultTolerant reports true: the proxy never returns an error.
func (p *FaultTolerantProxy) FaultTolerant() bool { return true }

// lockSyncOf returns the circuit's lockSync, creating it.
func (p *FaultTolerantProxy) lockSyncOf(name string) *lockSync {
	if v, ok := p.locks.Load(name); ok {
		return v.(*lockSync)
	}
	v, _ := p.locks.LoadOrStore(name, new(lockSync))
	return v.(*lockSync)
}

// beginRead notes the circuit's lock generation before a backend read.
func (p *FaultTolerantProxy) beginRead(name string) (*lockSync, uint64) {
	k := p.lockSyncOf(name)
	k.mu.Lock()
	gen := k.gen
	k.mu.Unlock()
	return k, gen
}

// learn copies a lock read from the backend into the fallback, unless the lock
// was changed or learnt since the read began (gen).
func (p *FaultTolerantProxy) learn(ctx context.Context, name string, pol Policy, now time.Time, k *lockSync, gen uint64, l Lock) {
	k.mu.Lock()
	defer k.mu.Unlock()
	if k.gen != gen {
		return
	}
	k.gen++
	known, _ := p.fallback.Status(ctx, name, pol, now)
	switch {
	case known.Lock == l:
	case l == LockNone:
		_ = p.fallback.Unlock(ctx, name)
	default:
		_ = p.fallback.Lock(ctx, name, l)
	}
}

// change applies a lock change to the fallback, invalidating lock reads in flight.
func (p *FaultTolerantProxy) change(name string, apply func()) {
	k := p.lockSyncOf(name)
	k.mu.Lock()
	k.gen++
	apply()
	k.mu.Unlock()
}

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
	fns := n.fns.Load()
	if fns == nil {
		return
	}
	for _, fn := range *fns {
		callNotify(fn, f)
	}
}

func callNotify(fn func(Failure), f Failure) {
	defer func() { _ = recover() }()
	fn(f)
}

// callerDone reports whether err is the caller's own context error: the context
// is done and err matches its error.
func callerDone(ctx context.Context, err error) bool {
	cerr := ctx.Err()
	return cerr != nil && errors.Is(err, cerr)
}

// failing is a Storage whose every method fails with err; it stands in for a nil
// backend and for a CircuitProxy with invalid options. It is safe for concurrent
// use.
type failing struct{ err error }

func (f failing) Status(context.Context, string, Policy, time.Time) (Status, error) {
	return Status{}, f.err
}

func (f failing) Record(context.Context, string, Policy, time.Time, Outcome) (Result, error) {
	return Result{}, f.err
}

func (f failing) Open(context.Context, string, Policy, time.Time) (bool, error) { return false, f.err }

func (f failing) Reopen(context.Context, string, Policy, time.Time, time.Time) (bool, error) {
	return false, f.err
}

func (f failing) Close(context.Context, string, Policy, time.Time) (bool, error) { return false, f.err }

func (f failing) Reserve(context.Context, string, Policy, time.Time, time.Time) (time.Time, bool, error) {
	return time.Time{}, false, f.err
}

func (f failing) Release(context.Context, string, Policy, time.Time) (bool, error) {
	return false, f.err
}

func (f failing) Lock(context.Context, string, Lock) error { return f.err }

func (f failing) Unlock(context.Context, string) error { return f.err }

func (f failing) Reset(context.Context, string) error { return f.err }

func (f failing) History(context.Context, string, Policy, time.Time) ([]Bucket, error) {
	return nil, f.err
}

func (f failing) List(context.Context) ([]string, error) { return nil, f.err }

func (f failing) Clear(context.Context) error { return f.err }

func (f failing) FaultTolerant() bool { return false }
