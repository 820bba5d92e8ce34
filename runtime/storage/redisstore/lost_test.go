package redisstore_test

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/breakergen/breakergen/internal/testing/redistest"
	"github.com/breakergen/breakergen/runtime"
	"github.com/breakergen/breakergen/runtime/storage"
	"github.com/breakergen/breakergen/runtime/storage/redisstore"
	"github.com/redis/go-redis/v9"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// Intervals of the state-loss tests: a lock is back within one refresh
// interval plus one flush interval.
const (
	lostRefresh = 100 * time.Millisecond
	lostFlush   = 50 * time.Millisecond
)

// lostFleet is two processes of a fleet and an operator's store, which locks
// as breakerctl does.
type lostFleet struct {
	a, b     *process
	operator *redisstore.Store
}

func newLostFleet(t *testing.T, client redis.UniversalClient) *lostFleet {
	opts := []redisstore.Option{redisstore.WithRefreshInterval(lostRefresh), redisstore.WithFlushInterval(lostFlush)}
	a := newProcess(t, client, nil, fleetOpts, opts...)
	b := newProcess(t, client, a.s, fleetOpts, opts...)
	return &lostFleet{a: a, b: b, operator: newStoreWithPrefix(t, client, a.s, redisstore.WithStrict())}
}

// lock locks the circuit as an operator does, and waits until both processes
// skip.
func (f *lostFleet) lock(t *testing.T, l storage.Lock) {
	t.Helper()
	require.NoError(t, bind(t, f.operator, "c", policy).Lock(context.Background(), time.Time{}, l))
	eventually(t, time.Second, "both processes learning the lock", func() bool {
		return f.a.calls(1, succeed) == 0 && f.b.calls(1, succeed) == 0
	})
}

// inspect reads the circuit as an operator does.
func (f *lostFleet) inspect(t *testing.T) redisstore.Inspection {
	t.Helper()
	in, err := f.operator.Inspect(context.Background(), "c")
	require.NoError(t, err)
	return in
}

// lostEvents counts the storage failures wrapping storage.ErrStateLost of both
// processes.
func (f *lostFleet) lostEvents() int {
	n := 0
	for _, p := range []*process{f.a, f.b} {
		for _, e := range p.events.of(runtime.EventStorageFailure) {
			if errors.Is(e.Err, storage.ErrStateLost) {
				n++
			}
		}
	}
	return n
}

// TestLockSurvivesRedisForgetting sets a lock as breakerctl does, makes Redis
// forget it (FLUSHALL; a restart without persistence; an allkeys-lru eviction)
// and checks that the processes that knew it write it back within a refresh
// and a flush interval, report storage.ErrStateLost, and never call the
// dependency meanwhile.
func TestLockSurvivesRedisForgetting(t *testing.T) {
	for _, loss := range []struct {
		name  string
		args  []string
		lose  func(t *testing.T, srv *redistest.Server, admin *redis.Client, f *lostFleet)
		quick bool // the processes' connections survive the loss
	}{
		{"flushall", nil, func(t *testing.T, _ *redistest.Server, admin *redis.Client, _ *lostFleet) {
			require.NoError(t, admin.FlushAll(context.Background()).Err())
		}, true},
		{"restart", nil, func(t *testing.T, srv *redistest.Server, _ *redis.Client, _ *lostFleet) {
			srv.Restart(t)
		}, false},
		{"allkeys-lru", []string{"--maxmemory", "4mb", "--maxmemory-policy", "allkeys-lru"}, evictLock, true},
	} {
		t.Run(loss.name, func(t *testing.T) {
			srv := redistest.Start(t, loss.args...)
			admin := srv.Client(t, nil)
			f := newLostFleet(t, srv.Client(t, nil))
			f.a.calls(1, succeed)
			f.b.calls(1, succeed)
			f.lock(t, storage.LockOpen)
			loss.lose(t, srv, admin, f)
			lostAt := time.Now()
			limit := lostRefresh + lostFlush + 250*time.Millisecond // scheduling slack
			if !loss.quick {
				limit += 2 * time.Second // the processes reconnect first
			}
			ran := 0
			eventually(t, limit, "the lock written back", func() bool {
				ran += f.a.calls(1, fail) + f.b.calls(1, fail)
				return f.inspect(t).Lock == storage.LockOpen
			})
			t.Logf("%s: the lock was back after %v", loss.name, time.Since(lostAt))
			assert.Zero(t, ran, "calls the dependency got while Redis had lost the lock")
			assert.Positive(t, f.lostEvents(), "storage failures wrapping ErrStateLost")
			assert.Zero(t, f.a.calls(10, fail)+f.b.calls(10, fail), "calls once the lock is back")
		})
	}
}

