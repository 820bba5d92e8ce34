package storage

import (
	"context"
	"math"
	"sync"
	"testing"
	"time"
	"unsafe"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

var windowT0 = time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC).UnixNano()

func newWindow(win time.Duration) *window {
	w := &window{}
	w.init(win, extraLanes())
	return w
}

// laneCounts returns the successes each lane counted in bucket i, in lane order.
func laneCounts(w *window, i int64) []uint64 {
	var out []uint64
	w.lanes(func(l *counters) { out = append(out, l.successes[i].Load()) })
	return out
}

// TestGoroutinesCountInTheirOwnLanes starts goroutines that count at the same
// time: each must own a lane of its own, so no two cores write one cache line.
func TestGoroutinesCountInTheirOwnLanes(t *testing.T) {
	for _, n := range []int{2, 1 + extraLanes()} {
		w := newWindow(time.Hour)
		var started, done sync.WaitGroup
		started.Add(n)
		for range n {
			done.Add(1)
			go func() {
				defer done.Done()
				started.Done()
				started.Wait() // every goroutine is alive before any counts
				for range 1000 {
					w.success(windowT0)
				}
			}()
		}
		done.Wait()
		i, _ := w.slot(windowT0)
		used := 0
		for l, c := range laneCounts(w, i) {
			if c != 0 {
				used++
				assert.Equal(t, uint64(1000), c, "%d goroutines: lane %d counted another goroutine's outcomes", n, l)
			}
		}
		assert.Equal(t, n, used, "%d goroutines: lanes used", n)
		_, samples := w.counts(windowT0)
		assert.Equal(t, n*1000, samples, "%d goroutines: samples", n)
	}
}

// TestOneLaneAtRest checks that a window counted by one goroutine at a time never
// grows, and that a circuit at rest stays under a kibibyte.
func TestOneLaneAtRest(t *testing.T) {
	w := newWindow(time.Minute)
	for range 1000 {
		w.success(windowT0)
	}
	_ = w.failure(windowT0, nil)
	assert.Nil(t, w.extra.Load(), "one goroutine grew the lanes")
	assert.LessOrEqual(t, unsafe.Sizeof(memCircuit{}), uintptr(1024), "size of a circuit at rest")
	assert.LessOrEqual(t, unsafe.Sizeof(memState{})+unsafe.Sizeof(memHandle{}), uintptr(128), "size of a state and a handle")
}

func TestGeometry(t *testing.T) {
	for _, win := range []time.Duration{MinWindow, time.Second, 7 * time.Second, time.Minute, time.Hour, MaxWindow} {
		shift, span := geometry(win)
		width := time.Duration(1) << shift
		covered := time.Duration(span) * width
		assert.True(t, span >= ringSize/2 && span <= ringSize, "window %v: %d buckets", win, span)
		assert.True(t, covered >= win && covered-width < win, "window %v: %d buckets of %v do not just cover it", win, span, width)
	}
}

// TestCountsDoNotOverflow puts more than 2³² successes in one lane and bucket: a
// single failure must not look like a failure rate of 1.
func TestCountsDoNotOverflow(t *testing.T) {
	w := newWindow(time.Hour)
	i, _ := w.slot(windowT0)
	w.first.successes[i].Store(1<<32 + 5)
	w.failure(windowT0, nil)
	failures, samples := w.counts(windowT0)
	require.Equal(t, 1, failures)
	assert.Equal(t, 1<<32+6, samples)
	p := Policy{CoolDown: time.Minute, EvaluationWindow: time.Hour, RateThreshold: 0.5, SampleThreshold: 1}
	assert.False(t, p.FailsThreshold(failures, samples), "one failure in 2³² outcomes fails a 50%% threshold")
}

