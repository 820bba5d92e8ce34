package storage

import (
	"context"
	"sync"
	"testing"
	"time"
	"unsafe"

	"github.com/breakergen/breakergen/internal/hotpath/ring"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

var memT0 = time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)

func TestGeometry(t *testing.T) {
	for _, win := range []time.Duration{MinWindow, time.Second, 7 * time.Second, time.Minute, time.Hour, MaxWindow} {
		shift, span := geometry(win)
		width := time.Duration(1) << shift
		covered := time.Duration(span) * width
		assert.True(t, span >= ring.Size/2 && span <= ring.Size, "window %v: %d buckets", win, span)
		assert.True(t, covered >= win && covered-width < win, "window %v: %d buckets of %v do not just cover it", win, span, width)
	}
}

// TestAdmissionFitsRegisters checks that Admission keeps three fields in 24
// bytes: a fourth field made Admit return through memory and cost every
// call about 8 ns (measured).
func TestAdmissionFitsRegisters(t *testing.T) {
	assert.LessOrEqual(t, unsafe.Sizeof(Admission{}), uintptr(24))
}

// TestCircuitAtRest checks that a circuit at rest stays under a kibibyte.
func TestCircuitAtRest(t *testing.T) {
	assert.LessOrEqual(t, unsafe.Sizeof(memCircuit{}), uintptr(1024), "size of a circuit at rest")
	assert.LessOrEqual(t, unsafe.Sizeof(memState{})+unsafe.Sizeof(memHandle{}), uintptr(128), "size of a state and a handle")
}

// bindMem binds circuit "c" of a new Memory with p.
func bindMem(t *testing.T, p Policy) *memHandle {
	hd, err := NewMemory().Bind("c", p)
	require.NoError(t, err)
	return hd.(*memHandle)
}

// TestHotFailuresTripExactly fails and succeeds one after another through the
// hot path: the failure that first fails the threshold, and no earlier one, is
// refused, credits or not.
func TestHotFailuresTripExactly(t *testing.T) {
	p := Policy{CoolDown: time.Minute, EvaluationWindow: time.Hour, RateThreshold: 0.6, SampleThreshold: 50}
	h := bindMem(t, p)
	now := memT0.UnixNano()
	failures, samples := 0, 0
	for i := range 1000 {
		if i%3 == 0 {
			h.Succeeded(now)
			samples++
			continue
		}
		trips := p.FailsThreshold(failures+1, samples+1)
		require.Equal(t, !trips, h.Failed(now), "failure %d after %d failures of %d", i, failures, samples)
		if trips {
			return
		}
		failures++
		samples++
	}
	t.Fatal("the threshold was never failed")
}

// TestHotFailuresNeverMissATrip races goroutines failing and succeeding through
// the hot path, recording through Record what it refuses, as the runtime does:
// whatever the interleaving of credits and checks, a circuit left closed must
// not fail its threshold.
func TestHotFailuresNeverMissATrip(t *testing.T) {
	for round := range 50 {
		p := Policy{CoolDown: time.Minute, EvaluationWindow: time.Hour, RateThreshold: 0.6, SampleThreshold: 50}
		h := bindMem(t, p)
		now := memT0.UnixNano()
		var wg sync.WaitGroup
		for g := range 4 {
			wg.Go(func() {
				for i := range 100 {
					if (i+g+round)%3 == 0 {
						h.Succeeded(now)
					} else if !h.Failed(now) {
						_, _ = h.Record(context.Background(), memT0, Outcome{})
					}
				}
			})
		}
		wg.Wait()
		st := h.c.status(now)
		if st.State == StateClosed {
			assert.False(t, p.FailsThreshold(st.Failures, st.Samples), "round %d: closed with %d failures of %d", round, st.Failures, st.Samples)
		}
	}
}