// evictLock fills the server with junk until Redis, under allkeys-lru, has
// evicted the circuit's lock.
func evictLock(t *testing.T, _ *redistest.Server, admin *redis.Client, f *lostFleet) {
	ctx := context.Background()
	key := f.a.s.Keys("c")[2]
	junk := string(make([]byte, 16<<10))
	for i := 0; ; i++ {
		require.Less(t, i, 100_000, "the lock was never evicted")
		require.NoError(t, admin.Set(ctx, fmt.Sprintf("junk:%d", i), junk, 0).Err())
		if n, err := admin.Exists(ctx, key).Result(); err == nil && n == 0 {
			return
		}
	}
}

// TestOpeningSurvivesRedisForgetting makes Redis forget an open circuit: the
// processes write the opening back, with its OpenedAt, so the cool-down goes
// on where it was.
func TestOpeningSurvivesRedisForgetting(t *testing.T) {
	srv := redistest.Start(t)
	admin := srv.Client(t, nil)
	f := newLostFleet(t, srv.Client(t, nil))
	f.b.calls(1, succeed)
	f.a.calls(3, fail)
	eventually(t, time.Second, "b learning the opening", func() bool { return f.b.calls(1, succeed) == 0 })
	opened := f.inspect(t).OpenedAt
	require.NoError(t, admin.FlushAll(context.Background()).Err())
	eventually(t, lostRefresh+lostFlush+250*time.Millisecond, "the opening written back", func() bool {
		return f.inspect(t).State == storage.StateOpen
	})
	assert.True(t, f.inspect(t).OpenedAt.Equal(opened), "the opening keeps its OpenedAt")
	assert.Zero(t, f.a.calls(5, fail)+f.b.calls(5, fail), "calls while the opening cools down")
}

// TestExplicitRemovalsAreNotUndone checks that an operator's unlock and reset,
// which processes may learn late, are never taken for state Redis lost.
func TestExplicitRemovalsAreNotUndone(t *testing.T) {
	srv := redistest.Start(t)
	f := newLostFleet(t, srv.Client(t, nil))
	ctx := context.Background()
	f.a.calls(1, succeed)
	f.b.calls(1, succeed)
	f.lock(t, storage.LockOpen)
	require.NoError(t, bind(t, f.operator, "c", policy).Lock(ctx, time.Time{}, storage.LockNone))
	eventually(t, time.Second, "both processes learning the unlock", func() bool {
		return f.a.calls(1, succeed) == 1 && f.b.calls(1, succeed) == 1
	})
	f.lock(t, storage.LockOpen)
	require.NoError(t, bind(t, f.operator, "c", policy).Reset(ctx, time.Time{}))
	eventually(t, time.Second, "both processes learning the reset", func() bool {
		return f.a.calls(1, succeed) == 1 && f.b.calls(1, succeed) == 1
	})
	time.Sleep(3 * lostRefresh) // refresh rounds that must not restore anything
	assert.Equal(t, storage.LockNone, f.inspect(t).Lock, "the lock after an unlock and a reset")
	assert.Zero(t, f.lostEvents(), "storage failures wrapping ErrStateLost")
}
