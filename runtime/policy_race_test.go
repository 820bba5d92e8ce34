package runtime_test

import (
	"context"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/breakergen/breakergen/runtime"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestSeveralProbesAmongManyGoroutines races 64 goroutines for the probes
// of a half-open circuit with HalfOpenProbes 3, over several rounds: exactly
// 3 run at once per round, the rest are skipped.
func TestSeveralProbesAmongManyGoroutines(t *testing.T) {
	const racers = 64
	f := newFixture(t)
	c := f.b.Circuit("probes", runtime.Options{CoolDown: 10 * time.Second, HalfOpenProbes: 3})
	tripCircuit(t, c)
	for round := range 5 {
		f.clock.Set(statusOf(t, c).NextProbe())
		var ran atomic.Int32
		hold := make(chan struct{})
		var wg sync.WaitGroup
		for range racers {
			wg.Go(func() {
				_ = c.Run(context.Background(), func(context.Context) error {
					ran.Add(1)
					<-hold // every probe is in flight while the others ask
					return errBoom
				})
			})
		}
		require.Eventually(t, func() bool { return ran.Load() == 3 && f.rec.count(runtime.EventSkipped) >= (round+1)*(racers-3) },
			10*time.Second, time.Millisecond, "round %d: 3 probes in flight, the others skipped", round)
		close(hold)
		wg.Wait()
		assert.Equal(t, int32(3), ran.Load(), "round %d: probes", round)
	}
}

// TestPoliciesUnderConcurrentCalls runs goroutines through circuits of every
// policy at once, with failures, slow calls and the clock moving, for the
// race detector; each circuit must keep counting and deciding.
func TestPoliciesUnderConcurrentCalls(t *testing.T) {
	f := newFixture(t)
	circuits := []*runtime.Circuit{
		f.b.Circuit("slow", runtime.Options{SlowCall: 50 * time.Millisecond, CoolDown: time.Second}),
		f.b.Circuit("adaptive", runtime.Options{Mode: runtime.ModeAdaptive, EvaluationWindow: 10 * time.Second}),
		f.b.Circuit("ramp", runtime.Options{Ramp: 5 * time.Second, CoolDown: time.Second, CoolDownMax: 8 * time.Second}),
		f.b.Circuit("probes", runtime.Options{HalfOpenProbes: 4, CoolDown: time.Second}),
	}
	var wg sync.WaitGroup
	for g := range 8 {
		wg.Go(func() {
			for i := range 2000 {
				c := circuits[(g+i)%len(circuits)]
				_ = c.Run(context.Background(), func(context.Context) error {
					if i%7 == 0 {
						f.clock.Advance(60 * time.Millisecond)
					}
					if (i/200)%2 == 0 && i%3 == 0 {
						return errBoom
					}
					return nil
				})
				_, _ = c.Status(context.Background())
			}
		})
	}
	wg.Wait()
	for _, c := range circuits {
		st := statusOf(t, c)
		assert.False(t, st.Stub, c.Name())
	}
	assert.Positive(t, f.rec.count(runtime.EventOpened), "some circuit opened")
}
