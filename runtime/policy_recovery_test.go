package runtime_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/breakergen/breakergen/runtime"
	"github.com/breakergen/breakergen/runtime/fakeclock"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// backoffOptions back a 10s cool-down off up to 80s.
var backoffOptions = runtime.Options{CoolDown: 10 * time.Second, CoolDownMax: 80 * time.Second}

// statusOf reads c's status.
func statusOf(t *testing.T, c *runtime.Circuit) runtime.Status {
	t.Helper()
	st, err := c.Status(context.Background())
	require.NoError(t, err)
	return st
}

// tripCircuit fails calls of c until it opens.
func tripCircuit(t *testing.T, c *runtime.Circuit) {
	t.Helper()
	for i := 0; !statusOf(t, c).Open(); i++ {
		require.Less(t, i, 1000, "the circuit does not open")
		_ = c.Run(context.Background(), func(context.Context) error { return errBoom })
	}
}

// failedProbes trips a circuit with backoffOptions on a fresh breaker and
// fails n probes, returning the cool-down after each.
func failedProbes(t *testing.T, n int) []time.Duration {
	t.Helper()
	clock := newClock()
	c := runtime.MustNew(runtime.WithClock(clock)).Circuit("dep", backoffOptions)
	tripCircuit(t, c)
	var out []time.Duration
	for range n {
		st := statusOf(t, c)
		_, err := c.Allow(context.Background())
		var open *runtime.OpenCircuitError
		require.ErrorAs(t, err, &open, "a call while cooling down")
		assert.Equal(t, st.CoolDown, open.RetryAfter(), "RetryAfter: the whole backed-off cool-down")
		clock.Set(st.NextProbe())
		require.ErrorIs(t, c.Run(context.Background(), func(context.Context) error { return errBoom }), errBoom, "the probe runs")
		out = append(out, statusOf(t, c).CoolDown)
	}
	return out
}

// TestBackoffDoublesWithJitter checks that each failed probe doubles the
// cool-down, less a jitter of at most a fifth, up to CoolDownMax, and that
// the jitter is the same on every run with the same clock.
func TestBackoffDoublesWithJitter(t *testing.T) {
	got := failedProbes(t, 5)
	t.Logf("cool-downs after failed probes: %v", got)
	for i, nominal := range []time.Duration{20 * time.Second, 40 * time.Second, 80 * time.Second, 80 * time.Second, 80 * time.Second} {
		assert.True(t, got[i] > nominal*4/5 && got[i] <= nominal, "cool-down after failed probe %d: %v, want (%v, %v]", i+1, got[i], nominal*4/5, nominal)
	}
	assert.Equal(t, got, failedProbes(t, 5), "the cool-downs of a second run on the same clock")
}

// TestBackoffResets checks that a successful probe closes the circuit and
// that the next opening lasts CoolDown again.
func TestBackoffResets(t *testing.T) {
	f := newFixture(t)
	c := f.b.Circuit("backoff", backoffOptions)
	tripCircuit(t, c)
	for range 2 {
		f.clock.Set(statusOf(t, c).NextProbe())
		_ = c.Run(context.Background(), func(context.Context) error { return errBoom })
	}
	require.Greater(t, statusOf(t, c).CoolDown, 30*time.Second, "backed off twice")
	f.clock.Set(statusOf(t, c).NextProbe())
	require.NoError(t, c.Run(context.Background(), func(context.Context) error { return nil }))
	require.True(t, statusOf(t, c).Closed())
	tripCircuit(t, c)
	assert.Equal(t, 10*time.Second, statusOf(t, c).CoolDown, "the cool-down after a close")
}

// rampOptions ramp a closed circuit up over 100s.
var rampOptions = runtime.Options{CoolDown: 10 * time.Second, Ramp: 100 * time.Second}

// closeByProbe trips c, waits out its cool-down and closes it with a probe.
func closeByProbe(t *testing.T, clock *fakeclock.Clock, c *runtime.Circuit) {
	t.Helper()
	tripCircuit(t, c)
	clock.Set(statusOf(t, c).NextProbe())
	require.NoError(t, c.Run(context.Background(), func(context.Context) error { return nil }), "the probe")
	require.True(t, statusOf(t, c).Ramping(), "ramping after the probe closed the circuit")
}

