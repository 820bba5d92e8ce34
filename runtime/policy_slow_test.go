package runtime_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/breakergen/breakergen/internal/testing/policysim"
	"github.com/breakergen/breakergen/runtime"
	"github.com/breakergen/breakergen/runtime/callcount"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// slowOptions time calls out at 2s over a minute's window.
var slowOptions = runtime.Options{CoolDown: 10 * time.Second, SlowCall: 2 * time.Second}

// takes runs one call of c that takes d on f's clock and returns err.
func (f *fixture) takes(t *testing.T, c *runtime.Circuit, d time.Duration, err error) error {
	t.Helper()
	return c.Run(context.Background(), func(context.Context) error {
		f.clock.Advance(d)
		return err
	})
}

// TestSlowCallIsAnOutcome checks that a call past SlowCall is counted as
// slow, beside its outcome, in events, call counters and the status.
func TestSlowCallIsAnOutcome(t *testing.T) {
	cnt := &counter{}
	f := newFixture(t, runtime.WithListener(cnt))
	c := f.b.Circuit("slow", slowOptions)
	require.NoError(t, f.takes(t, c, time.Second, nil))
	require.NoError(t, f.takes(t, c, 2*time.Second, nil))
	ev, ok := f.rec.last(runtime.EventSuccess)
	require.True(t, ok)
	assert.True(t, ev.Slow, "Event.Slow of a call that took SlowCall")
	assert.Equal(t, map[callcount.Outcome]int{callcount.Success: 2, callcount.Slow: 1}, cnt.get("slow"))
	st, err := c.Status(context.Background())
	require.NoError(t, err)
	assert.Equal(t, 1, st.SlowCalls, "Status.SlowCalls")
	assert.Equal(t, 2, st.SampleSize)
	assert.InDelta(t, 0.5, st.SlowRate(), 1e-9, "Status.SlowRate")
	assert.Equal(t, "slow", callcount.Slow.String())
}

// TestSlowCallsOpen checks that slow calls open the circuit once their share
// reaches SlowRate, with SampleThreshold, whatever their outcome.
func TestSlowCallsOpen(t *testing.T) {
	f := newFixture(t)
	c := f.b.Circuit("slow", slowOptions)
	require.NoError(t, f.takes(t, c, 3*time.Second, nil))
	require.ErrorIs(t, f.takes(t, c, 3*time.Second, errBoom), errBoom)
	assert.Zero(t, f.rec.count(runtime.EventOpened), "2 slow calls of 3 needed")
	require.NoError(t, f.takes(t, c, 3*time.Second, nil))
	assert.Equal(t, 1, f.rec.count(runtime.EventOpened), "3 slow calls of 3")
	assert.ErrorIs(t, f.takes(t, c, 0, nil), runtime.ErrOpen)
}

// TestFastCallsAreNotSlow checks that calls under SlowCall never open the
// circuit, however many.
func TestFastCallsAreNotSlow(t *testing.T) {
	f := newFixture(t)
	c := f.b.Circuit("slow", slowOptions)
	for range 100 {
		require.NoError(t, f.takes(t, c, 1999*time.Millisecond, nil))
	}
	assert.Zero(t, f.rec.count(runtime.EventOpened))
}

// TestSlowProbeReopens checks that a probe that succeeds slowly reopens the
// circuit: the dependency has not recovered.
func TestSlowProbeReopens(t *testing.T) {
	f := newFixture(t)
	c := f.b.Circuit("slow", slowOptions)
	for range 3 {
		_ = f.takes(t, c, 0, errBoom)
	}
	f.clock.Advance(10 * time.Second)
	require.NoError(t, f.takes(t, c, 5*time.Second, nil))
	assert.Equal(t, 1, f.rec.count(runtime.EventReopened), "a slow probe's success")
	assert.Zero(t, f.rec.count(runtime.EventClosed))
}

