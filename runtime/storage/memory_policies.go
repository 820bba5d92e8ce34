package storage

import (
	"math"
	"math/bits"
	"time"
)

// coolDown returns the cool-down of the open period of s, in nanoseconds.
func (h *memHandle) coolDown(s *memState) int64 {
	if s.coolDown != 0 {
		return s.coolDown
	}
	return h.cool
}

// backoff returns the cool-down of an open period after level failed
// recoveries, opened at now: CoolDown doubled level times, up to
// CoolDownMax, less a jitter of up to a fifth, so that circuits that failed
// together do not probe together; never below CoolDown. 0 stands for
// CoolDown itself: no CoolDownMax, or no failed recovery.
func (h *memHandle) backoff(level uint8, now int64) int64 {
	limit := int64(h.p.CoolDownMax)
	if limit == 0 || level == 0 {
		return 0
	}
	nominal := limit
	if level < 63 {
		if hi, lo := bits.Mul64(uint64(h.cool), 1<<level); hi == 0 && lo < uint64(limit) {
			nominal = int64(lo)
		}
	}
	// The jitter is a hash of the circuit and the instant: deterministic on a
	// fake clock, and different for two circuits reopened at one instant.
	u := float64(mix(h.c.seed^uint64(now))>>11) / (1 << 53)
	return max(nominal-int64(float64(nominal)*0.2*u), h.cool)
}

// mix is SplitMix64's finalizer: a well-spread 64-bit hash of x.
func mix(x uint64) uint64 {
	x ^= x >> 30
	x *= 0xbf58476d1ce4e5b9
	x ^= x >> 27
	x *= 0x94d049bb133111eb
	return x ^ x>>31
}

// openLocked opens the closed circuit s at n. A circuit that opens during
// its ramp failed to recover: its cool-down backs off as after a failed
// probe. The caller holds c.mu.
func (h *memHandle) openLocked(s *memState, n int64) {
	var level uint8
	if s.closedAt != 0 && n-s.closedAt < int64(h.p.Ramp) {
		level = min(s.level, math.MaxUint8-1) + 1
	}
	h.c.openLocked(n, level, h.backoff(level, n))
}

// reopenLocked gives the open circuit s a new open period at n after a
// failed probe, keeping its reservation, with the cool-down backed off. The
// caller holds c.mu.
func (h *memHandle) reopenLocked(s *memState, n int64) {
	level := min(s.level, math.MaxUint8-1) + 1
	cool := h.backoff(level, n)
	h.c.update(func(s *memState) {
		s.openedAt, s.level, s.coolDown, s.probes, s.passed = n, level, cool, 0, 0
	})
}

// rampFrom returns the start of the ramp of a circuit closed at n: n with a
// Ramp, else 0.
func (h *memHandle) rampFrom(n int64) int64 {
	if h.p.Ramp == 0 {
		return 0
	}
	return n
}

// probePassed applies a probe's success at n to the open circuit s: it
// closes it, unless more probes of the current period must pass first
// (HalfOpenProbes). The caller holds c.mu.
func (h *memHandle) probePassed(s *memState, n int64, current bool) Transition {
	if !current {
		return TransitionNone // a probe of an earlier period: it proves nothing now
	}
	if need := h.p.Probes(); need > 1 {
		if int(s.passed)+1 < need {
			h.c.update(func(s *memState) { s.passed, s.probes = s.passed+1, max(s.probes, 1)-1 })
			return TransitionNone
		}
	}
	h.c.closeLocked(h.rampFrom(n))
	return TransitionClosed
}

// liveProbes returns the reservations of s that still hold: those of its
// open period, until the latest one's CoolDown ends.
func (h *memHandle) liveProbes(s *memState, n int64) int {
	if s.reservedAt == 0 || s.reservedAt < s.openedAt || s.reservedAt+h.cool <= n {
		return 0
	}
	return int(s.probes)
}

// probesFull reports whether the reservation of s keeps every other caller
// from probing: one reservation does, with one probe; with more, only as
// many as HalfOpenProbes (while they last; Admit's caller ends the skip
// when the latest reservation ends).
func (h *memHandle) probesFull(s *memState) bool {
	need := h.p.Probes()
	return need <= 1 || (s.reservedAt >= s.openedAt && int(s.probes) >= need)
}

// reserveOne takes one of the HalfOpenProbes reservations of the open
// period of s at n; the caller holds c.mu.
func (h *memHandle) reserveOne(s *memState, n int64) (at time.Time, ok bool, err error) {
	live := h.liveProbes(s, n)
	if live >= h.p.Probes() {
		return time.Time{}, false, nil
	}
	h.c.update(func(s *memState) { s.reservedAt, s.probes = n, uint16(live+1) })
	return time.Unix(0, n), true, nil
}

// releaseOne gives back one reservation of the open period of s, taken at
// reservedAt; the caller holds c.mu.
func (h *memHandle) releaseOne(s *memState, reservedAt int64) bool {
	if s.state != StateOpen || s.probes == 0 || reservedAt < s.openedAt {
		return false
	}
	h.c.update(func(s *memState) { s.probes-- })
	return true
}
