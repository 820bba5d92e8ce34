package runtime

import (
	"context"
	"errors"
	"time"

	"github.com/breakergen/breakergen/runtime/storage"
)

// Circuit protects one dependency. Get one from Breaker.Circuit; it is safe for
// concurrent use and meant to be resolved once and kept, not looked up per call.
type Circuit struct {
	name      string
	opts      Options
	policy    storage.Policy
	storage   storage.Storage
	fast      storage.FastPath       // nil unless the storage offers one
	mem       *storage.MemoryCircuit // fast, when it is memory's: called without dispatch
	quick     bool                   // fast != nil and nobody listens: a success needs no status
	clock     Clock
	coarse    bool
	listeners []Listener
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
// When the storage fails, Allow fails open: the call runs.
func (c *Circuit) Allow(ctx context.Context) (Attempt, error) {
	if c.mem != nil {
		if c.mem.ClosedUnlocked() {
			return Attempt{c: c}, nil
		}
	} else if c.fast != nil && c.fast.ClosedUnlocked() {
		return Attempt{c: c}, nil
	}
	return c.allow(ctx)
}

func (c *Circuit) allow(ctx context.Context) (Attempt, error) {
	now := c.clock.Now()
	s, err := c.storage.Status(ctx, c.name, c.policy, now)
	if err != nil {
		c.storageFailed(err, now)
		return Attempt{c: c}, nil
	}
	st := newStatus(s, c.opts)
	switch {
	case st.LockedOpen():
		return Attempt{}, c.skip(st)
	case st.LockedClosed():
		a := Attempt{c: c}
		if st.HalfOpen() { // as Faulty: a half-open circuit still closes or reopens
			a.mode, a.openedAt = modeTransition, unixNano(st.OpenedAt)
		}
		return a, nil
	case st.Closed():
		return Attempt{c: c}, nil
	case st.Open() || st.Reserved():
		return Attempt{}, c.skip(st)
	}
	// Half-open and not reserved: race for the probe.
	at, ok, err := c.storage.Reserve(ctx, c.name, c.policy, now, st.ReservedAt)
	if err != nil {
		c.storageFailed(err, now)
		return Attempt{c: c}, nil
	}
	if !ok {
		return Attempt{}, c.skip(st)
	}
	return Attempt{c: c, mode: modeProbe, openedAt: unixNano(st.OpenedAt), reservedAt: unixNano(at)}, nil
}

func (c *Circuit) skip(st Status) error {
	err := &OpenCircuitError{Circuit: c.name, Status: st}
	c.emit(EventSkipped, err, st)
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

// Status reads the circuit's status. With a fault-tolerant storage (always, unless
// a custom storage claims to be one and fails) the error is nil and a failed read
// gives a status with Stub set.
func (c *Circuit) Status(ctx context.Context) (Status, error) {
	s, err := c.storage.Status(ctx, c.name, c.policy, c.clock.Now())
	if err != nil {
		return Status{CurrentTime: c.clock.Now(), Options: c.opts, Stub: true}, err
	}
	return newStatus(s, c.opts), nil
}

// LockOpen makes every call skip until Unlock or Reset.
func (c *Circuit) LockOpen(ctx context.Context) error {
	return c.storage.Lock(ctx, c.name, LockOpen)
}

// LockClosed makes every call run until Unlock or Reset, above every other rule;
// outcomes are still recorded and transitions still happen.
func (c *Circuit) LockClosed(ctx context.Context) error {
	return c.storage.Lock(ctx, c.name, LockClosed)
}

// Unlock removes an operator's lock.
func (c *Circuit) Unlock(ctx context.Context) error {
	return c.storage.Unlock(ctx, c.name)
}

// Reset forgets everything of the circuit: state, window, reservation and lock.
func (c *Circuit) Reset(ctx context.Context) error {
	return c.storage.Reset(ctx, c.name)
}

// classification of a finished call's error.
type verdict uint8

const (
	verdictSuccess verdict = iota
	verdictFailure
	verdictIgnore // excluded, or the caller's own cancellation: not recorded
)

func (c *Circuit) judge(ctx context.Context, err error) verdict {
	if err == nil {
		return verdictSuccess
	}
	if errors.Is(err, context.Canceled) && ctx != nil && ctx.Err() != nil {
		return verdictIgnore
	}
	for _, e := range c.opts.Exclude {
		if errors.Is(err, e) {
			return verdictIgnore
		}
	}
	for _, e := range c.opts.Success {
		if errors.Is(err, e) {
			return verdictSuccess
		}
	}
	if c.opts.IsFailure != nil && !c.opts.IsFailure(err) {
		return verdictSuccess
	}
	return verdictFailure
}

// finish records a's outcome; err is the call's error (nil for a success).
func (c *Circuit) finish(ctx context.Context, a Attempt, err error, v verdict) {
	if ctx == nil {
		ctx = context.Background()
	} else if ctx.Err() != nil {
		// The outcome must be recorded even when the caller's context is done.
		ctx = context.WithoutCancel(ctx)
	}
	if v == verdictIgnore {
		if a.mode == modeProbe {
			_, rerr := c.storage.Release(ctx, c.name, c.policy, time.Unix(0, a.reservedAt))
			if rerr != nil {
				c.storageFailed(rerr, c.clock.Now())
			}
		}
		return
	}
	now := c.clock.Now()
	res, serr := c.storage.Record(ctx, c.name, c.policy, now, storage.Outcome{
		Success:  v == verdictSuccess,
		Probe:    a.mode != modeNormal,
		OpenedAt: fromUnixNano(a.openedAt),
	})
	if serr != nil {
		c.storageFailed(serr, now)
		return
	}
	if len(c.listeners) == 0 {
		return
	}
	st := newStatus(res.Status, c.opts)
	if v == verdictSuccess {
		c.emit(EventSuccess, nil, st)
	} else {
		c.emit(EventFailure, err, st)
	}
	switch res.Transition {
	case storage.TransitionOpened:
		c.emit(EventOpened, nil, st)
	case storage.TransitionReopened:
		c.emit(EventReopened, nil, st)
	case storage.TransitionClosed:
		c.emit(EventClosed, nil, st)
	}
}

func (c *Circuit) emit(t EventType, err error, st Status) {
	if len(c.listeners) == 0 {
		return
	}
	notify(c.listeners, Event{Type: t, Circuit: c.name, Err: err, Status: st, Time: st.CurrentTime})
}

// storageFailed reports an error returned by a storage that claimed to be fault
// tolerant; the call goes on as if the circuit were closed.
func (c *Circuit) storageFailed(err error, now time.Time) {
	c.emit(EventStorageFailure, err, Status{CurrentTime: now, Options: c.opts, Stub: true})
}

func (c *Circuit) nowUnixNano() int64 {
	if c.coarse {
		return coarse.unixNano()
	}
	return c.clock.Now().UnixNano()
}

func unixNano(t time.Time) int64 {
	if t.IsZero() {
		return 0
	}
	return t.UnixNano()
}

func fromUnixNano(n int64) time.Time {
	if n == 0 {
		return time.Time{}
	}
	return time.Unix(0, n)
}
