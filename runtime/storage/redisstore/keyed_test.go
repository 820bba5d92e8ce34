package redisstore_test

import (
	"context"
	"os"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/breakergen/breakergen/internal/testing/faultproxy"
	"github.com/breakergen/breakergen/internal/testing/redistest"
	"github.com/breakergen/breakergen/runtime"
	"github.com/breakergen/breakergen/runtime/breakerimpl"
	"github.com/breakergen/breakergen/runtime/storage/redisstore"
	"github.com/redis/go-redis/v9"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestKeyedFamilyOffTheCallPath calls a keyed family with a new key on every
// call, its circuits evicted as the family fills, while Redis answers only
// after a long delay: no call waits on Redis (a new key and an eviction cost
// the call no round trip), and what the evicted circuits counted still
// reaches Redis, once.
func TestKeyedFamilyOffTheCallPath(t *testing.T) {
	keys, latencies := 5000, []time.Duration{500 * time.Millisecond}
	if os.Getenv(envLong) != "" {
		keys, latencies = 1_000_000, []time.Duration{500 * time.Millisecond, 3 * time.Second}
	}
	for _, latency := range latencies {
		t.Run(latency.String(), func(t *testing.T) { keyedOffTheCallPath(t, keys, latency) })
	}
}

func keyedOffTheCallPath(t *testing.T, keys int, latency time.Duration) {
	srv := redistest.Start(t)
	proxy := faultproxy.Start(t, srv.Addr())
	client := redis.NewClient(&redis.Options{Addr: proxy.Addr(), ReadTimeout: -1, WriteTimeout: -1, PoolSize: 8})
	t.Cleanup(func() { _ = client.Close() })
	store := newStore(t, client)
	b := runtime.MustNew(runtime.WithStorage(store))
	family := breakerimpl.Decorate(b, "test").Keyed("tenants", 100, runtime.Options{SampleThreshold: 1000})
	ctx := context.Background()
	require.NoError(t, family.Circuit("warm").Run(ctx, succeed)) // the store learns the server's clock
	require.NoError(t, store.Flush(ctx))
	proxy.SetLatency(latency)

	slowest := time.Duration(0)
	names := make([]string, 0, min(keys, 10_000))
	for i := range keys {
		c := family.Circuit("tenant-" + strconv.Itoa(i))
		if len(names) < cap(names) {
			names = append(names, c.Name())
		}
		start := time.Now()
		_ = c.Run(ctx, succeed)
		slowest = max(slowest, time.Since(start))
	}
	t.Logf("%d new keys with Redis %v away: the slowest call took %v", keys, latency, slowest)
	assert.Less(t, slowest, 100*time.Millisecond+5*time.Millisecond, "the slowest call: the default storage timeout and a margin")
	assert.LessOrEqual(t, family.Len(), 100, "circuits alive in the family")

	proxy.SetLatency(0)
	flushed, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	require.NoError(t, store.Shutdown(flushed), "what the evicted circuits counted goes out")
	sentR, backR := store.Reports()
	t.Logf("%d batches in report scripts, %d handed back", sentR, backR)
	if keys <= 10_000 {
		total := 0
		for _, name := range names {
			in, err := redisstore.Inspect(t, srv.Client(t, nil), store.Prefix(), name)
			require.NoError(t, err)
			_, n := in.Counts()
			total += n
		}
		assert.Equal(t, keys, total, "every call of every key counted once in Redis")
	}
	// What Redis holds grows with the circuits whose outcomes the window
	// holds (a bucket hash, the sequence numbers, the reporters), not with
	// flushes or subscriptions: no key per flush, none per subscription.
	held, err := srv.Client(t, nil).DBSize(ctx).Result()
	require.NoError(t, err)
	t.Logf("Redis holds %d keys for %d keys' circuits (%.2f a circuit)", held, keys, float64(held)/float64(keys))
	assert.LessOrEqual(t, held, int64(3*(keys+1)+4), "Redis keys: at most three per circuit with outcomes in the window (the family's and the warm-up's), and a few of the store's")
}

// BenchmarkKeyedNewKey is the cost of a keyed family's new key on a fleet
// store: each call brings a key never seen, which makes a circuit and, the
// family being full (100 circuits), evicts one, whose counts go to the flush
// rounds. The call makes no round trip (TestKeyedFamilyOffTheCallPath);
// bg-cmds/op is what Redis runs for it later, in the background, summed over
// the servers: on a single server, a three-master Cluster and a two-shard Ring;
// sub-cmds/op counts the (un)subscribe commands among them.
func BenchmarkKeyedNewKey(b *testing.B) {
	b.Run("server", func(b *testing.B) {
		srv := redistest.Start(b)
		benchKeyedNewKey(b, srv.Client(b, nil), []*redis.Client{srv.Client(b, nil)})
	})
	b.Run("cluster", func(b *testing.B) {
		cl := redistest.StartCluster(b, 3)
		admins := make([]*redis.Client, len(cl.Masters))
		for i, m := range cl.Masters {
			admins[i] = m.Client(b, nil)
		}
		benchKeyedNewKey(b, cl.Client(b, nil), admins)
	})
	b.Run("ring", func(b *testing.B) {
		shards := []*redistest.Server{redistest.Start(b), redistest.Start(b)}
		ring := redis.NewRing(&redis.RingOptions{Addrs: map[string]string{"a": shards[0].Addr(), "b": shards[1].Addr()}})
		b.Cleanup(func() { _ = ring.Close() })
		benchKeyedNewKey(b, ring, []*redis.Client{shards[0].Client(b, nil), shards[1].Client(b, nil)})
	})
}

func benchKeyedNewKey(b *testing.B, client redis.UniversalClient, admins []*redis.Client) {
	store := newStore(b, client)
	br := runtime.MustNew(runtime.WithStorage(store))
	family := breakerimpl.Decorate(br, "bench").Keyed("tenants", 100)
	ctx := context.Background()
	if err := family.Circuit("warm").Run(ctx, succeed); err != nil { // the store learns the server's clock
		b.Fatal(err)
	}
	if err := store.Flush(ctx); err != nil {
		b.Fatal(err)
	}
	before, subsBefore := totalCommands(nil, ctx, admins), subscriptionCommands(ctx, admins)
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		if err := family.CircuitInt(int64(i)).Run(ctx, succeed); err != nil {
			b.Fatal(err)
		}
		i++
	}
	b.StopTimer()
	if err := store.Flush(ctx); err != nil {
		b.Fatal(err)
	}
	time.Sleep(100 * time.Millisecond) // the subscriber's changes, made in the background, land
	b.ReportMetric(float64(totalCommands(nil, ctx, admins)-before)/float64(b.N), "bg-cmds/op")
	b.ReportMetric(float64(subscriptionCommands(ctx, admins)-subsBefore)/float64(b.N), "sub-cmds/op")
}

// subscriptionCommands returns how many (un)subscribe commands of any kind
// the servers ran.
func subscriptionCommands(ctx context.Context, admins []*redis.Client) int {
	n := 0
	for _, a := range admins {
		stats, err := commandStats(ctx, a)
		if err != nil {
			panic(err)
		}
		for name, calls := range stats {
			if strings.HasSuffix(name, "subscribe") {
				n += calls
			}
		}
	}
	return n
}
