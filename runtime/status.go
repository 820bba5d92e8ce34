package runtime

import (
	"math"
	"time"

	"github.com/breakergen/breakergen/runtime/storage"
)

// State is a circuit's stored state: closed or open. Half-open is derived.
type State = storage.State

// The stored states.
const (
	StateClosed = storage.StateClosed
	StateOpen   = storage.StateOpen
)

// Lock is an operator's override of a circuit.
type Lock = storage.Lock

// The locks.
const (
	LockNone   = storage.LockNone
	LockOpen   = storage.LockOpen
	LockClosed = storage.LockClosed
)

// Status is a circuit's state at one instant, CurrentTime, which every predicate
// reasons about. It is a value; it does not change after it was read.
type Status struct {
	State       State     // StateClosed or StateOpen (half-open is derived)
	Lock        Lock      // LockNone, LockOpen or LockClosed
	OpenedAt    time.Time // zero when never opened
	ReservedAt  time.Time // zero when no probe is reserved
	FailureRate float64   // failures / samples within the window; 0 with no samples
	SampleSize  int       // outcomes within the window
	CurrentTime time.Time // the instant of the snapshot, by the storage's clock
	Options     Options   // the circuit's resolved options
	Stub        bool      // storage failed; this is the fail-open stand-in
	// Scope says which verdict holds: storage.ScopeFleet (the zero value),
	// the storage's state, shared by every process of a fleet on Redis and
	// the only state of in-memory storage; or storage.ScopeProcess, this
	// process's own, for its calls only. A circuit of a fleet is open in this
	// process only (a local opening) when the process's own recent outcomes
	// fail the circuit's thresholds while the fleet's circuit is closed, as
	// when its own network or DNS is broken; and a process cut off from the
	// fleet's storage decides from its own outcomes until it is back. State,
	// OpenedAt, ReservedAt and the counts are that verdict's.
	Scope storage.Scope

	// CoolDown is the cool-down of the current open period: Options.CoolDown,
	// or longer after failed probes backed it off (Options.CoolDownMax).
	// Zero in a Status made by hand stands for Options.CoolDown.
	CoolDown time.Duration
	// ClosedAt is when probes last closed the circuit, while its ramp
	// (Options.Ramp) may run; zero otherwise. See RampShare.
	ClosedAt time.Time
	// Probes is, with Options.HalfOpenProbes above 1, how many probes of the
	// open period hold a reservation; Passed how many have succeeded.
	Probes int
	Passed int
	// SlowCalls is how many outcomes of the window took Options.SlowCall or
	// longer (they are also in SampleSize); Hung how many calls are in
	// flight past SlowCall, which count as slow too (see SlowRate).
	SlowCalls int
	Hung      int
	// Requests is, in ModeAdaptive, how many calls were asked for within the
	// window, run or rejected; Rejected how many of them were rejected. See
	// RejectionRate.
	Requests int
	Rejected int
}

func newStatus(s storage.Status, o Options) Status {
	st := Status{
		State:       s.State,
		Lock:        s.Lock,
		OpenedAt:    s.OpenedAt,
		ReservedAt:  s.ReservedAt,
		SampleSize:  s.Samples,
		CurrentTime: s.CurrentTime,
		Options:     o,
		Stub:        s.Stub,
		Scope:       s.Scope,
		CoolDown:    s.CoolDown,
		ClosedAt:    s.ClosedAt,
		Probes:      s.Probes,
		Passed:      s.Passed,
		SlowCalls:   s.Slow,
		Hung:        s.Hung,
		Requests:    s.Requests,
		Rejected:    s.Rejected,
	}
	if s.Samples > 0 {
		st.FailureRate = float64(s.Failures) / float64(s.Samples)
	}
	if st.CoolDown == 0 {
		st.CoolDown = o.CoolDown
	}
	return st
}

// coolDown returns the open period's cool-down: CoolDown, or
// Options.CoolDown when it is not set.
func (s Status) coolDown() time.Duration {
	if s.CoolDown != 0 {
		return s.CoolDown
	}
	return s.Options.CoolDown
}

// Closed reports that the circuit is stored closed.
func (s Status) Closed() bool { return s.State == StateClosed }

// Open reports that the circuit is open and still cooling down.
func (s Status) Open() bool {
	return s.State == StateOpen && s.OpenedAt.Add(s.coolDown()).After(s.CurrentTime)
}

