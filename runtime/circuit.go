package runtime

import (
	"context"
	"sync/atomic"
	"time"

	"github.com/breakergen/breakergen/internal/hotpath/coarse"
	"github.com/breakergen/breakergen/runtime/callcount"
	"github.com/breakergen/breakergen/runtime/storage"
)

// Circuit protects one dependency. Get one from Breaker.Circuit; it is safe for
// concurrent use and meant to be resolved once and kept, not looked up per call.
type Circuit struct {
	// The fields of a closed circuit's call come first, within one cache line.
	hot   storage.HotPath // never nil: askAlways when the handle has none
	quick uint8           // modeQuick when a hot success needs no event, else modeHot
	timed uint8           // the mode of a call gate lets run: modeTimed with SlowCall when quick is modeQuick
	// coarse: the clock is the system clock, so the hot path reads the coarse one.
	coarse bool
	// slow is SlowCall in ticks (see noCopy.start); 0: off. It fits beside
	// the fields above, so that the circuit is 384 bytes, six cache lines:
	// at 400 its allocations straddled lines, and a call on each of 10,000
	// circuits in turn cost 4ns more (measured).
	slow  uint32
	count func(callcount.Outcome)
	clock Clock
	// gate decides each call with the clock, for SlowCall, Ramp and
	// ModeAdaptive; nil otherwise, so a classic circuit's call reads no clock.
	gate storage.Gate

	name    string
	opts    Options
	h       storage.Handle
	ls      *listeners
	timeout time.Duration // of storage calls; 0 for none
	skips   atomic.Pointer[skipCache]
	fails   failureLimiter
	// detached limits the notices of a storage cut off from its shared state
	// (storage.ErrDetached) apart from the failures that led to them.
	detached failureLimiter
	lost     failureLimiter // of storage.ErrStateLost
}

// askAlways is the hot path of a handle without one: it always asks.
type askAlways struct{}

func (askAlways) Admit() storage.Admission { return storage.Admission{} }
func (askAlways) Succeeded(int64)          {}
func (askAlways) Failed(int64) bool        { return false }

func newCircuit(b *Breaker, name string, o Options, h storage.Handle) *Circuit {
	c := &Circuit{
		hot:     askAlways{},
		quick:   uint8(modeQuick),
		count:   callCounters(name, b.specs),
		clock:   b.clock,
		coarse:  b.coarse,
		name:    name,
		opts:    o,
		h:       h,
		ls:      b.ls,
		timeout: b.timeoutFor(h),
	}
	if hp, ok := h.(storage.HotPath); ok {
		c.hot = hp
	}
	if b.ls.wants(EventSuccess) {
		c.quick = uint8(modeHot)
	}
	c.timed = c.quick
	if g, ok := h.(storage.Gate); ok && o.policy().NeedsGate() {
		c.gate, c.hot = g, g
		c.slow = slowTicks(o.SlowCall)
		if c.slow != 0 && c.quick == uint8(modeQuick) {
			c.timed = uint8(modeTimed)
		}
	}
	return c
}

// circuitNotifier is the storage.Notifier a circuit's handle is bound with:
// it passes what the handle learns outside the calls it answers to the
// circuit, which exists only once the handle is bound, so what comes before
// is dropped (nothing of the circuit's was told yet). One pointer, kept in
// the interface as it is: 8 bytes and one allocation a circuit. It is safe
// for concurrent use.
type circuitNotifier struct{ c atomic.Pointer[Circuit] }

// Failed reports a failure the handle tolerated or met off any call.
func (n *circuitNotifier) Failed(f storage.Failure) {
	if c := n.c.Load(); c != nil {
		c.storageFailed(f.Err, c.clock.Now())
	}
}

// Transitioned emits the event of a transition the handle made off any call,
// or learnt.
func (n *circuitNotifier) Transitioned(r storage.Result) {
	if c := n.c.Load(); c != nil {
		c.transitioned(r)
	}
}

