package redisstore_test

import (
	"context"
	"os"
	"testing"
	"time"

	"github.com/breakergen/breakergen/runtime"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// backoffOpts backs a minute's cool-down off up to eight minutes.
var backoffOpts = runtime.Options{CoolDown: time.Minute, CoolDownMax: 8 * time.Minute,
	EvaluationWindow: time.Minute, RateThreshold: 0.5, SampleThreshold: 3}

// TestBackoffIsFleetWide checks CoolDownMax across two fleet processes: a
// probe that fails in one backs the cool-down off in Redis, the other learns
// it from the announcement (its view shows it) and skips its calls until it
// ends, then probes and closes the circuit, after which an opening lasts
// CoolDown again.
func TestBackoffIsFleetWide(t *testing.T) {
	_, client := server(t)
	ba, sa := fleetBreaker(t, client, nil)
	bb, sb := fleetBreaker(t, client, sa)
	ctx := context.Background()
	a, b := ba.Circuit("backoff", backoffOpts), bb.Circuit("backoff", backoffOpts)
	advance := func(d time.Duration) { sa.Advance(d); sb.Advance(d) }
	for range 3 {
		_ = a.Run(ctx, fail)
	}
	opened, err := a.Status(ctx)
	require.NoError(t, err)
	require.Equal(t, runtime.StateOpen, opened.State, "three failures in a")
	require.Eventually(t, func() bool {
		st, err := b.Peek(ctx)
		return err == nil && st.State == runtime.StateOpen
	}, 5*time.Second, 5*time.Millisecond, "b learns the opening")

	advance(time.Minute)
	require.ErrorIs(t, a.Run(ctx, fail), errDependency, "a's probe runs, and fails")
	reopened, err := a.Status(ctx)
	require.NoError(t, err)
	cool := reopened.CoolDown
	assert.True(t, cool > time.Minute+time.Minute/2 && cool <= 2*time.Minute, "the backed-off cool-down %v", cool)
	require.Eventually(t, func() bool {
		st, err := b.Peek(ctx)
		return err == nil && st.OpenedAt.Equal(reopened.OpenedAt) && st.CoolDown == cool
	}, 5*time.Second, 5*time.Millisecond, "b's view shows the reopening and its cool-down")

	advance(cool - 10*time.Second)
	_, err = b.Allow(ctx)
	var open *runtime.OpenCircuitError
	require.ErrorAs(t, err, &open, "b skips a minute and a half into the backed-off cool-down")
	assert.Positive(t, open.RetryAfter())

	advance(11 * time.Second) // a second more: b decides on its estimate of the server's clock
	require.NoError(t, b.Run(ctx, succeed), "b probes once the backed-off cool-down is over, and closes")
	closed, err := b.Status(ctx)
	require.NoError(t, err)
	require.Equal(t, runtime.StateClosed, closed.State)

	for range 3 {
		_ = b.Run(ctx, fail)
	}
	again, err := b.Status(ctx)
	require.NoError(t, err)
	require.Equal(t, runtime.StateOpen, again.State)
	assert.Equal(t, time.Minute, again.CoolDown, "an opening after a close lasts CoolDown")
}

// The real-process backoff test: a cool-down short enough for real time.
const (
	envBackoffChild = "BREAKERGEN_BACKOFF_CHILD"
	backoffMark     = "BACKOFFREPORT"
	backoffCircuit  = "backoff-processes"
)

var backoffRealOpts = runtime.Options{CoolDown: 400 * time.Millisecond, CoolDownMax: 3200 * time.Millisecond,
	EvaluationWindow: time.Minute, RateThreshold: 0.5, SampleThreshold: 3}

// backoffReport is what the child of TestBackoffWithProcesses saw: the
// reopening it learnt (its OpenedAt and cool-down, in server microseconds)
// and the server time, as it estimated it, of its first call let through.
type backoffReport struct {
	Opened, Cool, Admitted int64
}

// TestBackoffWithProcesses checks CoolDownMax with two real OS processes
// sharing a circuit: this one trips it and fails the probe after the first
// cool-down, which backs the next off in Redis; the other (the test binary
// run again) learns the reopening and its cool-down from the announcement,
// lets no call through before that cool-down has passed on the server's
// clock, then probes and closes the circuit, as this one sees.
func TestBackoffWithProcesses(t *testing.T) {
	if os.Getenv(envBackoffChild) != "" {
		backoffChild(t)
		return
	}
	c, wait := trippedWithChild(t, "TestBackoffWithProcesses", envBackoffChild+"=1", backoffCircuit, backoffRealOpts)
	ctx := context.Background()
	require.ErrorIs(t, c.Run(ctx, fail), errDependency, "the first probe runs, and fails")
	reopened, err := c.Status(ctx)
	require.NoError(t, err)
	require.Equal(t, runtime.StateOpen, reopened.State)
	require.Greater(t, reopened.CoolDown, backoffRealOpts.CoolDown, "backed off")

	var r backoffReport
	childReport(t, wait(20*time.Second), backoffMark, &r)
	assert.Equal(t, reopened.OpenedAt.UnixMicro(), r.Opened, "the reopening the child learnt")
	assert.Equal(t, reopened.CoolDown.Microseconds(), r.Cool, "the cool-down the child learnt")
	assert.GreaterOrEqual(t, r.Admitted, r.Opened+r.Cool, "the child's first call let through, in server µs")
	t.Logf("backed-off cool-down %v; the child's first call %v after the reopening",
		reopened.CoolDown, time.Duration(r.Admitted-r.Opened)*time.Microsecond)
	require.Eventually(t, func() bool {
		st, err := c.Status(ctx)
		return err == nil && st.State == runtime.StateClosed
	}, 5*time.Second, 10*time.Millisecond, "the child's probe closed the fleet's circuit")
}

// backoffChild is the other process of TestBackoffWithProcesses.
func backoffChild(t *testing.T) {
	c := childCircuit(t, backoffCircuit, backoffRealOpts)
	ctx := context.Background()
	// Wait for the reopening: an open period backed off past CoolDown.
	var seen runtime.Status
	require.Eventually(t, func() bool {
		var err error
		seen, err = c.Peek(ctx)
		return err == nil && seen.State == runtime.StateOpen && seen.CoolDown > backoffRealOpts.CoolDown
	}, 10*time.Second, time.Millisecond, "the reopening")
	for {
		a, err := c.Allow(ctx)
		if err == nil {
			now, perr := c.Peek(ctx)
			require.NoError(t, perr)
			a.Done(ctx, nil) // the probe succeeds
			printReport(t, backoffMark, backoffReport{Opened: seen.OpenedAt.UnixMicro(),
				Cool: seen.CoolDown.Microseconds(), Admitted: now.CurrentTime.UnixMicro()})
			return
		}
		require.ErrorIs(t, err, runtime.ErrOpen)
		time.Sleep(2 * time.Millisecond)
	}
}
