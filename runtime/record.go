package runtime

import (
	"context"
	"errors"
	"io"

	"github.com/breakergen/breakergen/runtime/callcount"
	"github.com/breakergen/breakergen/runtime/storage"
)

// verdict is the classification of a finished call's error.
type verdict uint8

const (
	verdictSuccess verdict = iota
	verdictFailure
	verdictIgnore // excluded, or the caller's own cancellation: not recorded
)

// ErrNotRecorded is the error a judge returns, wrapped, to say that a call is
// neither a failure nor a success of the dependency: Done records nothing, as
// for an excluded error, and a probe ending so releases its reservation. A
// judge= function of a generated decorator returns it, for instance, for a
// gRPC NotFound, an answer that should not count either way:
//
//	return fmt.Errorf("%w: %w", runtime.ErrNotRecorded, err)
var ErrNotRecorded = errors.New("breakergen: not recorded")

// judge classifies a finished call's error. io.EOF itself (not wrapped: io's
// contract says a graceful end of input is io.EOF, unwrapped) is never a
// failure: it is how a stream says it ended, whatever the interface, so it is
// not recorded. A wrapped io.EOF is a protocol that ran out of input, judged
// as any error. Generated RoundTrip methods record a bare io.EOF, a server
// that hung up, as a failure (see breakerimpl.RoundTripOutcome).
func (c *Circuit) judge(ctx context.Context, err error) verdict {
	if err == nil {
		return verdictSuccess
	}
	if err == io.EOF || errors.Is(err, ErrNotRecorded) {
		return verdictIgnore
	}
	if errors.Is(err, context.Canceled) && ctx != nil && ctx.Err() != nil {
		return verdictIgnore
	}
	for _, e := range c.opts.Exclude {
		if matches(err, e) {
			return verdictIgnore
		}
	}
	for _, e := range c.opts.Success {
		if matches(err, e) {
			return verdictSuccess
		}
	}
	if c.opts.IsFailure != nil {
		return c.isFailure(err)
	}
	return verdictFailure
}

// isFailure asks the IsFailure option, containing its panic: a call it cannot
// judge is not recorded (and a probe releases its reservation).
func (c *Circuit) isFailure(err error) (v verdict) {
	defer func() {
		if recover() != nil {
			v = verdictIgnore
		}
	}()
	if c.opts.IsFailure(err) {
		return verdictFailure
	}
	return verdictSuccess
}

// record records a's outcome; err is the call's error (nil for a success) and v
// its verdict.
//
// A slow call (SlowCall) is recorded through the decision path, which may
// open the circuit on it, and counted as callcount.Slow after its outcome.
func (c *Circuit) record(ctx context.Context, a *Attempt, err error, v verdict) {
	slow := c.slow != 0 && v != verdictIgnore && ticks(c.nowNanos())-a.m.start >= c.slow
	if a.m.tracked {
		c.gate.Ended(c.nowNanos())
	}
	switch v {
	case verdictIgnore:
		c.counted(callcount.Excluded)
		if a.m.mode.hot() && c.gate != nil {
			c.gate.Abandoned(c.nowNanos())
		}
		if a.m.mode == modeProbe {
			c.release(ctx, a.reservedAt, a.m.spent)
		}
		return
	case verdictSuccess:
		c.counted(callcount.Success)
		if a.m.mode.hot() && !slow && !c.ls.wants(EventSuccess) {
			c.hot.Succeeded(c.nowNanos())
			return
		}
	default:
		c.counted(callcount.Failure)
		if a.m.mode.hot() && !slow && !c.ls.wants(EventFailure) && c.hot.Failed(c.nowNanos()) {
			return
		}
	}
	if slow {
		c.counted(callcount.Slow)
	}
	sctx, cancel := c.budgetContext(ctx, a.m.spent)
	defer cancel()
	now := c.clock.Now()
	res, serr := c.h.Record(sctx, now, storage.Outcome{
		Success:  v == verdictSuccess,
		Probe:    a.m.mode == modeProbe || a.m.mode == modeTransition,
		OpenedAt: fromUnixNano(a.openedAt),
		Slow:     slow,
	})
	if serr != nil {
		c.storageFailed(serr, now)
		return
	}
	c.emitRecorded(res, v, err, slow)
}

// release gives back a probe's reservation.
func (c *Circuit) release(ctx context.Context, reservedAt int64, spent uint16) {
	sctx, cancel := c.budgetContext(ctx, spent)
	defer cancel()
	now := c.clock.Now()
	if _, err := c.h.Release(sctx, now, fromUnixNano(reservedAt)); err != nil {
		c.storageFailed(err, now)
	}
}

// emitRecorded emits the events of a recorded outcome: success or failure, then
// the transition it caused.
func (c *Circuit) emitRecorded(res storage.Result, v verdict, err error, slow bool) {
	outcome := EventSuccess
	if v == verdictFailure {
		outcome = EventFailure
	}
	transition := transitionEvent(res.Transition)
	if !c.ls.wants(outcome) && (transition == 0 || !c.ls.wants(transition)) {
		return
	}
	st := newStatus(res.Status, c.opts)
	if outcome == EventSuccess {
		err = nil
	}
	if c.ls.wants(outcome) {
		c.ls.notify(Event{Type: outcome, Circuit: c.name, Err: err, Status: st, Time: st.CurrentTime, Slow: slow})
	}
	if transition != 0 {
		c.emit(transition, err, st) // the failure that opened or reopened it
	}
}

// transitionEvent returns the event of a storage transition, 0 for none.
func transitionEvent(t storage.Transition) EventType {
	switch t {
	case storage.TransitionOpened:
		return EventOpened
	case storage.TransitionReopened:
		return EventReopened
	case storage.TransitionClosed:
		return EventClosed
	case storage.TransitionLocked, storage.TransitionUnlocked:
		return EventLockChanged
	}
	return 0
}

// transitioned emits the event of a transition the storage made off any call,
// or learnt from another process (res.Remote).
func (c *Circuit) transitioned(res storage.Result) {
	t := transitionEvent(res.Transition)
	if t == 0 || !c.ls.wants(t) {
		return
	}
	st := newStatus(res.Status, c.opts)
	if res.Transition == storage.TransitionUnlocked {
		st.Lock = LockNone // the lock this event set, whatever a later read says
	}
	c.ls.notify(Event{Type: t, Circuit: c.name, Status: st, Time: st.CurrentTime, Remote: res.Remote})
}