// TestUndoAfterNewEpoch takes back a failure whose bucket moved to a new epoch
// in between: the move cleared it, so nothing may be taken from the new epoch.
func TestUndoAfterNewEpoch(t *testing.T) {
	w := newWindow(time.Minute)
	undo := func(f counted) {
		w.mu.Lock()
		w.undoLocked(f)
		w.mu.Unlock()
	}
	f := w.failure(windowT0, nil)
	later := windowT0 + ringSize<<w.shift // the same slot, a ring later
	w.failure(later, nil)
	undo(f)
	failures, samples := w.counts(later)
	assert.Equal(t, [2]int{1, 1}, [2]int{failures, samples}, "[failures samples] after undoing a failure of a cleared bucket")
	undo(w.failure(later, nil))
	failures, _ = w.counts(later)
	assert.Equal(t, 1, failures, "failures after an undo in the same epoch")
}

func TestFailuresToTrip(t *testing.T) {
	p := Policy{CoolDown: time.Minute, EvaluationWindow: time.Minute, RateThreshold: 0.5, SampleThreshold: 3}
	for _, tc := range []struct{ failures, samples int }{
		{0, 0}, {1, 1}, {1, 2}, {0, 10}, {3, 10}, {4, 10}, {10, 30}, {0, 1000}, {499, 1000},
	} {
		d := failuresToTrip(p, tc.failures, tc.samples)
		require.GreaterOrEqual(t, d, int64(1))
		for k := range d {
			for extra := range 20 { // any successes besides
				// d errs low: fewer than d more failures never trip.
				assert.False(t, p.FailsThreshold(tc.failures+int(k), tc.samples+int(k)+extra),
					"%d failures of %d: %d more failures and %d successes trip, but d = %d", tc.failures, tc.samples, k, extra, d)
			}
		}
	}
	one := Policy{CoolDown: time.Minute, EvaluationWindow: time.Minute, RateThreshold: 1, SampleThreshold: 3}
	assert.Equal(t, int64(math.MaxInt64), failuresToTrip(one, 2, 3), "a rate of 1 with a success in the window")
	assert.Equal(t, int64(1), failuresToTrip(one, 2, 2), "a rate of 1 one failure short")
}

// TestCreditsTripExactly fails and succeeds one after another: the failure
// that first fails the threshold, and no earlier one, is refused.
func TestCreditsTripExactly(t *testing.T) {
	p := Policy{CoolDown: time.Minute, EvaluationWindow: time.Hour, RateThreshold: 0.6, SampleThreshold: 50}
	hd, err := NewMemory().Bind("c", p)
	require.NoError(t, err)
	h := hd.(*memHandle)
	failures, samples := 0, 0
	for i := range 1000 {
		if i%3 == 0 {
			h.Succeeded(windowT0)
			samples++
			continue
		}
		trips := p.FailsThreshold(failures+1, samples+1)
		require.Equal(t, !trips, h.Failed(windowT0), "failure %d after %d failures of %d", i, failures, samples)
		if trips {
			return
		}
		failures++
		samples++
	}
	t.Fatal("the threshold was never failed")
}

// TestCreditsNeverMissATrip races goroutines failing and succeeding through the
// hot path, recording through Record what it refuses, as the runtime does:
// whatever the interleaving of credits and checks, a circuit left closed must
// not fail its threshold.
func TestCreditsNeverMissATrip(t *testing.T) {
	for round := range 50 {
		p := Policy{CoolDown: time.Minute, EvaluationWindow: time.Hour, RateThreshold: 0.6, SampleThreshold: 50}
		hd, err := NewMemory().Bind("c", p)
		require.NoError(t, err)
		h := hd.(*memHandle)
		var wg sync.WaitGroup
		for g := range 4 {
			wg.Go(func() {
				for i := range 100 {
					if (i+g+round)%3 == 0 {
						h.Succeeded(windowT0)
					} else if !h.Failed(windowT0) {
						_, _ = h.Record(context.Background(), time.Unix(0, windowT0), Outcome{})
					}
				}
			})
		}
		wg.Wait()
		failures, samples := h.c.win.counts(windowT0)
		if h.c.state.Load().state == StateClosed {
			assert.False(t, p.FailsThreshold(failures, samples), "round %d: closed with %d failures of %d", round, failures, samples)
		}
	}
}