// Name returns the circuit's name.
func (c *Circuit) Name() string { return c.name }

// Options returns the circuit's resolved options.
func (c *Circuit) Options() Options { return c.opts }

// Allow decides whether a call may run now. When it may, the returned Attempt
// must be given the call's outcome with Done. When it may not, the error is an
// *OpenCircuitError (errors.Is(err, ErrOpen)) and an EventSkipped is emitted.
//
// When the circuit is half-open, Allow takes part in the compare-and-set for the
// probe's reservation; only the winner runs, and its Attempt knows it is the probe.
// When the storage fails, Allow fails open: the call runs. A nil ctx is taken as
// context.Background().
func (c *Circuit) Allow(ctx context.Context) (Attempt, error) {
	if c.gate != nil {
		return c.allowAt(ctx)
	}
	adm := c.hot.Admit()
	if adm.Verdict == storage.AdmitRun {
		return Attempt{c: c, m: noCopy{mode: attemptMode(c.quick)}}, nil
	}
	return c.allow(ctx, adm)
}

// allowAt is Allow for a circuit with a gate: the call starts now, which the
// gate counts, and it may be rejected (a ramp's share, adaptive mode).
func (c *Circuit) allowAt(ctx context.Context) (Attempt, error) {
	var now int64 // nowNanos, written out: it is too large to be inlined
	if c.coarse {
		now = coarse.Nanos()
	} else {
		now = c.slowNanos()
	}
	adm := c.gate.AdmitAt(now)
	switch adm.Verdict {
	case storage.AdmitRun:
		return Attempt{c: c, m: noCopy{mode: attemptMode(c.timed), start: ticks(now)}}, nil
	case storage.AdmitTrack: // Done tells the gate it ended
		return Attempt{c: c, m: noCopy{mode: modeHot, tracked: true, start: ticks(now)}}, nil
	case storage.AdmitReject:
		return Attempt{}, c.reject(ctx, adm)
	case storage.AdmitOpened:
		c.gateTransitioned(ctx, storage.TransitionOpened)
		adm = storage.Admission{}
	}
	return c.allow(ctx, adm)
}

// gateTransitioned emits the event of a transition the gate made, with the
// status after it.
func (c *Circuit) gateTransitioned(ctx context.Context, t storage.Transition) {
	if e := transitionEvent(t); e == 0 || !c.ls.wants(e) {
		return
	}
	ctx, cancel := c.storageContext(ctx, true)
	defer cancel()
	now := c.clock.Now()
	s, err := c.h.Status(ctx, now)
	if err != nil {
		c.storageFailed(err, now)
		return
	}
	c.transitioned(storage.Result{Transition: t, Status: s})
}

// reject refuses a call the gate rejected: as a skip, with the error kept
// for the rejections of the same state version.
func (c *Circuit) reject(ctx context.Context, adm storage.Admission) error {
	if e := c.skips.Load(); e != nil && e.version == adm.Version && !c.ls.wants(EventSkipped) {
		c.counted(callcount.Skipped)
		return e.err
	}
	ctx, cancel := c.storageContext(ctx, true)
	defer cancel()
	now := c.clock.Now()
	s, err := c.h.Status(ctx, now)
	if err != nil {
		c.storageFailed(err, now)
		s = storage.Status{CurrentTime: now, Stub: true, Scope: storage.ScopeProcess}
	}
	return c.skip(newStatus(s, c.opts), adm)
}

func (c *Circuit) allow(ctx context.Context, adm storage.Admission) (Attempt, error) {
	if adm.Verdict == storage.AdmitSkip {
		if c.nowNanos() >= adm.Until {
			adm = storage.Admission{} // the skip has ended: ask
		} else if e := c.skips.Load(); e != nil && e.version == adm.Version && !c.ls.wants(EventSkipped) {
			c.counted(callcount.Skipped)
			return Attempt{}, e.err
		}
	}
	ctx, cancel := c.storageContext(ctx, true)
	defer cancel()
	return c.decide(ctx, adm, c.budgetStart())
}

