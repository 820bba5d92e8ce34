package breakertest_test

import (
	"context"
	"errors"
	"testing"
	"testing/synctest"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/breakergen/breakergen/breakertest"
	"github.com/breakergen/breakergen/runtime"
)

var errDown = errors.New("down")

func call(c *runtime.Circuit, err error) error {
	return c.Run(context.Background(), func(context.Context) error { return err })
}

func TestForceOpenSkipsUntilCoolDown(t *testing.T) {
	kit := breakertest.New(t, runtime.WithDefaults(runtime.Options{CoolDown: time.Minute}))
	c := kit.Breaker.Circuit("payments")

	kit.ForceOpen("payments")
	err := call(c, nil)
	require.ErrorIs(t, err, runtime.ErrOpen)
	var open *runtime.OpenCircuitError
	require.ErrorAs(t, err, &open)
	assert.Equal(t, time.Minute, open.RetryAfter())
	assert.True(t, kit.Status("payments").Open())

	kit.Clock.Advance(time.Minute)
	assert.NoError(t, call(c, nil), "the probe runs once the cool-down passed")
	assert.True(t, kit.Status("payments").Closed())
	kit.Events.AssertTypes(t, "payments", runtime.EventSkipped, runtime.EventProbe, runtime.EventSuccess, runtime.EventClosed)
}

func TestForceBeforeTheCircuitExists(t *testing.T) {
	kit := breakertest.New(t, runtime.WithOverrides("late", runtime.Options{CoolDown: 10 * time.Second}))
	kit.ForceHalfOpen("late") // not made yet: its cool-down comes from the override

	c := kit.Breaker.Circuit("late", runtime.Options{IsFailure: func(error) bool { return true }})
	assert.True(t, kit.Status("late").HalfOpen())
	assert.ErrorIs(t, call(c, errDown), errDown, "the probe runs and fails")
	kit.Events.AssertTransitions(t, "late", runtime.EventReopened)
	assert.Equal(t, 10*time.Second, kit.Status("late").Options.CoolDown)
}

func TestForceHalfOpenProbeCloses(t *testing.T) {
	kit := breakertest.New(t)
	c := kit.Breaker.Circuit("db")
	kit.ForceHalfOpen("db")
	require.True(t, kit.Status("db").HalfOpen())
	require.NoError(t, call(c, nil))
	kit.Events.AssertTransitions(t, "db", runtime.EventClosed)
	assert.True(t, kit.Status("db").Closed())
}

func TestForceClosedForgetsLockAndWindow(t *testing.T) {
	kit := breakertest.New(t)
	c := kit.Breaker.Circuit("db")
	require.NoError(t, c.LockOpen(context.Background()))
	require.ErrorIs(t, call(c, nil), runtime.ErrOpen)

	kit.ForceClosed("db")
	st := kit.Status("db")
	assert.True(t, st.Closed())
	assert.False(t, st.LockedOpen())
	assert.Zero(t, st.SampleSize)
	assert.NoError(t, call(c, nil))
}

func TestForceOpenTwice(t *testing.T) {
	kit := breakertest.New(t)
	c := kit.Breaker.Circuit("db")
	kit.ForceOpen("db")
	kit.Clock.Advance(time.Hour)
	kit.ForceOpen("db") // a new open period, from now
	assert.ErrorIs(t, call(c, nil), runtime.ErrOpen)
}

func TestClockStandsStill(t *testing.T) {
	c := breakertest.NewClock(breakertest.DefaultStart)
	assert.Equal(t, breakertest.DefaultStart, c.Now())
	c.Advance(time.Second)
	assert.Equal(t, breakertest.DefaultStart.Add(time.Second), c.Now())
	c.Set(breakertest.DefaultStart)
	assert.Equal(t, breakertest.DefaultStart, c.Now())
}

// TestSynctest runs the kit in a synctest bubble: sleeping the cool-down in the
// test makes the circuit half-open, and takes no real time.
func TestSynctest(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		kit := breakertest.NewSynctest(t, runtime.WithDefaults(runtime.Options{CoolDown: time.Hour}))
		c := kit.Breaker.Circuit("slow")
		kit.ForceOpen("slow")
		require.ErrorIs(t, call(c, nil), runtime.ErrOpen)

		start := time.Now()
		time.Sleep(time.Hour) // the bubble's time: returns at once
		assert.Equal(t, time.Hour, time.Since(start))
		assert.True(t, kit.Status("slow").HalfOpen())
		assert.NoError(t, call(c, nil))

		kit.Clock.Advance(time.Minute) // Advance moves the breaker's time only
		assert.Equal(t, time.Hour+time.Minute, kit.Clock.Now().Sub(start))
		kit.Clock.Set(start)
		assert.Equal(t, start, kit.Clock.Now())
	})
}

func TestRecorder(t *testing.T) {
	kit := breakertest.New(t, runtime.WithDefaults(runtime.Options{SampleThreshold: 2}))
	a, b := kit.Breaker.Circuit("a"), kit.Breaker.Circuit("b")
	_ = call(a, errDown)
	_ = call(a, errDown)
	_ = call(b, nil)

	kit.Events.AssertTypes(t, "a", runtime.EventFailure, runtime.EventFailure, runtime.EventOpened)
	kit.Events.AssertTransitions(t, "a", runtime.EventOpened)
	kit.Events.AssertCount(t, "", runtime.EventFailure, 2)
	kit.Events.AssertNone(t, "b", runtime.EventFailure, runtime.EventOpened)
	assert.Len(t, kit.Events.All(), 4)
	assert.Equal(t, []runtime.EventType{runtime.EventOpened}, kit.Events.Types("a", runtime.EventFailure))
	assert.ErrorIs(t, kit.Events.Of("a")[0].Err, errDown)
	last, ok := kit.Events.Last("a")
	require.True(t, ok)
	assert.Equal(t, runtime.EventOpened, last.Type)

	kit.Events.Clear()
	_, ok = kit.Events.Last("")
	assert.False(t, ok)
	kit.Events.AssertTypes(t, "")
}

// TestAssertionsFail checks that the helpers report a mismatch.
func TestAssertionsFail(t *testing.T) {
	r := breakertest.NewRecorder()
	r.Handle(runtime.Event{Type: runtime.EventOpened, Circuit: "x"})
	ft := &testing.T{}
	assert.False(t, r.AssertTypes(ft, "x", runtime.EventClosed))
	assert.False(t, r.AssertTransitions(ft, "x"))
	assert.False(t, r.AssertCount(ft, "x", runtime.EventOpened, 2))
	assert.False(t, r.AssertNone(ft, "x", runtime.EventOpened))
}
