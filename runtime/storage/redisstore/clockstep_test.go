package redisstore_test

import (
	"context"
	"fmt"
	"net"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/breakergen/breakergen/internal/testing/redistest"
	"github.com/breakergen/breakergen/runtime/storage"
	"github.com/breakergen/breakergen/runtime/storage/redisstore"
)

// The clock-step tests run redis-server under a fake wall clock
// (redistest.FakeClock, libfaketime) and step it as NTP or an operator would,
// or fail over to a replica whose clock differs. Redis keeps a key's expiry as
// an instant of its wall clock (and sends a replica that instant): a step
// forward by d ages every key by d. What the store promises across a step is
// what it promises across time: the flush script keeps a process's sequence
// numbers at least the window and a bucket after the last batch it counted
// (count and expire_longer in lua/prelude.lua), so a replay within that,
// however the server's clock got there, counts nothing; a circuit's state
// lives StateTTL plus CoolDown after its last change, and a lock without
// WithLockTTL never expires.

// clockStepCircuit is the circuit the clock-step tests record to.
const clockStepCircuit = "c"

// clockStepPolicy counts outcomes in window and never opens on them.
func clockStepPolicy(window time.Duration) storage.Policy {
	return storage.Policy{CoolDown: time.Hour, EvaluationWindow: window, RateThreshold: 1, SampleThreshold: 1 << 30}
}

// sequenceRetention is how long the design keeps a batch's sequence number after its
// last batch, in the server's time: the window and one bucket (the default
// 10 buckets), the window key's TTL.
func sequenceRetention(window time.Duration) time.Duration {
	return window + window/redisstore.DefaultBuckets
}

// heldCounts returns the outcomes the circuit's bucket hash holds, in every bucket of
// every geometry, in the window or out of it: what Redis counted and has not
// dropped. A batch counted twice shows here even where no window reads both
// counts.
func heldCounts(t *testing.T, c *redis.Client, s *redisstore.Store) int {
	t.Helper()
	fields, err := c.HGetAll(t.Context(), s.Keys(clockStepCircuit)[1]).Result()
	require.NoError(t, err)
	n := 0
	for field, v := range fields {
		succ, fail, ok := strings.Cut(v, ":")
		require.True(t, ok, "bucket %s = %q", field, v)
		a, err := strconv.Atoi(succ)
		require.NoError(t, err, "bucket %s = %q", field, v)
		b, err := strconv.Atoi(fail)
		require.NoError(t, err, "bucket %s = %q", field, v)
		n += a + b
	}
	return n
}

// keyExists reports whether key is in Redis, as the server's clock has it.
func keyExists(t *testing.T, c *redis.Client, key string) bool {
	t.Helper()
	n, err := c.Exists(t.Context(), key).Result()
	require.NoError(t, err)
	return n == 1
}

// windowSamples reads the circuit's window through h.
func windowSamples(t *testing.T, h storage.Handle) int {
	t.Helper()
	st, err := h.Status(t.Context(), time.Time{})
	require.NoError(t, err)
	return st.Samples
}

// TestClockStepReplayCountsOnce records a batch with a sequence number, steps
// the server's clock forward, and sends the batch again, as go-redis retrying
// a script whose reply was lost, or a fleet store resending a batch, would.
// Within the sequences' retention it counts nothing, whether the first count
// is still in the window or the step took it out. A step past the retention
// ages the sequences out with the buckets that hold the first count: Redis
// never holds the batch twice, and the window never counts it twice.
func TestClockStepReplayCountsOnce(t *testing.T) {
	for _, tc := range []struct {
		name         string
		window, step time.Duration
		inWindow     bool // the first count is still in the window after the step
	}{
		{name: "24h window, 2h step", window: 24 * time.Hour, step: 2 * time.Hour, inWindow: true},
		{name: "24h window, step past the window", window: 24 * time.Hour, step: 24*time.Hour + 72*time.Minute},
		{name: "1m window, step past the window", window: time.Minute, step: time.Minute + 3*time.Second},
		{name: "1m window, 2h step past the retention", window: time.Minute, step: 2 * time.Hour},
		{name: "24h window, 3-day step past the retention", window: 24 * time.Hour, step: 72 * time.Hour},
	} {
		t.Run(tc.name, func(t *testing.T) {
			clock := redistest.NewFakeClock(t, 0)
			srv := clock.Start(t)
			c := srv.Client(t, nil)
			s := newStore(t, c, redisstore.WithStrict())
			h := bind(t, s, clockStepCircuit, clockStepPolicy(tc.window))
			ctx := t.Context()
			keys := s.Keys(clockStepCircuit)
			_, err := redisstore.RecordSeq(ctx, h, storage.Outcome{Success: true}, 7)
			require.NoError(t, err)
			require.Equal(t, 1, heldCounts(t, c, s), "the first count")
			require.Equal(t, 1, windowSamples(t, h), "the window before the step")

			clock.Step(t, tc.step)
			kept := tc.step < sequenceRetention(tc.window)
			// Expiry follows the server's clock: the step ages the sequences
			// and the buckets alike.
			assert.Equal(t, kept, keyExists(t, c, keys[3]), "the sequences after the step")
			assert.Equal(t, kept, keyExists(t, c, keys[1]), "the buckets after the step")
			_, err = redisstore.RecordSeq(ctx, h, storage.Outcome{Success: true}, 7)
			require.NoError(t, err)
			if kept {
				assert.Equal(t, 1, heldCounts(t, c, s), "counts held after the replay")
				want := 0
				if tc.inWindow {
					want = 1
				}
				assert.Equal(t, want, windowSamples(t, h), "the window after the replay")
				return
			}
			// Past the retention the replay finds neither its sequence nor
			// its first count, and counts again in the current bucket: the
			// outcome is counted once in any window, and Redis holds it
			// once.
			n, w := heldCounts(t, c, s), windowSamples(t, h)
			t.Logf("past the retention: the replay left %d count held, %d in the window (1 and 1: counted again, its first count and sequence expired together)", n, w)
			assert.LessOrEqual(t, n, 1, "counts held after the replay")
			assert.LessOrEqual(t, w, 1, "the window after the replay")
		})
	}
}

