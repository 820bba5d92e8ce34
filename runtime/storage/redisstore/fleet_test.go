package redisstore_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/breakergen/breakergen/internal/testing/faultproxy"
	"github.com/breakergen/breakergen/internal/testing/redistest"
	"github.com/breakergen/breakergen/runtime"
	"github.com/breakergen/breakergen/runtime/storage"
	"github.com/breakergen/breakergen/runtime/storage/redisstore"
	"github.com/redis/go-redis/v9"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"
)

// target is a Redis to run a fleet test against: a standalone server or a
// three-master cluster.
type target struct {
	name   string
	client func(t *testing.T) redis.UniversalClient
	// admins returns a client of every server, for CLIENT KILL and the like.
	admins func(t *testing.T) []*redis.Client
}

func targets(t *testing.T) []target {
	srv := redistest.Start(t)
	cluster := redistest.StartCluster(t, 3)
	return []target{
		{"standalone", func(t *testing.T) redis.UniversalClient { return srv.Client(t, nil) },
			func(t *testing.T) []*redis.Client { return []*redis.Client{srv.Client(t, nil)} }},
		{"cluster", func(t *testing.T) redis.UniversalClient { return cluster.Client(t, nil) },
			func(t *testing.T) []*redis.Client {
				var out []*redis.Client
				for _, m := range cluster.Masters {
					out = append(out, m.Client(t, nil))
				}
				return out
			}},
	}
}

// fleetBreaker returns a breaker on a new fleet store of client that shares
// like's prefix (a new prefix when like is nil), and the store.
func fleetBreaker(t *testing.T, client redis.UniversalClient, like *redisstore.Store, opts ...redisstore.Option) (*runtime.Breaker, *redisstore.Store) {
	t.Helper()
	var s *redisstore.Store
	if like == nil {
		s = newStore(t, client, opts...)
	} else {
		s = newStoreWithPrefix(t, client, like, opts...)
	}
	t.Cleanup(func() { _ = s.Shutdown(context.Background()) })
	return runtime.MustNew(runtime.WithStorage(s), runtime.WithStorageTimeout(protocolTimeout)), s
}

var fleetOpts = runtime.Options{CoolDown: time.Minute, EvaluationWindow: time.Minute, RateThreshold: 0.5, SampleThreshold: 3}

// TestFleetClosedCallsMakeNoRoundTrip checks that closed-state calls decide and
// count locally: a thousand successes send no command of their own, only the
// flushes, at most one per flush interval.
func TestFleetClosedCallsMakeNoRoundTrip(t *testing.T) {
	srv := redistest.Start(t)
	client := srv.Client(t, nil)
	sent := &counter{}
	client.AddHook(sent)
	b, _ := fleetBreaker(t, client, nil, redisstore.WithFlushInterval(redisstore.MaxFlushInterval))
	c := b.Circuit("c", fleetOpts)
	ctx := context.Background()
	require.NoError(t, c.Run(ctx, succeed)) // the first call reads the status
	before := sent.get()
	for range 1000 {
		require.NoError(t, c.Run(ctx, succeed))
	}
	assert.Zero(t, sent.get()-before, "commands sent for 1000 closed successes")
	st, err := c.Status(ctx)
	require.NoError(t, err)
	assert.Equal(t, 1001, st.SampleSize, "Status counts the outcomes not yet flushed")
}

// TestFleetFlush checks that Flush sends what was counted at once, without
// waiting for the flush interval, and that a strict store's Flush does nothing.
func TestFleetFlush(t *testing.T) {
	srv := redistest.Start(t)
	client := srv.Client(t, nil)
	b, s := fleetBreaker(t, client, nil, redisstore.WithFlushInterval(redisstore.MaxFlushInterval))
	c := b.Circuit("c", fleetOpts)
	ctx := context.Background()
	for range 5 {
		require.NoError(t, c.Run(ctx, succeed))
	}
	in, err := s.Inspect(ctx, "c")
	require.NoError(t, err)
	_, samples := in.Counts()
	require.Less(t, samples, 5, "nothing flushed yet but the first call's outcome at most")
	require.NoError(t, s.Flush(ctx))
	in, err = s.Inspect(ctx, "c")
	require.NoError(t, err)
	_, samples = in.Counts()
	assert.Equal(t, 5, samples)
	require.NoError(t, s.Flush(ctx), "a second flush has nothing to send")
	in, err = s.Inspect(ctx, "c")
	require.NoError(t, err)
	_, samples = in.Counts()
	assert.Equal(t, 5, samples, "nothing counted twice")

	strict := newStore(t, client, redisstore.WithStrict())
	assert.NoError(t, strict.Flush(ctx))
}

