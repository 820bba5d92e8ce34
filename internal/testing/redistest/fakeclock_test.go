package redistest

import (
	"fmt"
	"path/filepath"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestClockStepLibfaketimeMissing(t *testing.T) {
	saved := fakeTimeLibs
	t.Cleanup(func() { fakeTimeLibs = saved })
	fakeTimeLibs = []string{filepath.Join(t.TempDir(), "*", "libfaketime.so.1")}
	for _, tt := range []struct {
		require             string
		wantSkip, wantFatal bool
	}{
		{require: "", wantSkip: true},
		{require: "0", wantSkip: true},
		{require: "1", wantFatal: true},
	} {
		t.Run("require="+tt.require, func(t *testing.T) {
			t.Setenv(RequireEnv, tt.require)
			r := &recorder{TB: t}
			assert.Empty(t, FakeTimeLibrary(r))
			assert.Equal(t, tt.wantSkip, r.skipped != "", "skipped: %q", r.skipped)
			assert.Equal(t, tt.wantFatal, r.fatal != "", "fatal: %q", r.fatal)
			assert.Contains(t, r.skipped+r.fatal, "Debian package libfaketime")
		})
	}
}

// TestClockStepMovesTimeAndExpiry runs a server an hour behind, then steps its
// clock two hours forward: TIME jumps, and a key with less than the step to
// live expires at once, as on a host whose clock NTP stepped.
func TestClockStepMovesTimeAndExpiry(t *testing.T) {
	clock := NewFakeClock(t, -time.Hour)
	s := clock.Start(t)
	ctx := t.Context()
	c := s.Client(t, nil)
	now, err := c.Time(ctx).Result()
	require.NoError(t, err)
	assert.InDelta(t, -time.Hour.Seconds(), now.Sub(time.Now()).Seconds(), 5, "TIME an hour behind")
	require.NoError(t, c.Set(ctx, "short", "v", 30*time.Minute).Err())
	require.NoError(t, c.Set(ctx, "long", "v", 3*time.Hour).Err())

	clock.Step(t, 2*time.Hour)
	assert.Equal(t, time.Hour, clock.Offset())
	now, err = c.Time(ctx).Result()
	require.NoError(t, err)
	assert.InDelta(t, time.Hour.Seconds(), now.Sub(time.Now()).Seconds(), 5, "TIME an hour ahead")
	assert.ErrorIs(t, c.Get(ctx, "short").Err(), redis.Nil, "a key with 30 min to live, after a 2 h step")
	ttl, err := c.PTTL(ctx, "long").Result()
	require.NoError(t, err)
	assert.InDelta(t, time.Hour.Seconds(), ttl.Seconds(), 60, "the TTL left of a key with 3 h to live, after a 2 h step")
}

// TestClockStepBackKeepsTheCron steps a server's clock back: its cron, timed
// by the monotonic clock libfaketime leaves real, still runs, so keys expire
// without being read (active expiry). With the monotonic clock faked too, the
// cron would stop until real time caught up with the step.
func TestClockStepBackKeepsTheCron(t *testing.T) {
	clock := NewFakeClock(t, 0)
	s := clock.Start(t)
	ctx := t.Context()
	c := s.Client(t, nil)
	clock.Step(t, -3*time.Hour)
	const keys = 20
	for i := range keys {
		require.NoError(t, c.Set(ctx, fmt.Sprintf("k%d", i), "v", 50*time.Millisecond).Err())
	}
	// DBSIZE counts expired keys until something deletes them; nothing reads
	// them, so only the cron's active expiry can.
	require.EventuallyWithT(t, func(c2 *assert.CollectT) {
		n, err := c.DBSize(ctx).Result()
		assert.NoError(c2, err)
		assert.Zero(c2, n, "keys left")
	}, 10*time.Second, 20*time.Millisecond, "active expiry after a step back")

	// A restart keeps the server on the clock.
	s.Kill(t)
	s.Restart(t)
	now, err := c.Time(ctx).Result()
	require.NoError(t, err)
	assert.InDelta(t, (-3 * time.Hour).Seconds(), now.Sub(time.Now()).Seconds(), 5, "TIME after a restart")
}