// TestClockStepKeepsStateLockAndTokens opens a circuit, locks it, reserves its
// probe with a token and steps the server's clock forward past the cool-down:
// the opening, the lock, the reservation's token and the opening batch's
// transition token are all still there, so the opening batch sent again
// returns the transition its first run made and counts nothing, and the
// reservation sent again wins again. The state then expires when its TTL
// (StateTTL plus CoolDown) has passed on the server's clock, counting the
// step as time that passed, not before; the lock, without WithLockTTL, stays.
func TestClockStepKeepsStateLockAndTokens(t *testing.T) {
	const stateTTL = 3 * time.Hour
	clock := redistest.NewFakeClock(t, 0)
	srv := clock.Start(t)
	c := srv.Client(t, nil)
	s := newStore(t, c, redisstore.WithStrict(), redisstore.WithStateTTL(stateTTL))
	p := storage.Policy{CoolDown: time.Hour, EvaluationWindow: 24 * time.Hour, RateThreshold: 1, SampleThreshold: 1}
	h := bind(t, s, clockStepCircuit, p)
	ctx := t.Context()
	keys := s.Keys(clockStepCircuit)

	res, err := redisstore.RecordSeq(ctx, h, storage.Outcome{}, 1)
	require.NoError(t, err)
	require.Equal(t, storage.TransitionOpened, res.Transition, "the failure's transition")
	opened := res.Status.OpenedAt
	require.NoError(t, h.Lock(ctx, time.Time{}, storage.LockOpen))
	reserved, won, err := redisstore.ReserveToken(ctx, h, opened, time.Time{}, "probe-token")
	require.NoError(t, err)
	require.True(t, won, "the reservation")
	// The reservation was the state's last change: its TTL runs from here.

	clock.Step(t, 2*time.Hour)
	st, err := h.Status(ctx, time.Time{})
	require.NoError(t, err)
	assert.Equal(t, storage.StateOpen, st.State)
	assert.Equal(t, storage.LockOpen, st.Lock)
	assert.True(t, opened.Equal(st.OpenedAt), "OpenedAt %v, want %v", st.OpenedAt, opened)
	assert.True(t, reserved.Equal(st.ReservedAt), "ReservedAt %v, want %v", st.ReservedAt, reserved)

	res, err = redisstore.RecordSeq(ctx, h, storage.Outcome{}, 1)
	require.NoError(t, err)
	assert.Equal(t, storage.TransitionOpened, res.Transition, "the replayed batch's transition, its first run's")
	assert.Equal(t, 1, heldCounts(t, c, s), "counts held after the replay")
	again, won, err := redisstore.ReserveToken(ctx, h, opened, time.Time{}, "probe-token")
	require.NoError(t, err)
	assert.True(t, won, "the reservation sent again, with its token")
	assert.True(t, reserved.Equal(again), "the reservation sent again: %v, want %v", again, reserved)

	ttl := stateTTL + p.CoolDown // 4h: the step so far took 2h of it
	clock.Step(t, ttl-2*time.Hour-10*time.Minute)
	assert.True(t, keyExists(t, c, keys[0]), "the state 10 min before its TTL, on the server's clock")
	clock.Step(t, 20*time.Minute)
	assert.False(t, keyExists(t, c, keys[0]), "the state 10 min after its TTL, on the server's clock")
	lock, err := c.Get(ctx, keys[2]).Result()
	require.NoError(t, err)
	assert.Equal(t, "open", lock, "the lock, which has no TTL")
}

