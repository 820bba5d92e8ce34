package ring

import (
	"math"
	"sync/atomic"
)

// Credits let a failure skip the threshold check, which would read every lane
// of the ring: the lanes other goroutines write, whose cache lines would then
// bounce between cores on every failure.
//
// A check, under the ring's lock, counts the window and learns from the caller
// how many more failures (d), with successes or not, it takes at the least to
// fail the threshold. It hands each lane (d-1)/lanes credits. A failure spends
// one credit of its lane; while every lane's credit stays at zero or above,
// fewer than d failures were counted since the check, so the threshold cannot
// have been failed, and the failure needs no check. A failure that finds its
// lane out of credit, or the credits stale, makes a check.
//
// Credits are stale when the window moved to a new bucket since the check (an
// expired bucket took successes away), when another owner than the checking one
// counts (another policy's thresholds), or when a check or a clear is rewriting
// them. gen is a sequence counter for the last case: odd while credits are being
// rewritten, and changed by every rewrite, so a failure that read gen before a
// rewrite and finds it changed after counting takes the check, whose count
// includes it.
type credits struct {
	gen    atomic.Uint64
	oldest atomic.Int64   // the window's oldest epoch at the last check
	owner  atomic.Uintptr // who checked last: an identity, never dereferenced
}

// Counted is a failure counted by Failure: what Check needs to take it back,
// and whether it was counted within its lane's credit.
type Counted struct {
	l      *counters
	i      int64
	epoch  int64
	gen    uint64
	Credit bool // within credit: the failure cannot have failed the threshold
}

// Failure counts one failure in bucket e for owner (an identity of the policy
// whose thresholds decide, such as a pointer turned into a uintptr), spending
// one credit of its lane.
func (r *Ring) Failure(e int64, owner uintptr) Counted {
	gen := r.gen.Load()
	i := r.slot(e)
	l := r.lane()
	l.failures[i].Add(1)
	left := l.credit.Add(-1)
	ok := left >= 0 && gen&1 == 0 && r.gen.Load() == gen && r.oldest.Load() == e-r.span+1 && r.owner.Load() == owner
	return Counted{l: l, i: i, epoch: e, gen: gen, Credit: ok}
}

// Check decides a failure counted without credit: under the ring's lock it
// counts the window that ends with the failure's bucket and asks judge, which
// reports whether the failure fails the threshold and, when it does not, how
// many more failures it takes at the least (FailuresToTrip). A failure that
// fails it is taken back, and Check reports false; otherwise the lanes get
// credits for the failures to come, and Check reports true.
func (r *Ring) Check(c Counted, owner uintptr, judge func(failures, samples int) (fails bool, more int64)) bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.gen.Add(1)
	failures, samples := r.Counts(c.epoch)
	fails, more := judge(failures, samples)
	if fails {
		if r.epochs[c.i].Load() == c.epoch {
			c.l.failures[c.i].Add(^uint64(0))
		}
		more = 0
	}
	n := int64(1)
	if extra := r.extra.Load(); extra != nil {
		n += int64(len(*extra))
	}
	per := max(more-1, 0) / n
	r.lanes(func(l *counters) { l.credit.Store(per) })
	r.oldest.Store(c.epoch - r.span + 1)
	r.owner.Store(owner)
	r.gen.Add(1)
	return !fails
}

// FailuresToTrip returns a lower bound of the failures that, added to failures
// out of samples, with successes or not, fail a threshold of rate (in (0, 1])
// over at least minSamples: at least 1, or math.MaxInt64 when none can (a rate
// of 1 with a success in the window).
//
// The threshold needs f' >= rate·n' and n' >= minSamples after d more failures
// and any successes (f' = failures+d, n' >= samples+d), so d >= rate·minSamples
// - failures, and d·(1-rate) >= rate·samples - failures. Successes only make the
// second bound larger, never the first smaller. The bound errs low, by one
// failure at least, so float rounding never makes it too high.
func FailuresToTrip(rate float64, minSamples, failures, samples int) int64 {
	if rate >= 1 {
		if samples > failures {
			return math.MaxInt64
		}
		return max(int64(minSamples)-int64(failures), 1)
	}
	bySamples := floorLow(rate*float64(minSamples) - float64(failures))
	byRate := floorLow((rate*float64(samples) - float64(failures)) / (1 - rate))
	return max(bySamples, byRate, 1)
}

// floorLow returns the floor of x less one, within half the int64 range.
func floorLow(x float64) int64 {
	switch {
	case x >= math.MaxInt64/2:
		return math.MaxInt64 / 2
	case x <= math.MinInt64/2:
		return math.MinInt64 / 2
	}
	return int64(math.Floor(x)) - 1
}
