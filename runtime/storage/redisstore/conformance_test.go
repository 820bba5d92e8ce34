package redisstore_test

import (
	"context"
	"testing"
	"time"

	"github.com/breakergen/breakergen/internal/redistest"
	"github.com/breakergen/breakergen/runtime/storage"
	"github.com/breakergen/breakergen/runtime/storage/storagetest"
	"github.com/redis/go-redis/v9"
)

// TestConformance runs the storage conformance suite against a standalone Redis,
// each subtest on a prefix of its own.
func TestConformance(t *testing.T) {
	_, client := server(t)
	storagetest.Run(t, storagetest.Harness{
		New:     func(t *testing.T) storage.Storage { return newStore(t, client) },
		Advance: advance,
	})
}

// TestClusterConformance runs the suite against a three-master Redis Cluster.
func TestClusterConformance(t *testing.T) {
	cluster := redistest.StartCluster(t, 3)
	client := cluster.Client(t, nil)
	storagetest.Run(t, storagetest.Harness{
		New:     func(t *testing.T) storage.Storage { return newStore(t, client) },
		Advance: advance,
	})
}

// TestSentinelConformance runs the suite through a Sentinel failover client.
func TestSentinelConformance(t *testing.T) {
	sentinel := redistest.StartSentinel(t, redistest.Start(t), "breakergen")
	client := sentinel.Client(t, nil)
	storagetest.Run(t, storagetest.Harness{
		New:     func(t *testing.T) storage.Storage { return newStore(t, client) },
		Advance: advance,
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
			if err != nil {
				t.Fatal(err)
			}
			if slot >= 0 && got != slot {
				t.Fatalf("keys of %q lie in slots %d and %d", n, slot, got)
			}
			slot = got
		}
		slots[slot] = true
		// Record (two keys), Lock (a third) and a transition all in one slot.
		if _, err := s.Record(ctx, n, policy, time.Time{}, storage.Outcome{}); err != nil {
			t.Fatalf("Record(%q): %v", n, err)
		}
		if err := s.Lock(ctx, n, storage.LockClosed); err != nil {
			t.Fatal(err)
		}
		if ok, err := s.Open(ctx, n, policy, time.Time{}); !ok || err != nil {
			t.Fatalf("Open(%q) = %v, %v", n, ok, err)
		}
	}
	if len(slots) < 3 {
		t.Fatalf("circuits in %d slots only; the test needs them spread", len(slots))
	}
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
	if len(masters) != len(cluster.Masters) {
		t.Fatalf("circuits on %d masters; the test needs all %d", len(masters), len(cluster.Masters))
	}
	got, err := s.List(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != len(names) {
		t.Fatalf("List = %q, want the %d names", got, len(names))
	}
	if err := s.Clear(ctx); err != nil {
		t.Fatal(err)
	}
	if got, err := s.List(ctx); err != nil || len(got) != 0 {
		t.Fatalf("List after Clear = %q, %v", got, err)
	}
}