// TestClockStepReplicaReplayCountsOnce records a batch on a master, waits for
// its replica (whose clock is 2 h behind or ahead of the master's) to
// acknowledge it, promotes the replica (REPLICAOF NO ONE), moves the client to
// it (the master is killed, as in a failover) and sends the batch again.
// Redis sends a replica each key's expiry as an instant, so a replica behind
// keeps every key longer and one ahead expires them 2 h early: within the
// sequences' retention the replay counts nothing; past it (a 1-minute window,
// a replica 2 h ahead) the first count is gone with its sequence, and Redis
// still holds the batch no more than once.
func TestClockStepReplicaReplayCountsOnce(t *testing.T) {
	for _, tc := range []struct {
		name           string
		offset, window time.Duration
	}{
		{name: "replica 2h behind, 24h window", offset: -2 * time.Hour, window: 24 * time.Hour},
		{name: "replica 2h ahead, 24h window", offset: 2 * time.Hour, window: 24 * time.Hour},
		{name: "replica 2h behind, 1m window", offset: -2 * time.Hour, window: time.Minute},
		{name: "replica 2h ahead, 1m window", offset: 2 * time.Hour, window: time.Minute},
	} {
		t.Run(tc.name, func(t *testing.T) {
			master := redistest.Start(t, "--repl-diskless-sync-delay", "0")
			clock := redistest.NewFakeClock(t, tc.offset)
			replica := clock.Start(t, "--replicaof", "127.0.0.1", strconv.Itoa(master.Port()))

			// The store's client dials whichever server is the master.
			var target atomic.Pointer[string]
			addr := master.Addr()
			target.Store(&addr)
			client := redis.NewClient(&redis.Options{
				Addr: addr,
				Dialer: func(ctx context.Context, network, _ string) (net.Conn, error) {
					var d net.Dialer
					return d.DialContext(ctx, network, *target.Load())
				},
			})
			t.Cleanup(func() { _ = client.Close() })
			s := newStore(t, client, redisstore.WithStrict())
			h := bind(t, s, clockStepCircuit, clockStepPolicy(tc.window))
			ctx := t.Context()
			keys := s.Keys(clockStepCircuit)
			_, err := redisstore.RecordSeq(ctx, h, storage.Outcome{Success: true}, 7)
			require.NoError(t, err)
			waitReplicaAck(t, master)

			rc := replica.Client(t, nil)
			require.NoError(t, rc.ReplicaOf(ctx, "NO", "ONE").Err())
			addr = replica.Addr()
			target.Store(&addr)
			master.Kill(t)

			kept := tc.offset < sequenceRetention(tc.window)
			assert.Equal(t, kept, keyExists(t, rc, keys[3]), "the sequences on the promoted replica")
			require.EventuallyWithT(t, func(c *assert.CollectT) {
				_, err := redisstore.RecordSeq(ctx, h, storage.Outcome{Success: true}, 7)
				assert.NoError(c, err, "the replay on the promoted replica")
			}, 10*time.Second, 20*time.Millisecond, "the replay on the promoted replica")
			if !kept {
				n := heldCounts(t, rc, s)
				t.Logf("past the retention: the replay left %d count held (1: counted again, its first count and sequence expired together)", n)
				assert.LessOrEqual(t, n, 1, "counts held after the replay")
				return
			}
			assert.Equal(t, 1, heldCounts(t, rc, s), "counts held after the replay")
			if tc.window < 24*time.Hour {
				return // the first count may have left a 1-minute window by now
			}
			// The replica's clock corrected, the window reads the batch
			// once (2 h behind, it held a bucket of its future).
			clock.Step(t, -tc.offset)
			assert.Equal(t, 1, windowSamples(t, h), "the window on the promoted replica, its clock corrected")
		})
	}
}

// waitReplicaAck waits until a replica of master acknowledges every write
// master has taken: WAIT counts the writes of its own connection, and a
// replica that acknowledges this one's has the earlier ones.
func waitReplicaAck(t *testing.T, master *redistest.Server) {
	t.Helper()
	conn := master.Client(t, nil).Conn()
	t.Cleanup(func() { _ = conn.Close() })
	ctx := t.Context()
	deadline := time.Now().Add(30 * time.Second) // the replica's first synchronisation
	for i := 0; ; i++ {
		require.NoError(t, conn.Set(ctx, "clockstep-marker", i, 0).Err())
		n, err := conn.Do(ctx, "WAIT", 1, 100).Int()
		require.NoError(t, err)
		if n >= 1 {
			return
		}
		require.True(t, time.Now().Before(deadline), fmt.Sprintf("no replica of %s acknowledged within 30s", master.Addr()))
	}
}
