package ring

import (
	"math"
	"sync"
	"testing"
	"unsafe"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// e0 is an epoch far from zero, as real ones are.
const e0 = int64(1) << 33

func newRing(span int64) *Ring {
	r := &Ring{}
	r.Init(span, ExtraLanes())
	return r
}

// laneCounts returns the successes each lane counted in the slot of epoch e.
func laneCounts(r *Ring, e int64) []uint64 {
	var out []uint64
	i := e & (Size - 1)
	r.lanes(func(l *counters) { out = append(out, l.successes[i].Load()) })
	return out
}

// TestGoroutinesCountInTheirOwnLanes starts goroutines that count at the same
// time: each must own a lane of its own, so no two cores write one cache line.
func TestGoroutinesCountInTheirOwnLanes(t *testing.T) {
	for _, n := range []int{2, 1 + ExtraLanes()} {
		r := newRing(Size)
		var started, done sync.WaitGroup
		started.Add(n)
		for range n {
			done.Go(func() {
				started.Done()
				started.Wait() // every goroutine is alive before any counts
				for range 1000 {
					r.Success(e0)
				}
			})
		}
		done.Wait()
		used := 0
		for l, c := range laneCounts(r, e0) {
			if c != 0 {
				used++
				assert.Equal(t, uint64(1000), c, "%d goroutines: lane %d counted another goroutine's outcomes", n, l)
			}
		}
		assert.Equal(t, n, used, "%d goroutines: lanes used", n)
		_, samples := r.Counts(e0)
		assert.Equal(t, n*1000, samples, "%d goroutines: samples", n)
	}
}

// TestOneLaneAtRest checks that a ring counted by one goroutine at a time never
// grows.
func TestOneLaneAtRest(t *testing.T) {
	r := newRing(8)
	for range 1000 {
		r.Success(e0)
	}
	r.Failure(e0, 0)
	assert.Nil(t, r.extra.Load(), "one goroutine grew the lanes")
}

func TestWindowAndHistory(t *testing.T) {
	r := newRing(4)
	r.Success(e0)
	r.Failure(e0+1, 0)
	r.Failure(e0+3, 0)
	r.Success(e0 + 3)
	f, n := r.Counts(e0 + 3)
	assert.Equal(t, [2]int{2, 4}, [2]int{f, n}, "the four buckets ending at e0+3")
	f, n = r.Counts(e0 + 4)
	assert.Equal(t, [2]int{2, 3}, [2]int{f, n}, "e0 fell out")
	assert.Equal(t, []Bucket{{e0 + 1, 0, 1}, {e0 + 3, 1, 1}}, r.History(e0+4))
	assert.Equal(t, e0+3, r.Latest())
	r.Clear()
	f, n = r.Counts(e0 + 3)
	assert.Equal(t, [2]int{0, 0}, [2]int{f, n}, "after Clear")
	assert.Equal(t, int64(-1), r.Latest())
}

// TestTake checks that taken counts leave the ring, and that counts added while
// goroutines take are taken once.
func TestTake(t *testing.T) {
	r := newRing(4)
	r.Success(e0)
	r.Failure(e0+2, 0)
	assert.Equal(t, []Bucket{{e0, 1, 0}, {e0 + 2, 0, 1}}, r.Take(e0+3))
	assert.Empty(t, r.Take(e0+3), "a second Take")
	var wg sync.WaitGroup
	var mu sync.Mutex
	taken := 0
	for range 2 {
		wg.Go(func() {
			for range 5000 {
				r.Success(e0 + 3)
			}
		})
	}
	wg.Go(func() {
		for range 100 {
			for _, b := range r.Take(e0 + 3) {
				mu.Lock()
				taken += b.Successes
				mu.Unlock()
			}
		}
	})
	wg.Wait()
	for _, b := range r.Take(e0 + 3) {
		taken += b.Successes
	}
	assert.Equal(t, 10000, taken, "successes taken")
}

// TestCountsDoNotOverflow puts more than 2³² successes in one lane and bucket: a
// single failure must not look like a failure rate of 1.
func TestCountsDoNotOverflow(t *testing.T) {
	r := newRing(Size)
	r.Success(e0)
	r.first.successes[e0&(Size-1)].Store(1<<32 + 5)
	r.Failure(e0, 0)
	failures, samples := r.Counts(e0)
	require.Equal(t, 1, failures)
	assert.Equal(t, 1<<32+6, samples)
}

// TestCheckTakesBackAfterNewEpoch refuses a failure whose bucket moved to a new
// epoch in between: the move cleared it, so nothing may be taken from the new
// epoch.
func TestCheckTakesBackAfterNewEpoch(t *testing.T) {
	r := newRing(4)
	refuse := func(int, int) (bool, int64) { return true, 0 }
	c := r.Failure(e0, 0)
	later := e0 + Size // the same slot, a ring later
	r.Failure(later, 0)
	assert.False(t, r.Check(c, 0, refuse))
	f, n := r.Counts(later)
	assert.Equal(t, [2]int{1, 1}, [2]int{f, n}, "[failures samples] after refusing a failure of a cleared bucket")
	assert.False(t, r.Check(r.Failure(later, 0), 0, refuse))
	f, _ = r.Counts(later)
	assert.Equal(t, 1, f, "failures after refusing one in the same epoch")
}

// TestCredits checks that a check hands out credits, that failures within them
// need no check, and that a new bucket, another owner or a Clear spends them.
func TestCredits(t *testing.T) {
	r := newRing(4)
	accept := func(int, int) (bool, int64) { return false, 11 }
	c := r.Failure(e0, 1)
	require.False(t, c.Credit, "no credit before a check")
	require.True(t, r.Check(c, 1, accept))
	for i := range 10 {
		assert.True(t, r.Failure(e0, 1).Credit, "failure %d within credit", i)
	}
	assert.False(t, r.Failure(e0, 1).Credit, "failure past the credit")
	r.Check(r.Failure(e0, 1), 1, accept)
	assert.False(t, r.Failure(e0+1, 1).Credit, "a new bucket")
	r.Check(r.Failure(e0+1, 1), 1, accept)
	assert.False(t, r.Failure(e0+1, 2).Credit, "another owner")
	r.Check(r.Failure(e0+1, 1), 1, accept)
	r.Clear()
	assert.False(t, r.Failure(e0+1, 1).Credit, "after Clear")
}

func TestFailuresToTrip(t *testing.T) {
	fails := func(rate float64, minSamples, f, n int) bool {
		return n > 0 && n >= minSamples && float64(f)/float64(n) >= rate
	}
	for _, tc := range []struct{ failures, samples int }{
		{0, 0}, {1, 1}, {1, 2}, {0, 10}, {3, 10}, {4, 10}, {10, 30}, {0, 1000}, {499, 1000},
	} {
		d := FailuresToTrip(0.5, 3, tc.failures, tc.samples)
		require.GreaterOrEqual(t, d, int64(1))
		for k := range d {
			for extra := range 20 { // any successes besides
				// d errs low: fewer than d more failures never trip.
				assert.False(t, fails(0.5, 3, tc.failures+int(k), tc.samples+int(k)+extra),
					"%d failures of %d: %d more failures and %d successes trip, but d = %d", tc.failures, tc.samples, k, extra, d)
			}
		}
	}
	assert.Equal(t, int64(math.MaxInt64), FailuresToTrip(1, 3, 2, 3), "a rate of 1 with a success in the window")
	assert.Equal(t, int64(1), FailuresToTrip(1, 3, 2, 2), "a rate of 1 one failure short")
}

// TestLanesOfIdleGoroutinesAreReclaimed fills every lane with goroutines that
// counted once and then stopped counting, as a server's finished requests do:
// a goroutine that counts after them must soon own a lane of its own rather
// than share one for as long as the bucket lasts.
func TestLanesOfIdleGoroutinesAreReclaimed(t *testing.T) {
	r := newRing(Size)
	r.Success(e0) // this goroutine owns the first lane
	release := make(chan struct{})
	var counted, idle sync.WaitGroup
	for range ExtraLanes() + 2 {
		counted.Add(1)
		idle.Go(func() {
			r.Success(e0)
			counted.Done()
			<-release // alive, holding its lane, counting no more
		})
	}
	counted.Wait()
	defer func() { close(release); idle.Wait() }()

	owned := make(chan bool)
	go func() {
		for range 2 * reclaimAfter {
			r.Success(e0)
		}
		var marker byte
		slot := uintptr(unsafe.Pointer(&marker)) >> 11
		mine := r.firstOwner.Load() == slot
		for i := range *r.extra.Load() {
			mine = mine || (*r.extra.Load())[i].owner.Load() == slot
		}
		owned <- mine
	}()
	assert.True(t, <-owned, "a counting goroutine still shares a lane after %d calls", 2*reclaimAfter)
	_, samples := r.Counts(e0)
	assert.Equal(t, 1+ExtraLanes()+2+2*reclaimAfter, samples, "an outcome was lost or counted twice")
}