// decide reads the circuit's status and decides the call, with ctx the storage
// context of the call's budget, which started at start.
func (c *Circuit) decide(ctx context.Context, adm storage.Admission, start int64) (Attempt, error) {
	now := c.clock.Now()
	s, err := c.h.Status(ctx, now)
	if err != nil {
		c.storageFailed(err, now)
		s = storage.Status{State: storage.StateOpen, CurrentTime: now, Stub: true, Scope: storage.ScopeProcess}
		if adm.Verdict != storage.AdmitSkip {
			return c.attempt(start, modeNormal, 0, 0), nil
		}
	}
	st := newStatus(s, c.opts)
	if st.Stub && adm.Verdict == storage.AdmitSkip {
		// The hot path refused the call from a state it knows (open, reserved
		// or locked open); a storage that fails to say more does not make the
		// call run. The error is not cached: the next refusal asks again.
		return Attempt{}, c.skip(st, storage.Admission{})
	}
	switch {
	case st.LockedOpen():
		return Attempt{}, c.skip(st, adm)
	case st.LockedClosed() && st.HalfOpen(): // as Faulty: a half-open circuit still closes or reopens
		return c.attempt(start, modeTransition, unixNano(st.OpenedAt), 0), nil
	case st.LockedClosed():
		return c.attempt(start, modeNormal, 0, 0), nil
	case st.Closed():
		return c.attempt(start, modeNormal, 0, 0), nil
	case st.Open() || st.Reserved():
		return Attempt{}, c.skip(st, adm)
	}
	// Half-open and not reserved: race for the probe.
	at, ok, err := c.h.Reserve(ctx, now, st.OpenedAt, st.ReservedAt)
	if err != nil {
		c.storageFailed(err, now)
		return c.attempt(start, modeNormal, 0, 0), nil
	}
	if !ok {
		return Attempt{}, c.skip(st, storage.Admission{})
	}
	if c.ls.wants(EventProbe) {
		probe := st
		probe.ReservedAt = at
		c.emit(EventProbe, nil, probe)
	}
	return c.attempt(start, modeProbe, unixNano(st.OpenedAt), unixNano(at)), nil
}

// skipCache is the error a circuit returns for the calls it refuses while the
// hot path's version stays the same.
type skipCache struct {
	version uint64
	err     *OpenCircuitError
}

// skip refuses a call: it emits EventSkipped, counts the call and returns the
// error, keeping it for the hot path's later refusals of the same version.
func (c *Circuit) skip(st Status, adm storage.Admission) error {
	err := &OpenCircuitError{Circuit: c.name, Status: st, clock: c.clock}
	if adm.Verdict == storage.AdmitSkip || adm.Verdict == storage.AdmitReject {
		c.skips.Store(&skipCache{version: adm.Version, err: err})
	}
	c.emit(EventSkipped, err, st)
	c.counted(callcount.Skipped)
	return err
}

// Run calls fn through the circuit: it returns an *OpenCircuitError without
// calling fn when the circuit skips the call, else fn's error, untouched. A panic
// in fn is recorded as a failure and goes on up the stack.
func (c *Circuit) Run(ctx context.Context, fn func(context.Context) error) error {
	a, err := c.Allow(ctx)
	if err != nil {
		return err
	}
	defer a.RecordPanic()
	err = fn(ctx)
	a.Done(ctx, err)
	return err
}

// Do calls fn through the circuit c and returns its results; see Circuit.Run.
func Do[T any](ctx context.Context, c *Circuit, fn func(context.Context) (T, error)) (T, error) {
	a, err := c.Allow(ctx)
	if err != nil {
		var zero T
		return zero, err
	}
	defer a.RecordPanic()
	v, err := fn(ctx)
	a.Done(ctx, err)
	return v, err
}

