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
	if f.Credit || c.state.Load().state != StateClosed || h.p.Mode == ModeAdaptive {
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
// unlocked circuit the ramp's share, adaptive mode's throttle and the check
// for hung calls, counting the call as started when it may run.
func (h *memHandle) AdmitAt(now int64) Admission {
	c := h.c
	s := c.state.Load()
	if s.state != StateClosed || s.lock != LockNone {
		return h.Admit()
	}
	a := c.aux.Load()
	if s.closedAt != 0 && h.p.Ramp != 0 && !h.ramped(a, s, now) {
		return Admission{Verdict: AdmitReject, Version: s.version}
	}
	e := c.epoch(now)
	switch {
	case h.p.Mode == ModeAdaptive:
		if h.throttled(a, e) {
			a.calls.Other(e)
			return Admission{Verdict: AdmitReject, Version: s.version}
		}
	case h.p.SlowCall == 0:
		return Admission{Verdict: AdmitRun}
	case c.epoch(now-int64(h.p.SlowCall)) != a.cut.Load() && h.checkHung(a, now):
		return h.Admit()
	}
	a.calls.Success(e)
	return Admission{Verdict: AdmitRun}
}

// Abandoned counts the end of a call whose outcome is not recorded.
func (h *memHandle) Abandoned(now int64) {
	if a := h.c.aux.Load(); a != nil {
		a.ends.Other(h.c.epoch(now))
	}
}
