package storage

import (
	"math/rand/v2"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestHungNeverOverstates drives a slow-call circuit with calls that start and
// end at random, hang or are abandoned, and checks at every step that the hung
// count never exceeds the calls truly in flight past SlowCall, and that it
// counts every one of them once nothing has ended for a whole window.
func TestHungNeverOverstates(t *testing.T) {
	p := Policy{CoolDown: time.Minute, EvaluationWindow: time.Minute, RateThreshold: 1, SampleThreshold: 1 << 30,
		SlowCall: 3 * time.Second, SlowRate: 1}
	h := bindMem(t, p)
	a := h.c.aux.Load()
	require.NotNil(t, a)
	r := rand.New(rand.NewPCG(1, 2))
	now := memT0.UnixNano()
	type call struct {
		start   int64
		tracked bool
	}
	var starts []call // in flight
	for step := range 20000 {
		now += int64(r.IntN(200)) * int64(time.Millisecond) / 10
		switch k := r.IntN(10); {
		case k < 5 && step < 15000:
			if adm := h.AdmitAt(now); adm.Verdict == AdmitRun || adm.Verdict == AdmitTrack {
				starts = append(starts, call{now, adm.Verdict == AdmitTrack})
			}
		case k < 9 && len(starts) > 0 && step < 15000:
			i := r.IntN(len(starts))
			if starts[i].tracked {
				h.Ended(now)
			}
			if k == 8 {
				h.Abandoned(now)
			} else {
				h.Succeeded(now)
			}
			starts = append(starts[:i], starts[i+1:]...)
		}
		truth := 0
		for _, s := range starts {
			if now-s.start >= int64(p.SlowCall) {
				truth++
			}
		}
		hung, _ := h.hung(a, now)
		require.LessOrEqual(t, hung, truth, "step %d: hung calls counted above the truth", step)
	}
}

// TestHungCountsEveryCallOfAHang checks that when nothing ends, every call
// started a bucket and SlowCall ago is counted, after a healthy stretch too.
func TestHungCountsEveryCallOfAHang(t *testing.T) {
	p := Policy{CoolDown: time.Minute, EvaluationWindow: time.Minute, RateThreshold: 1, SampleThreshold: 10,
		SlowCall: 3 * time.Second, SlowRate: 1}
	h := bindMem(t, p)
	now := memT0.UnixNano()
	for range 100 { // healthy: each call ends 50ms after it starts
		require.Equal(t, AdmitTrack, h.AdmitAt(now).Verdict, "the first call of its millisecond is tracked")
		now += int64(50 * time.Millisecond)
		h.Ended(now)
		h.Succeeded(now)
	}
	for range 200 { // the dependency hangs, longer than a bucket
		require.Equal(t, AdmitTrack, h.AdmitAt(now).Verdict)
		require.Equal(t, AdmitRun, h.AdmitAt(now).Verdict, "a second call of one millisecond is not tracked")
		now += int64(50 * time.Millisecond)
	}
	now += int64(p.SlowCall) + 1<<h.c.shift
	hung, hangs := h.hung(h.c.aux.Load(), now)
	assert.True(t, hangs, "every call since the hang began is in flight")
	assert.Equal(t, 200, hung)
}

// TestBackoffIsDeterministic checks that the jitter depends on the circuit's
// name and the instant only, and keeps the cool-down within its bounds.
func TestBackoffIsDeterministic(t *testing.T) {
	p := Policy{CoolDown: time.Second, EvaluationWindow: time.Minute, RateThreshold: 0.5, SampleThreshold: 1, CoolDownMax: time.Hour}
	a, b := bindMem(t, p), bindMem(t, p)
	for level := uint8(1); level < 40; level++ {
		now := memT0.UnixNano() + int64(level)*int64(time.Second)
		got := a.backoff(level, now)
		assert.Equal(t, got, b.backoff(level, now), "two circuits of one name at one instant")
		nominal := int64(time.Second)
		for range level {
			nominal = min(2*nominal, int64(time.Hour))
		}
		assert.True(t, got <= nominal && got >= nominal*4/5, "level %d: %v of nominal %v", level, time.Duration(got), time.Duration(nominal))
	}
	assert.Zero(t, a.backoff(0, memT0.UnixNano()), "no backoff before a failed recovery")
	noMax := bindMem(t, Policy{CoolDown: time.Second, EvaluationWindow: time.Minute, RateThreshold: 0.5, SampleThreshold: 1})
	assert.Zero(t, noMax.backoff(3, memT0.UnixNano()), "no backoff without CoolDownMax")
}

// TestDitherFollowsTheShare checks that the dither picks calls at exactly the
// share asked, to within one call.
func TestDitherFollowsTheShare(t *testing.T) {
	for _, share := range []float64{0, 0.01, 0.25, 1.0 / 3, 0.5, 0.99, 1} {
		var d dither
		picked := 0
		for range 10000 {
			if d.dithered(share) {
				picked++
			}
		}
		assert.InDelta(t, share*10000, picked, 1, "share %v", share)
	}
}

// TestAuxOnlyForGatedPolicies checks that a circuit makes the policies'
// counts only for slow calls and adaptive mode.
func TestAuxOnlyForGatedPolicies(t *testing.T) {
	classic := Policy{CoolDown: time.Minute, EvaluationWindow: time.Minute, RateThreshold: 0.5, SampleThreshold: 3,
		CoolDownMax: time.Hour, HalfOpenProbes: 3}
	assert.Nil(t, bindMem(t, classic).c.aux.Load(), "backoff and probes need no counts")
	classic.Ramp = time.Minute
	assert.Nil(t, bindMem(t, classic).c.aux.Load(), "a ramp counts nothing")
	classic.Ramp, classic.SlowCall, classic.SlowRate = 0, time.Second, 0.5
	assert.NotNil(t, bindMem(t, classic).c.aux.Load(), "slow calls count")
}
