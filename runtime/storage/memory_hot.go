package storage

import (
	"math"
	"unsafe"

	"github.com/breakergen/breakergen/internal/hotpath/ring"
)

// Admit decides from the published state alone: one atomic load.
func (h *memHandle) Admit() Admission {
	s := h.c.state.Load()
	if s.state == StateClosed && s.lock == LockNone {
		return Admission{Verdict: AdmitRun}
	}
	switch {
	case s.lock == LockOpen:
		return Admission{Verdict: AdmitSkip, Until: math.MaxInt64, Version: s.version}
	case s.lock == LockClosed || s.state != StateOpen:
		return Admission{Verdict: AdmitAsk}
	}
	until := s.openedAt + h.coolDown(s)
	if s.reservedAt != 0 && h.probesFull(s) {
		until = max(until, s.reservedAt+h.cool)
	}
	return Admission{Verdict: AdmitSkip, Until: until, Version: s.version}
}

// Succeeded counts a success in the goroutine's lane.
func (h *memHandle) Succeeded(now int64) { h.c.win.Success(h.c.epoch(now)) }

// Failed counts a failure unless it fails the threshold of a closed circuit.
// Within its lane's credit it reads nothing other goroutines write. In
// adaptive mode no failure opens the circuit, so every one is counted here.
func (h *memHandle) Failed(now int64) bool {
	c := h.c
	id := uintptr(unsafe.Pointer(h))
	f := c.win.Failure(c.epoch(now), id)
	if h.p.Mode == ModeAdaptive {
		c.aux.Load().pEpoch.Store(stale)
		return true
	}
	if f.Credit || c.state.Load().state != StateClosed {
		return true
	}
	return c.win.Check(f, id, func(failures, samples int) (bool, int64) {
		if h.p.FailsThreshold(failures, samples) {
			return true, 0
		}
		return false, ring.FailuresToTrip(h.p.RateThreshold, h.p.SampleThreshold, failures, samples)
	})
}

// AdmitAt decides a call that starts at now: Admit, then for a closed,
// unlocked circuit the ramp's share, adaptive mode's throttle, and the
// tracking of one call a millisecond in flight, with the check for hung
// calls.
func (h *memHandle) AdmitAt(now int64) Admission {
	c := h.c
	s := c.state.Load()
	if s.state != StateClosed || s.lock != LockNone {
		return h.Admit()
	}
	if s.closedAt != 0 && h.p.Ramp != 0 && !h.ramped(s, now) {
		return Admission{Verdict: AdmitReject, Version: s.version}
	}
	switch {
	case h.p.SlowCall != 0:
		return h.track(c.aux.Load(), now)
	case h.p.Mode == ModeAdaptive:
		a, e := c.aux.Load(), c.epoch(now)
		if h.throttled(a, e) {
			a.calls.Other(e)
			return Admission{Verdict: AdmitReject, Version: s.version}
		}
		a.calls.Success(e)
	}
	return Admission{Verdict: AdmitRun}
}

// track lets a call that starts at now run, tracking it in flight when it is
// the first of its millisecond; a tracked call first checks for hung calls.
func (h *memHandle) track(a *memAux, now int64) Admission {
	ms, last := now>>20, a.tracked.Load() // a shift: 2²⁰ns, about a millisecond
	if ms == last || !a.tracked.CompareAndSwap(last, ms) {
		return Admission{Verdict: AdmitRun}
	}
	if h.c.epoch(now-int64(h.p.SlowCall)) != a.cut.Load() && h.checkHung(a, now) {
		return Admission{Verdict: AdmitOpened}
	}
	a.flight.Success(h.c.epoch(now))
	return Admission{Verdict: AdmitTrack}
}

// Ended counts the end of a tracked call.
func (h *memHandle) Ended(now int64) {
	if a := h.c.aux.Load(); a != nil {
		a.flight.Other(h.c.epoch(now))
	}
}

// Abandoned counts the end of a call whose outcome is not recorded.
func (h *memHandle) Abandoned(now int64) {
	if a := h.c.aux.Load(); a != nil {
		a.ends.Other(h.c.epoch(now))
	}
}
