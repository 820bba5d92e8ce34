package storage

import "math"

// ramped reports whether a call at now may run during the ramp of the closed
// circuit s: the share admitted grows linearly from 0 at ClosedAt to all at
// ClosedAt + Ramp. The first call after the ramp ends it, which also resets
// the backoff: the circuit has recovered.
func (h *memHandle) ramped(s *memState, now int64) bool {
	elapsed := now - s.closedAt
	if elapsed >= int64(h.p.Ramp) {
		h.endRamp(s)
		return true
	}
	return h.c.dither.dithered(float64(max(elapsed, 0)) / float64(h.p.Ramp))
}

// endRamp clears the ramp of s, if s is still the circuit's state.
func (h *memHandle) endRamp(s *memState) {
	c := h.c
	c.mu.Lock()
	if c.state.Load() == s {
		c.update(func(s *memState) { s.closedAt, s.level = 0, 0 })
	}
	c.mu.Unlock()
}

// dithered reports whether this call is one of the share of calls picked:
// the accumulated share's whole part grows by one for each picked call, so
// the calls picked follow the share to within one call, whatever the order.
func (d *dither) dithered(share float64) bool {
	step := uint64(share * (1 << 32))
	after := d.acc.Add(step)
	return after>>32 != (after-step)>>32
}

// stale marks adaptive mode's rejection probability for computing again at
// the next call: a failure changed it.
const stale = -1

// throttled reports whether adaptive mode rejects a call in bucket e, with
// the probability computed again in each new bucket and after each failure
// (see Failed and Record): so a quiet circuit reads the window once a bucket,
// and an outage raises the probability from its first failure on.
func (h *memHandle) throttled(a *memAux, e int64) bool {
	p := math.Float64frombits(a.p.Load())
	if last := a.pEpoch.Load(); last != e && a.pEpoch.CompareAndSwap(last, e) {
		p = h.rejection(a, e)
		a.p.Store(math.Float64bits(p))
	}
	return p > 0 && a.dither.dithered(p)
}

// rejection returns Google SRE's client-side throttling probability over the
// window that ends with bucket e: max(0, (requests − K·accepts) /
// (requests + 1)), requests counting every call asked for (run or rejected)
// and accepts every success.
func (h *memHandle) rejection(a *memAux, e int64) float64 {
	_, calls := a.calls.Counts(e)
	abandoned, _ := a.ends.Counts(e)
	failures, samples := h.c.win.Counts(e)
	requests := float64(max(calls-abandoned, 0))
	accepts := float64(samples - failures)
	return max(0, (requests-h.p.K*accepts)/(requests+1))
}

// hung returns how many tracked calls started before now − SlowCall are
// provably still in flight, and whether they show that the dependency hangs:
// SlowRate of the tracked calls started in some span of buckets that ends
// before the bucket now − SlowCall falls in are still in flight, with
// SampleThreshold of them started.
//
// A span from bucket k holds at least its tracked starts less every tracked
// call that ended since bucket k in flight: each call that ended either
// started in the span or did not, so the difference never exceeds the calls
// still running; when a dependency hangs, nothing ends, and it counts them
// all. hung is the largest of these lower bounds, over the spans from each
// bucket of the window; the shortest span that hangs tells a hang within
// SlowCall and a bucket of its start, however healthy the window was.
func (h *memHandle) hung(a *memAux, now int64) (hung int, hangs bool) {
	c := h.c
	e, cut := c.epoch(now), c.epoch(now-int64(h.p.SlowCall))
	ended, _ := a.flight.Between(cut, e)
	started := 0
	for k := cut - 1; k > e-c.win.Span(); k-- {
		endedIn, eventsIn := a.flight.Between(k, k)
		started += eventsIn - endedIn
		ended += endedIn
		inFlight := max(started-ended, 0)
		hung = max(hung, inFlight)
		hangs = hangs || h.p.SlowFails(0, inFlight, started-inFlight)
	}
	return hung, hangs
}

// slowFails reports whether slow calls make the closed circuit fail the
// slow threshold at now, samples being the window's outcomes: the slow
// outcomes and hung calls make up SlowRate of the window (with
// SampleThreshold, see Policy.SlowFails), or the dependency hangs (see hung).
func (h *memHandle) slowFails(now int64, samples int) bool {
	a := h.c.aux.Load()
	if a == nil || h.p.SlowCall == 0 {
		return false
	}
	abandoned, ends := a.ends.Counts(h.c.epoch(now))
	hung, hangs := h.hung(a, now)
	return hangs || h.p.SlowFails(ends-abandoned, hung, samples)
}

// checkHung checks, once per bucket, whether calls hung past SlowCall make
// the closed circuit fail the slow threshold at now, and opens it if so. It
// reports whether it opened the circuit.
func (h *memHandle) checkHung(a *memAux, now int64) bool {
	c := h.c
	cut, last := c.epoch(now-int64(h.p.SlowCall)), a.cut.Load()
	if last == cut || !a.cut.CompareAndSwap(last, cut) {
		return false
	}
	if hung, _ := h.hung(a, now); hung == 0 {
		return false
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	s := c.state.Load()
	_, samples := c.win.Counts(c.epoch(now))
	if s.state != StateClosed || s.lock != LockNone || !h.slowFails(now, samples) {
		return false
	}
	h.openLocked(s, now)
	return true
}