// TestRampAdmitsTheSchedule is the acceptance test of ramped recovery, in
// one process: the share admitted stays within 10 % of the linear schedule
// through the ramp, 10 calls every 100ms, and the calls refused are skipped.
func TestRampAdmitsTheSchedule(t *testing.T) {
	f := newFixture(t)
	c := f.b.Circuit("ramp", rampOptions)
	closeByProbe(t, f.clock, c)
	skipped := f.rec.count(runtime.EventSkipped)
	refused := 0
	for slice := range 10 {
		admitted, calls := 0, 0
		for range 100 {
			f.clock.Advance(100 * time.Millisecond)
			for range 10 {
				calls++
				err := c.Run(context.Background(), func(context.Context) error { return nil })
				if err == nil {
					admitted++
					continue
				}
				require.ErrorIs(t, err, runtime.ErrOpen)
				assert.EqualError(t, err, `breakergen: circuit "ramp" closed, ramping up`)
				refused++
			}
		}
		want := (float64(slice) + 0.5) / 10
		got := float64(admitted) / float64(calls)
		assert.InDelta(t, want, got, 0.1, "share admitted from %ds to %ds into the ramp", slice*10, slice*10+10)
	}
	assert.Equal(t, refused, f.rec.count(runtime.EventSkipped)-skipped, "an EventSkipped per refused call")
	f.clock.Advance(time.Second)
	assert.False(t, statusOf(t, c).Ramping(), "after the ramp")
	assert.Equal(t, "closed", statusOf(t, c).String())
}

// TestRampStatus checks the ramp's progress in the status and its words.
func TestRampStatus(t *testing.T) {
	f := newFixture(t)
	c := f.b.Circuit("ramp", rampOptions)
	closeByProbe(t, f.clock, c)
	f.clock.Advance(25 * time.Second)
	st := statusOf(t, c)
	assert.InDelta(t, 0.25, st.RampShare(), 1e-9, "RampShare a quarter into the ramp")
	assert.Equal(t, "closed, ramping up", st.String())
	assert.Equal(t, 1.0, statusOf(t, f.c).RampShare(), "RampShare of a circuit without a ramp")
}

// TestRampFailureReopens checks that failures that fail the threshold during
// the ramp open the circuit again, with the cool-down backed off.
func TestRampFailureReopens(t *testing.T) {
	f := newFixture(t)
	o := rampOptions
	o.CoolDownMax = time.Minute
	c := f.b.Circuit("ramp", o)
	closeByProbe(t, f.clock, c)
	f.clock.Advance(50 * time.Second)
	opened := f.rec.count(runtime.EventOpened)
	for range 100 {
		_ = c.Run(context.Background(), func(context.Context) error { return errBoom })
	}
	assert.Equal(t, opened+1, f.rec.count(runtime.EventOpened), "failures during the ramp")
	st := statusOf(t, c)
	assert.True(t, st.Open())
	assert.Greater(t, st.CoolDown, 10*time.Second, "the cool-down after a failed ramp is backed off")
}

// TestSeveralProbes checks that HalfOpenProbes probes run at once, that the
// circuit closes after that many successes and reopens on a failure.
func TestSeveralProbes(t *testing.T) {
	f := newFixture(t)
	c := f.b.Circuit("probes", runtime.Options{CoolDown: 10 * time.Second, HalfOpenProbes: 3})
	ctx := context.Background()
	tripCircuit(t, c)
	f.clock.Advance(10 * time.Second)
	var probes [3]runtime.Attempt
	for i := range probes {
		var err error
		probes[i], err = c.Allow(ctx)
		require.NoError(t, err, "probe %d of 3", i+1)
		require.True(t, probes[i].Probe(), "probe %d of 3", i+1)
	}
	_, err := c.Allow(ctx)
	require.ErrorIs(t, err, runtime.ErrOpen, "a fourth call")
	assert.EqualError(t, err, `breakergen: circuit "probes" open, probe in flight`)
	assert.Equal(t, 3, f.rec.count(runtime.EventProbe))
	probes[0].Done(ctx, nil)
	probes[1].Done(ctx, nil)
	assert.Equal(t, 2, statusOf(t, c).Passed, "Status.Passed")
	assert.Zero(t, f.rec.count(runtime.EventClosed), "two successes of three")
	probes[2].Done(ctx, nil)
	assert.Equal(t, 1, f.rec.count(runtime.EventClosed), "the third success")

	tripCircuit(t, c)
	f.clock.Advance(10 * time.Second)
	a, err := c.Allow(ctx)
	require.NoError(t, err)
	b, err := c.Allow(ctx)
	require.NoError(t, err)
	a.Done(ctx, nil)
	b.Done(ctx, errors.New("still down"))
	assert.Equal(t, 1, f.rec.count(runtime.EventReopened), "one failed probe of three")
}
