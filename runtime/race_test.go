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

// TestOneProbeAmongManyGoroutines races 64 goroutines for the probe of a
// half-open circuit, over several half-open windows: exactly one runs per window,
// the rest are skipped with an event each.
func TestOneProbeAmongManyGoroutines(t *testing.T) {
	const racers = 64
	f := newFixture(t)
	f.trip(t)
	for round := range 5 {
		f.clock.Advance(10 * time.Second)
		var ran, skipped atomic.Int32
		skippedBefore := f.rec.count(runtime.EventSkipped)
		release := make(chan struct{})
		var wg sync.WaitGroup
		for range racers {
			wg.Go(func() {
				<-release
				err := f.c.Run(context.Background(), func(context.Context) error {
					ran.Add(1)
					return errBoom // keep it open for the next round
				})
				if err != errBoom {
					skipped.Add(1)
				}
			})
		}
		close(release)
		wg.Wait()
		require.Equal(t, [2]int32{1, racers - 1}, [2]int32{ran.Load(), skipped.Load()}, "round %d: [probes skipped]", round)
		require.Equal(t, racers-1, f.rec.count(runtime.EventSkipped)-skippedBefore, "round %d: EventSkipped", round)
	}
	assert.Equal(t, 5, f.rec.count(runtime.EventReopened), "one EventReopened per failed probe")
}

// TestOneOpenedEventUnderConcurrentFailures fails many calls at once: the
// circuit opens exactly once, and a success closes it exactly once.
func TestOneOpenedEventUnderConcurrentFailures(t *testing.T) {
	for name, opts := range map[string][]runtime.Option{
		"every event":      nil,
		"transitions only": {runtime.WithListener(&recorder{}, runtime.EventOpened)},
	} {
		t.Run(name, func(t *testing.T) {
			rec := &recorder{}
			opts := append([]runtime.Option{runtime.WithClock(newClock())}, opts...)
			opts = append(opts, runtime.WithListener(rec, runtime.EventOpened, runtime.EventClosed))
			c := runtime.MustNew(opts...).Circuit("c", runtime.Options{CoolDown: 10 * time.Second})
			var wg sync.WaitGroup
			for range 64 {
				wg.Go(func() { _ = c.Run(context.Background(), func(context.Context) error { return errBoom }) })
			}
			wg.Wait()
			assert.Equal(t, 1, rec.count(runtime.EventOpened))
		})
	}
}

// TestConcurrentClosedCalls hammers the hot path with the real clock and checks
// every success is counted.
func TestConcurrentClosedCalls(t *testing.T) {
	b := runtime.MustNew(runtime.WithDefaults(runtime.Options{EvaluationWindow: time.Hour}))
	c := b.Circuit("hot")
	var wg sync.WaitGroup
	for range 8 {
		wg.Go(func() {
			for i := range 1000 {
				a, err := c.Allow(context.Background())
				if !assert.NoError(t, err) {
					return
				}
				// Each goroutine fails after its own successes, never first:
				// eight goroutines failing their first calls at once could
				// open the circuit (3 of 3 failed) before any success counts.
				if i%500 == 499 {
					a.Done(context.Background(), errBoom)
				} else {
					a.Done(context.Background(), nil)
				}
			}
		})
	}
	wg.Wait()
	st, _ := c.Status(context.Background())
	assert.Equal(t, 8000, st.SampleSize)
	assert.InDelta(t, 16.0/8000, st.FailureRate, 1e-9)
}
