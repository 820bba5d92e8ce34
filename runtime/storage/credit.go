package storage

import (
	"math"
	"sync/atomic"
)

// credits let a failure skip the threshold check, which would read every lane of
// the window: the lanes other goroutines write, whose cache lines would then
// bounce between cores on every failure.
//
// A full check, under the window's mu, counts the window and computes how many
// more failures (d), with no success in between, it takes at the least to fail
// the threshold. It hands each lane (d-1)/lanes credits. A failure spends one
// credit of its lane; while every lane's credit stays at zero or above, fewer
// than d failures were counted since the check, so the threshold cannot have
// been failed, and the failure needs no check. A failure that finds its lane out
// of credit, or the credits stale, makes a full check.
//
// Credits are stale when the window moved to a new bucket since the check (an
// expired bucket took successes away), when another policy than the checking
// one counts (a second binding of the circuit with other thresholds), or when a
// check or a clear is rewriting them. gen is a sequence counter for the last
// case: odd while credits are being rewritten, and changed by every rewrite, so
// a failure that read gen before a rewrite and finds it changed after counting
// takes the full check, whose count includes it.
type credits struct {
	gen    atomic.Uint64
	oldest atomic.Int64              // the window's oldest live epoch at the last check
	owner  atomic.Pointer[memHandle] // the handle whose policy the last check used
}

// valid reports whether credits handed out by the last check still hold for a
// failure counted in bucket epoch by owner, gen having been read before it
// counted.
func (w *window) valid(gen uint64, epoch int64, owner *memHandle) bool {
	return gen&1 == 0 && w.gen.Load() == gen && w.oldest.Load() == epoch-w.span+1 && w.owner.Load() == owner
}

// beginCheck starts a full check; the caller holds mu.
func (w *window) beginCheck() { w.gen.Add(1) }

// endCheck ends a full check at now, handing out credits for d more failures
// for owner's policy (d 0: none); the caller holds mu.
func (w *window) endCheck(now int64, d int64, owner *memHandle) {
	n := int64(1)
	if extra := w.extra.Load(); extra != nil {
		n += int64(len(*extra))
	}
	per := max(d-1, 0) / n
	w.lanes(func(l *counters) { l.credit.Store(per) })
	w.oldest.Store(now>>w.shift - w.span + 1)
	w.owner.Store(owner)
	w.gen.Add(1)
}

// failuresToTrip returns a lower bound of the failures that, added to failures
// out of samples, with successes or not, fail p's threshold: at least 1, or
// math.MaxInt64 when none can (a rate of 1 with a success in the window).
//
// The threshold needs f' >= rate·n' and n' >= SampleThreshold after d more
// failures and any successes (f' = failures+d, n' >= samples+d), so
// d >= rate·SampleThreshold - failures, and d·(1-rate) >= rate·samples -
// failures. Successes only make the second bound larger, never the first
// smaller. The bound errs low, by one failure at least, so float rounding never
// makes it too high.
func failuresToTrip(p Policy, failures, samples int) int64 {
	if p.RateThreshold >= 1 {
		if samples > failures {
			return math.MaxInt64
		}
		return max(int64(p.SampleThreshold)-int64(failures), 1)
	}
	bySamples := floorLow(p.RateThreshold*float64(p.SampleThreshold) - float64(failures))
	byRate := floorLow((p.RateThreshold*float64(samples) - float64(failures)) / (1 - p.RateThreshold))
	return max(bySamples, byRate, 1)
}

// floorLow returns the floor of x less one, within the int64 range.
func floorLow(x float64) int64 {
	switch {
	case x >= math.MaxInt64/2:
		return math.MaxInt64 / 2
	case x <= math.MinInt64/2:
		return math.MinInt64 / 2
	}
	return int64(math.Floor(x)) - 1
}
