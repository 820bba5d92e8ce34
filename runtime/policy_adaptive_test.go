package runtime_test

import (
	"context"
	"testing"
	"time"

	"github.com/breakergen/breakergen/runtime"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// adaptiveOptions throttle over a 10s window.
var adaptiveOptions = runtime.Options{Mode: runtime.ModeAdaptive, EvaluationWindow: 10 * time.Second}

// TestAdaptiveThrottles checks that adaptive mode never opens, rejects calls
// as skipped from the first failures on, with its words, and admits every
// call again once the failures have left the window.
func TestAdaptiveThrottles(t *testing.T) {
	f := newFixture(t)
	c := f.b.Circuit("adaptive", adaptiveOptions)
	ctx := context.Background()
	fail := func(context.Context) error { return errBoom }
	rejected := 0
	for range 200 {
		err := c.Run(ctx, fail)
		if err != errBoom {
			require.ErrorIs(t, err, runtime.ErrOpen)
			assert.EqualError(t, err, `breakergen: circuit "adaptive" closed, throttling`)
			rejected++
		}
	}
	assert.Zero(t, f.rec.count(runtime.EventOpened), "adaptive mode never opens")
	assert.Greater(t, rejected, 180, "rejected of 200 calls that all fail")
	st := statusOf(t, c)
	assert.Equal(t, "closed, throttling", st.String())
	assert.Equal(t, 200, st.Requests, "Status.Requests")
	assert.Equal(t, rejected, st.Rejected, "Status.Rejected")
	assert.Greater(t, st.RejectionRate(), 0.9, "Status.RejectionRate")
	f.clock.Advance(30 * time.Second)
	for range 100 {
		require.NoError(t, c.Run(ctx, func(context.Context) error { return nil }), "calls once the failures left the window")
	}
}

// TestPolicyHotPathsAllocateNothing checks that a call of a circuit with
// SlowCall, or in adaptive mode, admitted or rejected, allocates nothing.
func TestPolicyHotPathsAllocateNothing(t *testing.T) {
	ctx := context.Background()
	for name, o := range map[string]runtime.Options{
		"slow":     {SlowCall: time.Second},
		"adaptive": adaptiveOptions,
		"ramp":     {Ramp: time.Minute},
	} {
		c := runtime.MustNew().Circuit(name, o)
		allocs := testing.AllocsPerRun(1000, func() {
			a, err := c.Allow(ctx)
			require.NoError(t, err)
			a.Done(ctx, nil)
		})
		assert.Zero(t, allocs, "allocations of a %s circuit's success", name)
	}
	clock := newClock()
	c := runtime.MustNew(runtime.WithClock(clock)).Circuit("adaptive", adaptiveOptions)
	for range 100 {
		_ = c.Run(ctx, func(context.Context) error { return errBoom })
	}
	for range 10 {
		_, _ = c.Allow(ctx) // the first rejection builds the error the next ones share
	}
	allocs := testing.AllocsPerRun(1000, func() {
		if a, err := c.Allow(ctx); err == nil {
			a.Done(ctx, errBoom)
		}
	})
	assert.Zero(t, allocs, "allocations of an adaptive circuit's rejection")
}