// HalfOpen reports that the circuit is open and its cool-down has elapsed, so a
// probe may run.
func (s Status) HalfOpen() bool {
	return s.State == StateOpen && !s.OpenedAt.Add(s.coolDown()).After(s.CurrentTime)
}

// Reserved reports that probes hold the circuit, so no other call may probe:
// ReservedAt is set, the circuit is open, and the reservation has not
// outlived Options.CoolDown; with HalfOpenProbes above 1, as many probes of
// the open period as that hold one.
func (s Status) Reserved() bool {
	live := !s.ReservedAt.IsZero() && s.State == StateOpen &&
		s.ReservedAt.Add(s.Options.CoolDown).After(s.CurrentTime)
	if n := s.Options.HalfOpenProbes; n > 1 {
		return live && !s.ReservedAt.Before(s.OpenedAt) && s.Probes >= n
	}
	return live
}

// LockedOpen reports that an operator locked the circuit open.
func (s Status) LockedOpen() bool { return s.Lock == LockOpen }

// LockedClosed reports that an operator locked the circuit closed.
func (s Status) LockedClosed() bool { return s.Lock == LockClosed }

// CanRun reports whether a call may run: never when locked open, always when
// locked closed, never while another probe is reserved, else when closed or
// half-open.
func (s Status) CanRun() bool {
	switch {
	case s.LockedOpen():
		return false
	case s.LockedClosed():
		return true
	case s.Reserved():
		return false
	}
	return s.Closed() || s.HalfOpen()
}

// FailsThreshold reports whether the window holds enough samples and a high
// enough failure rate to open the circuit.
func (s Status) FailsThreshold() bool {
	return s.SampleSize > 0 && s.SampleSize >= s.Options.SampleThreshold &&
		s.FailureRate >= s.Options.RateThreshold
}

// NextProbe returns when a probe may run: the end of the cool-down of an open
// circuit, or of the reservation of a probe in flight, whichever is later. It
// is the zero time for a closed circuit, and for one locked in either state,
// whose probes an operator's lock decides.
func (s Status) NextProbe() time.Time {
	if s.State != StateOpen || s.Lock != LockNone {
		return time.Time{}
	}
	next := s.OpenedAt.Add(s.coolDown())
	if s.Reserved() {
		if r := s.ReservedAt.Add(s.Options.CoolDown); r.After(next) {
			next = r
		}
	}
	return next
}

// retryAfter is RetryAfter of an error carrying s, at now.
func (s Status) retryAfter(now time.Time) time.Duration {
	if s.Lock == LockOpen {
		return s.Options.CoolDown
	}
	next := s.NextProbe()
	if next.IsZero() || !next.After(now) {
		return 0
	}
	return next.Sub(now)
}

// Ramping reports that the circuit is closed and ramping up after its probes
// closed it (Options.Ramp): it admits only RampShare of its calls.
func (s Status) Ramping() bool {
	return s.State == StateClosed && s.Options.Ramp > 0 && !s.ClosedAt.IsZero() &&
		s.CurrentTime.Before(s.ClosedAt.Add(s.Options.Ramp))
}

// RampShare returns the share of calls, in [0, 1], the circuit admits at
// CurrentTime: it grows linearly from 0 when probes closed it to 1 at the end
// of Options.Ramp, and is 1 when no ramp runs. It also tells how far the
// ramp has come.
func (s Status) RampShare() float64 {
	if !s.Ramping() {
		return 1
	}
	return max(0, float64(s.CurrentTime.Sub(s.ClosedAt))/float64(s.Options.Ramp))
}

// SlowRate returns the share of the window's outcomes that were slow, hung
// calls counted as slow outcomes: what Options.SlowRate is compared with.
// It is 0 with no outcome and no hung call.
func (s Status) SlowRate() float64 {
	n := s.SampleSize + s.Hung
	if n == 0 {
		return 0
	}
	return float64(s.SlowCalls+s.Hung) / float64(n)
}

// RejectionRate returns, in ModeAdaptive, the probability with which the
// circuit rejects a call: max(0, (Requests − K·accepts) / (Requests + 1)),
// accepts being the window's successes. It is 0 in classic mode.
func (s Status) RejectionRate() float64 {
	if s.Options.Mode != ModeAdaptive {
		return 0
	}
	accepts := math.Round(float64(s.SampleSize) * (1 - s.FailureRate))
	requests := float64(s.Requests)
	return max(0, (requests-s.Options.K*accepts)/(requests+1))
}
