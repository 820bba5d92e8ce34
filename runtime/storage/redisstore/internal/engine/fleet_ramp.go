package engine

import (
	"sync/atomic"

	"github.com/breakergen/breakergen/runtime/storage"
)

// This file holds a fleet circuit's ramp (Policy.Ramp): after a probe closed
// the fleet's circuit, every process admits a share of its calls that grows
// from 0 to all over Ramp from the instant of the close, which the flush
// script kept in Redis and every process learnt with the close (its reply, the
// announcement, a read), so the whole fleet ramps together on the server's
// clock. A strict store does not apply it: it keeps no view to decide from.

var _ storage.Gate = (*fhandle)(nil)

// AdmitAt decides a call as Admit does, and during a ramp rejects the calls
// beyond the ramp's share. The caller's clock reading is not used: the ramp
// is timed on the estimate of the server's clock, as the cool-down is.
func (h *fhandle) AdmitAt(int64) storage.Admission {
	a := h.Admit()
	if h.h.ramp == 0 || a.Verdict != storage.AdmitRun {
		return a
	}
	s := h.c.cache.Load()
	if s.rampFrom == 0 || s.state != storage.StateClosed || s.detached {
		return a
	}
	elapsed := h.c.f.clock.nowUS() - s.rampFrom
	if elapsed >= h.h.ramp || h.c.share.picked(float64(max(elapsed, 0))/float64(h.h.ramp)) {
		return a
	}
	return storage.Admission{Verdict: storage.AdmitReject, Version: s.version}
}

// Ended does nothing: a fleet store tracks no call in flight.
func (h *fhandle) Ended(int64) {}

// Abandoned does nothing: a fleet store counts no requests.
func (h *fhandle) Abandoned(int64) {}

// share picks calls at a share: it adds the share to an accumulator at each
// call and picks the calls that carry its whole part over an integer, so the
// calls picked follow the share to within one, whatever the order of calls
// and goroutines. It is safe for concurrent use.
type share struct{ acc atomic.Uint64 }

// picked reports whether this call is one of the share f, in [0, 1], of calls.
func (s *share) picked(f float64) bool {
	step := uint64(f * (1 << 32))
	after := s.acc.Add(step)
	return after>>32 != (after-step)>>32
}