// TestFleetFlushTakesACircuitOnce checks that a flush given a circuit twice
// (a round's dirty list can hold it twice) sends its outcomes once and does
// not wait for the flushing token it already holds: it once did, until the
// round's deadline, so no flush of the circuit reached Redis for a second and
// a fleet whose processes had opened on their own windows never opened.
func TestFleetFlushTakesACircuitOnce(t *testing.T) {
	srv := redistest.Start(t)
	client := srv.Client(t, nil)
	s := newStore(t, client, redisstore.WithFlushInterval(redisstore.MaxFlushInterval))
	h := bind(t, s, "c", policy)
	_, err := h.Status(t.Context(), time.Now()) // learns the server's clock, which numbers the buckets
	require.NoError(t, err)
	for range 3 {
		h.(storage.HotPath).Succeeded(0)
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Second)
	defer cancel()
	require.NoError(t, redisstore.FlushListedTwice(ctx, h))
	in, err := s.Inspect(t.Context(), "c")
	require.NoError(t, err)
	_, samples := in.Counts()
	assert.Equal(t, 3, samples, "counted once")
}

// TestFleetDeferredOutcomesCountOnce checks that the outcomes a storage proxy
// defers (it refused their Record) reach the fleet's window with the next
// flush, once, a probe's as a plain outcome. A process cut off from Redis
// once lost them, and the calls it ran were missing from the fleet's counts.
func TestFleetDeferredOutcomesCountOnce(t *testing.T) {
	srv := redistest.Start(t)
	client := srv.Client(t, nil)
	s := newStore(t, client, redisstore.WithFlushInterval(redisstore.MaxFlushInterval))
	h := bind(t, s, "c", policy)
	_, err := h.Status(t.Context(), time.Now()) // learns the server's clock, which numbers the buckets
	require.NoError(t, err)
	d, ok := h.(storage.Deferrer)
	require.True(t, ok, "a fleet handle is a storage.Deferrer")
	for _, success := range []bool{true, true, true, false} {
		d.Defer(storage.Outcome{Success: success, Probe: !success})
	}
	require.NoError(t, s.Flush(t.Context()))
	require.NoError(t, s.Flush(t.Context()), "a second flush has nothing to send")
	in, err := s.Inspect(t.Context(), "c")
	require.NoError(t, err)
	failures, samples := in.Counts()
	assert.Equal(t, 1, failures)
	assert.Equal(t, 4, samples, "counted once")
	assert.Equal(t, storage.StateClosed, in.State, "a probe's outcome deferred closes or reopens nothing")
}

// TestFleetProbeOutcomeCountsOnce checks that a probe's outcome, which a fleet
// store sends at once, counts once in the fleet's window when its script
// fails: whether Redis ran it and the reply was lost, or it never arrived.
// It was once lost with its script.
func TestFleetProbeOutcomeCountsOnce(t *testing.T) {
	srv := redistest.Start(t)
	p := faultproxy.Start(t, srv.Addr())
	client := redis.NewClient(&redis.Options{Addr: p.Addr(), ReadTimeout: 200 * time.Millisecond, MaxRetries: -1})
	t.Cleanup(func() { _ = client.Close() })
	s := newStore(t, client, redisstore.WithFlushInterval(redisstore.MaxFlushInterval))
	h := bind(t, s, "c", policy)
	ctx := t.Context()
	_, err := h.Status(ctx, time.Now()) // learns the server's clock, which numbers the buckets
	require.NoError(t, err)
	probe := storage.Outcome{Success: true, Probe: true, OpenedAt: time.Now().Add(-time.Minute)}
	for i, fault := range []func(){func() { p.ResetReplies(1, 1) }, p.Refuse} {
		fault()
		_, err = h.Record(ctx, time.Now(), probe)
		require.Error(t, err, "fault %d", i+1)
		p.Heal()
		require.Eventually(t, func() bool { return s.Flush(ctx) == nil }, 5*time.Second, 10*time.Millisecond)
		in, err := s.Inspect(ctx, "c")
		require.NoError(t, err)
		_, samples := in.Counts()
		assert.Equal(t, i+1, samples, "fault %d: every probe's outcome, once", i+1)
	}
}