// counted tells the call counters of the call's outcome.
func (c *Circuit) counted(o callcount.Outcome) {
	if c.count != nil {
		c.count(o)
	}
}

// emit delivers an event to the listeners that want its type.
func (c *Circuit) emit(t EventType, err error, st Status) {
	if c.ls.wants(t) {
		c.ls.notify(Event{Type: t, Circuit: c.name, Err: err, Status: st, Time: st.CurrentTime})
	}
}

// storageContext returns the context of a storage call made for ctx: the
// caller's cancellation does not reach the storage (an outcome must be recorded
// even after the caller gave up), and the storage gets the breaker's deadline,
// with storage.ErrTimeout as its cause. For an operator call (protected false)
// a deadline of the caller's own is kept instead.
func (c *Circuit) storageContext(ctx context.Context, protected bool) (context.Context, context.CancelFunc) {
	if ctx == nil {
		ctx = context.Background()
	}
	if c.timeout == 0 {
		return ctx, func() {}
	}
	if !protected {
		if _, ok := ctx.Deadline(); ok {
			return ctx, func() {}
		}
	} else {
		ctx = context.WithoutCancel(ctx)
	}
	return context.WithTimeoutCause(ctx, c.timeout, storage.ErrTimeout)
}

// attempt returns the Attempt the decision path grants, with the storage
// time spent since start; a circuit with SlowCall times the call from now.
func (c *Circuit) attempt(start int64, mode attemptMode, openedAt, reservedAt int64) Attempt {
	var began uint32
	if c.slow != 0 {
		began = ticks(c.nowNanos())
	}
	return Attempt{c: c, m: noCopy{mode: mode, spent: c.spentSince(start), start: began}, openedAt: openedAt, reservedAt: reservedAt}
}

// budgetStart returns the instant a protected call's storage budget starts to
// be spent, on the monotonic clock: storage deadlines are real time, whatever
// clock the circuit decides with.
func (c *Circuit) budgetStart() int64 {
	if c.timeout == 0 {
		return 0
	}
	return coarse.MonoNow()
}

// spentSince returns the storage time spent since start, in milliseconds
// rounded up, for Done to know what is left of the call's budget.
func (c *Circuit) spentSince(start int64) uint16 {
	if c.timeout == 0 {
		return 0
	}
	ms := (coarse.MonoNow() - start + int64(time.Millisecond) - 1) / int64(time.Millisecond)
	return uint16(min(ms, int64(maxStorageTimeout/time.Millisecond)))
}

// budgetContext is storageContext for the storage calls Done makes: they get
// what Allow left of the call's budget, so that a protected call spends no
// more than the storage timeout in the storage in all. When nothing is left
// the context is done already, and the storage is not asked: a fault-tolerant
// storage records the outcome in its fallback at once.
func (c *Circuit) budgetContext(ctx context.Context, spent uint16) (context.Context, context.CancelFunc) {
	if c.timeout == 0 || spent == 0 {
		return c.storageContext(ctx, true)
	}
	if ctx == nil {
		ctx = context.Background()
	}
	left := c.timeout - time.Duration(spent)*time.Millisecond
	return context.WithTimeoutCause(context.WithoutCancel(ctx), max(left, 0), storage.ErrTimeout)
}

// nowNanos reads the circuit's clock in Unix nanoseconds: the coarse clock when
// it is the system clock, so the hot path pays an atomic load for it.
func (c *Circuit) nowNanos() int64 {
	if c.coarse {
		return coarse.Nanos()
	}
	return c.slowNanos()
}

// slowNanos reads the injected clock, or the coarse clock when no reader has
// since its last tick.
func (c *Circuit) slowNanos() int64 {
	if c.coarse {
		return coarse.Nanos()
	}
	return c.clock.Now().UnixNano()
}

// unbind gives the storage handle back when the circuit is dropped.
func (c *Circuit) unbind() {
	if u, ok := c.h.(storage.Unbinder); ok {
		u.Unbind()
	}
}
