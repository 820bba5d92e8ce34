package runtime_test

import (
	"context"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/breakergen/breakergen/runtime"
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
			wg.Add(1)
			go func() {
				defer wg.Done()
				<-release
				err := f.c.Run(context.Background(), func(context.Context) error {
					ran.Add(1)
					return errBoom // keep it open for the next round
				})
				if err != errBoom {
					skipped.Add(1)
				}
			}()
		}
		close(release)
		wg.Wait()
		if ran.Load() != 1 || skipped.Load() != racers-1 {
			t.Fatalf("round %d: %d probes ran and %d skipped, want 1 and %d", round, ran.Load(), skipped.Load(), racers-1)
		}
		if n := f.rec.count(runtime.EventSkipped) - skippedBefore; n != racers-1 {
			t.Fatalf("round %d: %d EventSkipped, want %d", round, n, racers-1)
		}
	}
	if n := f.rec.count(runtime.EventReopened); n != 5 {
		t.Fatalf("EventReopened = %d, want one per failed probe (5)", n)
	}
}

// TestOneOpenedEventUnderConcurrentFailures fails many calls at once: the
// circuit opens exactly once, and a success closes it exactly once.
func TestOneOpenedEventUnderConcurrentFailures(t *testing.T) {
	f := newFixture(t)
	var wg sync.WaitGroup
	for range 64 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			_ = f.c.Run(context.Background(), func(context.Context) error { return errBoom })
		}()
	}
	wg.Wait()
	if n := f.rec.count(runtime.EventOpened); n != 1 {
		t.Fatalf("EventOpened = %d, want 1", n)
	}
	f.clock.Advance(10 * time.Second)
	for range 64 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			_ = f.c.Run(context.Background(), func(context.Context) error { return nil })
		}()
	}
	wg.Wait()
	if n := f.rec.count(runtime.EventClosed); n != 1 {
		t.Fatalf("EventClosed = %d, want 1", n)
	}
}

// TestConcurrentClosedCalls hammers the fast path with the real clock and checks
// every success is counted.
func TestConcurrentClosedCalls(t *testing.T) {
	b := runtime.New(runtime.WithDefaults(runtime.Options{EvaluationWindow: time.Hour}))
	c := b.Circuit("hot")
	var wg sync.WaitGroup
	for range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for range 1000 {
				a, err := c.Allow(context.Background())
				if err != nil {
					t.Error(err)
					return
				}
				a.Done(context.Background(), nil)
			}
		}()
	}
	wg.Wait()
	st, _ := c.Status(context.Background())
	if st.SampleSize != 8000 || st.FailureRate != 0 {
		t.Fatalf("status %+v, want 8000 successes", st)
	}
}