// TestFleetOpensFast checks that a single process behaves as a strict one:
// three failures of three open the shared circuit before the third call
// returns, without waiting for a flush.
func TestFleetOpensFast(t *testing.T) {
	srv := redistest.Start(t)
	rec := &recorder{typ: runtime.EventOpened}
	s := newStore(t, srv.Client(t, nil), redisstore.WithFlushInterval(redisstore.MaxFlushInterval))
	t.Cleanup(func() { _ = s.Shutdown(context.Background()) })
	b := runtime.MustNew(runtime.WithStorage(s), runtime.WithStorageTimeout(protocolTimeout), runtime.WithListener(rec, runtime.EventOpened))
	c := b.Circuit("c", fleetOpts)
	ctx := context.Background()
	for range 3 {
		require.ErrorIs(t, c.Run(ctx, fail), errDependency)
	}
	other := newStoreWithPrefix(t, srv.Client(t, nil), s, redisstore.WithStrict())
	st, err := bind(t, other, "c", policy).Status(ctx, time.Time{})
	require.NoError(t, err)
	assert.Equal(t, storage.StateOpen, st.State, "the shared circuit, read by another store")
	assert.Equal(t, 1, rec.count(), "EventOpened")
	assert.ErrorIs(t, c.Run(ctx, succeed), runtime.ErrOpen, "the next call")
}

// TestFleetPropagation measures how long another process takes to act on an
// opening, a LockOpen and an Unlock: each is announced, so it must take
// milliseconds, and fails the test above 250ms on loopback.
func TestFleetPropagation(t *testing.T) {
	for _, tg := range targets(t) {
		t.Run(tg.name, func(t *testing.T) {
			ctx := context.Background()
			a, sa := fleetBreaker(t, tg.client(t), nil)
			b, _ := fleetBreaker(t, tg.client(t), sa)
			ca, cb := a.Circuit("c", fleetOpts), b.Circuit("c", fleetOpts)
			require.NoError(t, cb.Run(ctx, succeed)) // b knows the circuit
			skips := func() bool { return errors.Is(cb.Run(ctx, succeed), runtime.ErrOpen) }
			for range 3 {
				_ = ca.Run(ctx, fail)
			}
			took := eventually(t, 250*time.Millisecond, "b acting on a's opening", skips)
			t.Logf("%s: opening acted on after %v", tg.name, took)
			require.NoError(t, ca.Reset(ctx))
			eventually(t, 250*time.Millisecond, "b acting on a's reset", func() bool { return !skips() })
			require.NoError(t, ca.LockOpen(ctx))
			took = eventually(t, 250*time.Millisecond, "b acting on a's LockOpen", skips)
			t.Logf("%s: LockOpen acted on after %v", tg.name, took)
			require.NoError(t, ca.Unlock(ctx))
			took = eventually(t, 250*time.Millisecond, "b acting on a's Unlock", func() bool { return !skips() })
			t.Logf("%s: Unlock acted on after %v", tg.name, took)
		})
	}
}

// TestFleetPubSubLost kills the subscription's connection before a change, so
// its announcement is lost: the refresh repairs the cached status within the
// refresh interval.
func TestFleetPubSubLost(t *testing.T) {
	for _, tg := range targets(t) {
		t.Run(tg.name, func(t *testing.T) {
			ctx := context.Background()
			const refresh = 300 * time.Millisecond
			a, sa := fleetBreaker(t, tg.client(t), nil)
			b, _ := fleetBreaker(t, tg.client(t), sa, redisstore.WithRefreshInterval(refresh))
			ca, cb := a.Circuit("c", fleetOpts), b.Circuit("c", fleetOpts)
			require.NoError(t, ca.LockOpen(ctx))
			eventually(t, time.Second, "b seeing the lock", func() bool { return errors.Is(cb.Run(ctx, succeed), runtime.ErrOpen) })
			for _, admin := range tg.admins(t) {
				require.NoError(t, admin.Do(ctx, "CLIENT", "KILL", "TYPE", "pubsub").Err())
			}
			require.NoError(t, ca.Unlock(ctx))
			took := eventually(t, refresh+time.Second, "b repairing its cache after the lost announcement", func() bool {
				return cb.Run(ctx, succeed) == nil
			})
			t.Logf("%s: repaired after %v (refresh interval %v)", tg.name, took, refresh)
			// The subscription comes back by itself (go-redis reconnects on the
			// next receive; a lock set meanwhile is read by the refresh its
			// return asks for): announcements reach b again.
			time.Sleep(refresh)
			require.NoError(t, ca.LockOpen(ctx))
			eventually(t, 250*time.Millisecond, "b acting on a lock announced after the reconnect",
				func() bool { return errors.Is(cb.Run(ctx, succeed), runtime.ErrOpen) })
		})
	}
}

