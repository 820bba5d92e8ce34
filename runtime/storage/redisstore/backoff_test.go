package redisstore_test

import (
	"context"
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
