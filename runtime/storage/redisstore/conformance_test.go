package redisstore_test

import (
	"context"
	"testing"
	"time"

	"github.com/breakergen/breakergen/internal/testing/redistest"
	"github.com/breakergen/breakergen/runtime/storage"
	"github.com/breakergen/breakergen/runtime/storage/redisstore"
	"github.com/breakergen/breakergen/runtime/storage/storagetest"
	"github.com/redis/go-redis/v9"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestConformance runs the storage conformance suite against a standalone Redis,
// each subtest on a prefix of its own, in fleet and strict mode, with the
// cases of the policies a store applies (CoolDownMax; the others skip).
func TestConformance(t *testing.T) {
	_, client := server(t)
	for _, mode := range []struct {
		name string
		opts []redisstore.Option
	}{{"fleet", nil}, {"strict", []redisstore.Option{redisstore.WithStrict()}}} {
		t.Run(mode.name, func(t *testing.T) {
			storagetest.Run(t, storagetest.Harness{
				New:      func(t *testing.T) storage.Storage { return newStore(t, client, mode.opts...) },
				Advance:  advance,
				Policies: true,
			})
		})
	}
}

// TestClusterConformance runs the suite against a three-master Redis Cluster.
func TestClusterConformance(t *testing.T) {
	client := redistest.StartCluster(t, 3).Client(t, nil)
	storagetest.Run(t, storagetest.Harness{
		New:      func(t *testing.T) storage.Storage { return newStore(t, client) },
		Advance:  advance,
		Policies: true,
	})
}

// TestSentinelConformance runs the suite through a Sentinel failover client.
func TestSentinelConformance(t *testing.T) {
	client := redistest.StartSentinel(t, redistest.Start(t), "breakergen").Client(t, nil)
	storagetest.Run(t, storagetest.Harness{
		New:      func(t *testing.T) storage.Storage { return newStore(t, client) },
		Advance:  advance,
		Policies: true,
	})
}

// TestRingConformance runs the suite through a *redis.Ring of two servers.
func TestRingConformance(t *testing.T) {
	client := redis.NewRing(&redis.RingOptions{Addrs: map[string]string{"a": redistest.Start(t).Addr(), "b": redistest.Start(t).Addr()}})
	t.Cleanup(func() { _ = client.Close() })
	storagetest.Run(t, storagetest.Harness{
		New:      func(t *testing.T) storage.Storage { return newStore(t, client) },
		Advance:  advance,
		Policies: true,
	})
}

// TestCluster checks that every key of a circuit lies in one slot, whatever its
// name holds, and that List and Clear see circuits on every master.
func TestCluster(t *testing.T) {
	cluster := redistest.StartCluster(t, 3)
	client := cluster.Client(t, nil)
	ctx := context.Background()
	s := newStore(t, client)
	names := []string{"payments", "a{b}c", "}{", "{x", "%7D", "x}", "users.get", "orders", "search", "auth"}
	slots := make(map[int64]bool)
	for _, n := range names {
		var slot int64 = -1
		for _, k := range s.Keys(n) {
			got, err := client.ClusterKeySlot(ctx, k).Result()
			require.NoError(t, err)
			if slot >= 0 {
				require.Equal(t, slot, got, "keys of %q lie in two slots", n)
			}
			slot = got
		}
		slots[slot] = true
		// Record (three keys), Lock (a fourth) and a transition all in one slot.
		h := bind(t, s, n, policy)
		_, err := h.Record(ctx, time.Time{}, storage.Outcome{})
		require.NoError(t, err, "Record(%q)", n)
		require.NoError(t, h.Lock(ctx, time.Time{}, storage.LockClosed))
		ok, err := h.(storage.Operator).Open(ctx, time.Time{})
		require.True(t, ok && err == nil, "Open(%q) = %v, %v", n, ok, err)
	}
	require.GreaterOrEqual(t, len(slots), 3, "the test needs the circuits spread over slots")
	masters := make(map[string]bool)
	for _, n := range names {
		k := s.Keys(n)[0]
		for _, m := range cluster.Masters {
			c := redis.NewClient(&redis.Options{Addr: m.Addr()})
			if c.Exists(ctx, k).Val() == 1 {
				masters[m.Addr()] = true
			}
			c.Close()
		}
	}
	require.Len(t, masters, len(cluster.Masters), "the test needs circuits on every master")
	got, err := s.List(ctx)
	require.NoError(t, err)
	assert.Len(t, got, len(names))
	require.NoError(t, s.Clear(ctx))
	got, err = s.List(ctx)
	assert.NoError(t, err)
	assert.Empty(t, got, "List after Clear")
}

// fleetHarness makes the processes of a fleet: stores of one prefix on
// client, each with the quorum asked for and opts.
func fleetHarness(client redis.UniversalClient, opts ...redisstore.Option) storagetest.FleetHarness {
	return storagetest.FleetHarness{
		New: func(t *testing.T, n, quorum int) []storage.Storage {
			prefix := redisstore.WithPrefix(uniquePrefix())
			var out []storage.Storage
			for range n {
				s, err := redisstore.New(client, append([]redisstore.Option{prefix, redisstore.WithQuorum(quorum)}, opts...)...)
				require.NoError(t, err)
				t.Cleanup(func() { _ = s.Shutdown(context.Background()) })
				out = append(out, s)
			}
			return out
		},
		Advance: advance,
		Sync: func(t *testing.T, s storage.Storage) {
			require.NoError(t, s.(*redisstore.Store).Flush(t.Context()))
		},
	}
}

// TestFleetConformance runs the fleet's part of the suite, the two verdicts
// and the quorum, on fleet stores and strict stores of a standalone server and
// a cluster.
func TestFleetConformance(t *testing.T) {
	_, client := server(t)
	cluster := redistest.StartCluster(t, 3).Client(t, nil)
	for name, c := range map[string]redis.UniversalClient{"standalone": client, "cluster": cluster} {
		t.Run(name+"/fleet", func(t *testing.T) { storagetest.RunFleet(t, fleetHarness(c)) })
		t.Run(name+"/strict", func(t *testing.T) { storagetest.RunFleet(t, fleetHarness(c, redisstore.WithStrict())) })
	}
}