// TestFleetShutdown checks that Shutdown flushes what was counted, stops every
// goroutine and subscription of the store, and may be called again.
func TestFleetShutdown(t *testing.T) {
	srv := redistest.Start(t)
	client := redis.NewClient(&redis.Options{Addr: srv.Addr()})
	defer goleak.VerifyNone(t, goleak.IgnoreCurrent())
	s, err := redisstore.New(client, redisstore.WithPrefix(uniquePrefix()), redisstore.WithFlushInterval(redisstore.MaxFlushInterval))
	require.NoError(t, err)
	b := runtime.MustNew(runtime.WithStorage(s))
	c := b.Circuit("c", fleetOpts)
	ctx := context.Background()
	for range 10 {
		require.NoError(t, c.Run(ctx, succeed))
	}
	require.NoError(t, s.Shutdown(ctx))
	require.NoError(t, s.Shutdown(ctx), "a second Shutdown")
	other := newStoreWithPrefix(t, srv.Client(t, nil), s, redisstore.WithStrict())
	st, err := bind(t, other, "c", policy).Status(ctx, time.Time{})
	require.NoError(t, err)
	assert.Equal(t, 10, st.Samples, "outcomes flushed by Shutdown")
	require.NoError(t, c.Run(ctx, succeed), "a call after Shutdown runs, as in a strict store")
	require.NoError(t, client.Close())
}

// TestFleetShutdownSendsWhatWaits checks that Shutdown sends both a batch that
// failed earlier and waits to be sent again, and what the ring counted after
// it, which the flush that sends the waiting batch does not take.
func TestFleetShutdownSendsWhatWaits(t *testing.T) {
	srv := redistest.Start(t)
	p := faultproxy.Start(t, srv.Addr())
	client := redis.NewClient(&redis.Options{Addr: p.Addr(), ReadTimeout: 200 * time.Millisecond, MaxRetries: -1})
	t.Cleanup(func() { _ = client.Close() })
	b, s := fleetBreaker(t, client, nil, redisstore.WithFlushInterval(redisstore.MaxFlushInterval))
	c := b.Circuit("c", fleetOpts)
	ctx := context.Background()
	for range 10 {
		require.NoError(t, c.Run(ctx, succeed))
	}
	p.Blackhole()
	short, cancel := context.WithTimeout(ctx, 300*time.Millisecond)
	defer cancel()
	require.Error(t, s.Flush(short), "a flush into a blackhole")
	for range 5 {
		require.NoError(t, c.Run(ctx, succeed))
	}
	p.Heal()
	require.NoError(t, s.Shutdown(ctx))
	other := newStoreWithPrefix(t, srv.Client(t, nil), s, redisstore.WithStrict())
	in, err := other.Inspect(ctx, "c")
	require.NoError(t, err)
	_, samples := in.Counts()
	assert.Equal(t, 15, samples, "the waiting batch and the ring's outcomes since, each once")
}

// TestFleetRing checks fleet mode on a *redis.Ring of two servers: each
// circuit's announcements go through the shard that owns its keys, so a lock
// set by one process reaches another long before its refresh interval, on
// every shard.
func TestFleetRing(t *testing.T) {
	a, b := redistest.Start(t), redistest.Start(t)
	ring := func() *redis.Ring {
		r := redis.NewRing(&redis.RingOptions{Addrs: map[string]string{"a": a.Addr(), "b": b.Addr()}})
		t.Cleanup(func() { _ = r.Close() })
		return r
	}
	ba, sa := fleetBreaker(t, ring(), nil)
	bb, _ := fleetBreaker(t, ring(), sa, redisstore.WithRefreshInterval(redisstore.MaxRefreshInterval))
	ctx := context.Background()
	names := []string{"c0", "c1", "c2", "c3", "c4", "c5", "c6", "c7"}
	for _, name := range names {
		require.NoError(t, bb.Circuit(name, fleetOpts).Run(ctx, succeed))
	}
	for _, name := range names {
		require.NoError(t, ba.Circuit(name, fleetOpts).LockOpen(ctx))
		eventually(t, time.Second, "the other process seeing the lock on "+name, func() bool {
			return errors.Is(bb.Circuit(name, fleetOpts).Run(ctx, succeed), runtime.ErrOpen)
		})
	}
	listed, err := sa.List(ctx)
	require.NoError(t, err)
	assert.ElementsMatch(t, names, listed, "List over both shards")
	for _, srv := range []*redistest.Server{a, b} {
		n, err := srv.Client(t, nil).DBSize(ctx).Result()
		require.NoError(t, err)
		assert.Positive(t, n, "keys on the shard %s", srv.Addr())
	}
}
