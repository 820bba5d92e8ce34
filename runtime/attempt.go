package runtime

import (
	"context"
	"time"

	"github.com/breakergen/breakergen/internal/hotpath/coarse"
	"github.com/breakergen/breakergen/runtime/callcount"
)

// attemptMode says how an Attempt was allowed and what its outcome may do.
type attemptMode uint8

const (
	modeNormal     attemptMode = iota // allowed by the decision path: counts in the window only
	modeHot                           // allowed by the hot path: counts through it when no event needs a status
	modeQuick                         // modeHot, and no listener wants EventSuccess
	modeProbe                         // holds the reservation: closes or reopens
	modeTransition                    // locked closed while open: closes or reopens, reserves nothing
	modeTimed                         // modeQuick of a circuit with SlowCall: Done times the call
)

// noCopy holds an Attempt's mode, the storage time Allow spent of the call's
// budget, and when the call started. Its pointer has Lock and Unlock methods
// so that go vet's copylocks check reports a copied Attempt, which would
// record one call twice. A separate, empty marker field would do the same but
// give Attempt a fifth field, which keeps the compiler from passing it in
// registers and costs the hot path a store-forwarding stall.
type noCopy struct {
	mode attemptMode
	// tracked: the storage's gate tracks the call in flight
	// (storage.AdmitTrack); its end goes to Gate.Ended.
	tracked bool
	spent   uint16 // milliseconds, rounded up; maxStorageTimeout fits
	// start is when the call started, for a circuit with SlowCall: in ticks
	// of the circuit's clock modulo 2³², so that Attempt stays within the 32
	// bytes the compiler passes in registers (a wider field doubled the cost
	// of a closed circuit's call, measured).
	start uint32
}

// tickShift makes a tick 2¹⁵ns, about 33µs: a shift, not a division, makes
// one (a division on each side of a call cost about a nanosecond each,
// measured), 32 bits of them span 39 hours, past the longest SlowCall, and
// calls are timed to within a tick.
const tickShift = 15

// ticks returns the instant now (Unix nanoseconds) in ticks.
func ticks(now int64) uint32 { return uint32(now >> tickShift) }

// slowTicks returns SlowCall in whole ticks: a call is slow when it took
// that many ticks or more, so within a tick of SlowCall.
func slowTicks(d time.Duration) uint32 { return uint32(d >> tickShift) }

// Lock does nothing; it is there for go vet (see noCopy).
func (*noCopy) Lock() {}

// Unlock does nothing; it is there for go vet (see noCopy).
func (*noCopy) Unlock() {}

// hot reports whether the hot path allowed the attempt.
func (m attemptMode) hot() bool { return m == modeHot || m == modeQuick || m == modeTimed }

// Attempt is a permission to run one call, returned by Circuit.Allow. Give it the
// call's outcome with Done exactly once; Done on a zero Attempt, or a second
// time, does nothing. An Attempt belongs to one goroutine at a time and must not
// be copied (go vet reports copies): keep the value Allow returned and call its
// methods.
type Attempt struct {
	c          *Circuit
	m          noCopy
	openedAt   int64 // Unix nanoseconds of OpenedAt when the probe was allowed
	reservedAt int64 // Unix nanoseconds of the probe's reservation
}

// Probe reports whether this attempt is the circuit's half-open probe.
func (a *Attempt) Probe() bool { return a.m.mode == modeProbe }

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
	if err == nil && a.m.mode == modeQuick {
		var now int64 // nowNanos, written out: it is too large to be inlined
		if c.coarse {
			now = coarse.Nanos()
		} else {
			now = c.slowNanos()
		}
		c.hot.Succeeded(now)
		if c.count != nil {
			c.count(callcount.Success)
		}
		return
	}
	if err == nil && a.m.mode == modeTimed && c.timedSuccess(a.m.start) {
		return
	}
	c.record(ctx, a, err, c.judge(ctx, err))
}

// timedSuccess counts the success of a call of a circuit with SlowCall that
// started at start, on the hot path, unless it was slow: it reports whether
// it counted it.
func (c *Circuit) timedSuccess(start uint32) bool {
	var now int64 // nowNanos, written out: it is too large to be inlined
	if c.coarse {
		now = coarse.Nanos()
	} else {
		now = c.slowNanos()
	}
	if ticks(now)-start >= c.slow {
		return false
	}
	c.hot.Succeeded(now)
	c.counted(callcount.Success)
	return true
}

// RecordPanic records a failure when Done was never called. Defer
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
	c.record(context.Background(), a, errPanicked, verdictFailure)
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
