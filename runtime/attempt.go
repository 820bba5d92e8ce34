package runtime

import "context"

// attemptMode says what an Attempt's outcome may do to an open circuit.
type attemptMode uint8

const (
	modeNormal     attemptMode = iota // counts in the window only
	modeProbe                         // holds the reservation: closes or reopens
	modeTransition                    // locked closed while open: closes or reopens, reserves nothing
)

// Attempt is a permission to run one call, returned by Circuit.Allow. Give it the
// call's outcome with Done exactly once; Done on a zero Attempt, or a second
// time, does nothing. An Attempt belongs to one goroutine at a time.
type Attempt struct {
	c          *Circuit
	mode       attemptMode
	openedAt   int64 // Unix nanoseconds of OpenedAt when the probe was allowed
	reservedAt int64 // Unix nanoseconds of the probe's reservation
}

// Probe reports whether this attempt is the circuit's half-open probe.
func (a *Attempt) Probe() bool { return a.mode == modeProbe }

// Done records the call's outcome. err is judged against the circuit's options:
// nil or an error listed in Success is a success; an excluded error, or
// context.Canceled while ctx is done (the caller gave up), is not recorded, and a
// probe ending that way releases its reservation; anything else, including a
// deadline the dependency missed, is a failure (unless IsFailure says otherwise).
func (a *Attempt) Done(ctx context.Context, err error) {
	c := a.c
	if c == nil {
		return
	}
	a.c = nil
	if err == nil && c.quick && a.mode == modeNormal {
		if c.mem != nil {
			c.mem.Succeeded(c.nowUnixNano())
		} else {
			c.fast.Succeeded(c.nowUnixNano())
		}
		return
	}
	c.finish(ctx, *a, err, c.judge(ctx, err))
}

// RecordPanic records a failure (ErrPanicked) when Done was never called. Defer
// it right after Allow: when the protected call panics (or calls runtime.Goexit)
// the failure is recorded and the panic goes on, its stack intact. After Done it
// does nothing. It takes no context, so the deferred call costs next to nothing;
// the failure is recorded with context.Background, as the caller's context no
// longer matters once its call has panicked.
func (a *Attempt) RecordPanic() {
	c := a.c
	if c == nil {
		return
	}
	a.c = nil
	c.finish(context.Background(), *a, ErrPanicked, verdictFailure)
}