// bucketOf returns the width of the memory storage's buckets for window:
// the smallest power of two of nanoseconds that cuts it in at most 16.
func bucketOf(window time.Duration) time.Duration {
	w := time.Duration(1)
	for w*16 < window {
		w *= 2
	}
	return w
}

// TestHungHandlerOpens is the acceptance test of a dependency that hangs:
// calls that never return, 100 a second, open the circuit with no call
// completed within SlowCall and one bucket of the window.
func TestHungHandlerOpens(t *testing.T) {
	f := newFixture(t)
	c := f.b.Circuit("hung", slowOptions)
	ctx := context.Background()
	var inFlight []*runtime.Attempt
	start := f.clock.Now()
	limit := slowOptions.SlowCall + bucketOf(time.Minute)
	for f.clock.Now().Sub(start) <= limit+time.Second {
		a, err := c.Allow(ctx)
		if err != nil {
			require.ErrorIs(t, err, runtime.ErrOpen)
			break
		}
		inFlight = append(inFlight, &a)
		f.clock.Advance(10 * time.Millisecond)
	}
	took := f.clock.Now().Sub(start)
	t.Logf("the circuit opened %v after the first hung call (SlowCall %v, bucket %v), %d calls in flight",
		took, slowOptions.SlowCall, bucketOf(time.Minute), len(inFlight))
	assert.LessOrEqual(t, took, limit, "time until the circuit opened")
	ev, ok := f.rec.last(runtime.EventOpened)
	require.True(t, ok, "EventOpened")
	assert.GreaterOrEqual(t, ev.Status.Hung, 3, "Status.Hung of the opening")
	assert.Zero(t, ev.Status.SampleSize, "no call completed")
	assert.Equal(t, 1.0, ev.Status.SlowRate())
}

// TestExcludedCallsAreNotHung checks that calls that end with an excluded
// error are no longer in flight, though nothing recorded their outcome.
func TestExcludedCallsAreNotHung(t *testing.T) {
	errGone := errors.New("gone")
	f := newFixture(t)
	o := slowOptions
	o.Exclude = []error{errGone}
	c := f.b.Circuit("excluded", o)
	for range 600 {
		require.ErrorIs(t, f.takes(t, c, 100*time.Millisecond, errGone), errGone)
	}
	assert.Zero(t, f.rec.count(runtime.EventOpened))
	st, err := c.Status(context.Background())
	require.NoError(t, err)
	assert.Zero(t, st.Hung)
}

// TestHealthySoak is the acceptance test of false trips: a day of traffic at
// a healthy latency distribution (a median of 100ms, one call in 2,000 over
// SlowCall), 20 calls a second, many in flight at once, opens nothing.
func TestHealthySoak(t *testing.T) {
	if testing.Short() {
		t.Skip("a day of traffic")
	}
	day := 24 * time.Hour
	if raceEnabled {
		day = 2 * time.Hour // the single-threaded simulation has no race to find; the day runs without -race
	}
	sc := policysim.Scenario{Name: "soak", Rate: 20, Every: time.Hour, Seed: 24, Phases: []policysim.Phase{{
		Name: "healthy", Duration: day, ErrorRate: 0.001,
		Latency: policysim.Latency{Median: 100 * time.Millisecond, Spread: 0.8, Tail: 0.0005, TailLatency: 3 * time.Second},
	}}}
	res, err := policysim.Run(sc, runtime.Options{SlowCall: 2 * time.Second, SampleThreshold: 20})
	require.NoError(t, err)
	total := policysim.Totals(res.Intervals, "healthy")
	t.Logf("%d calls, %d slow, %d rejected, %d openings", total.Calls, res.Events.Slow, total.Rejected, res.Events.Opened)
	assert.Zero(t, res.Events.Opened, "false trips")
	assert.Zero(t, total.Rejected)
	assert.Positive(t, res.Events.Slow, "the tail's slow calls were counted")
}
