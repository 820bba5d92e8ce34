package redisstore_test

import (
	"context"
	"fmt"
	goruntime "runtime"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/breakergen/breakergen/internal/testing/redistest"
	"github.com/breakergen/breakergen/runtime"
	"github.com/breakergen/breakergen/runtime/storage/redisstore"
	"github.com/redis/go-redis/v9"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestFleetCommandsPerCall runs steady closed traffic of at least 10,000 calls
// a second through one fleet store, 16 goroutines, and holds the commands Redis
// runs per protected call (inner script commands included) to 0.01.
func TestFleetCommandsPerCall(t *testing.T) {
	srv := redistest.Start(t)
	admin := srv.Client(t, nil)
	b, _ := fleetBreaker(t, srv.Client(t, nil), nil)
	c := b.Circuit("steady", fleetOpts)
	ctx := context.Background()
	require.NoError(t, c.Run(ctx, succeed))
	before := totalCommands(t, ctx, []*redis.Client{admin})
	var calls atomic.Int64
	end := time.Now().Add(time.Second)
	var wg sync.WaitGroup
	for range 16 {
		wg.Go(func() {
			for time.Now().Before(end) {
				for range 10 { // ten calls, then a pause: paced traffic, as a service's
					if assert.NoError(t, c.Run(ctx, succeed)) {
						calls.Add(1)
					}
				}
				time.Sleep(time.Millisecond)
			}
		})
	}
	wg.Wait()
	per := float64(totalCommands(t, ctx, []*redis.Client{admin})-before) / float64(calls.Load())
	t.Logf("%d calls in 1s, %.5f Redis commands per call", calls.Load(), per)
	require.GreaterOrEqual(t, calls.Load(), int64(10000), "calls per second")
	assert.LessOrEqual(t, per, 0.01, "Redis commands per protected call")
}

// BenchmarkHotPath times a closed circuit's successful call (Allow+Done) on a
// fleet store next to the in-memory storage, in one run: 0 round trips, 0
// allocations.
func BenchmarkHotPath(b *testing.B) {
	srv := redistest.Start(b)
	stores := map[string]func(b *testing.B) runtime.Option{
		"memory": func(*testing.B) runtime.Option { return runtime.WithDefaults(runtime.Options{}) },
		"fleet": func(b *testing.B) runtime.Option {
			s := newStore(b, srv.Client(b, nil))
			b.Cleanup(func() { _ = s.Shutdown(context.Background()) })
			return runtime.WithStorage(s)
		},
	}
	for _, name := range []string{"memory", "fleet"} {
		c := runtime.MustNew(stores[name](b)).Circuit("hot", fleetOpts)
		ctx := context.Background()
		if err := c.Run(ctx, succeed); err != nil {
			b.Fatal(err)
		}
		b.Run(name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				a, err := c.Allow(ctx)
				if err != nil {
					b.Fatal(err)
				}
				a.Done(ctx, nil)
			}
		})
		b.Run(name+"-parallel", func(b *testing.B) {
			b.ReportAllocs()
			b.RunParallel(func(pb *testing.PB) {
				for pb.Next() {
					a, err := c.Allow(ctx)
					if err != nil {
						b.Error(err)
						return
					}
					a.Done(ctx, nil)
				}
			})
		})
	}
}

// BenchmarkThroughput reports the calls a second one process makes through a
// fleet store and through a strict one, with 16 goroutines on loopback Redis,
// and the Redis commands per call.
func BenchmarkThroughput(b *testing.B) {
	srv := redistest.Start(b)
	admin := srv.Client(b, nil)
	for _, mode := range []string{"strict", "fleet"} {
		b.Run(mode, func(b *testing.B) {
			var opts []redisstore.Option
			if mode == "strict" {
				opts = append(opts, redisstore.WithStrict())
			}
			s := newStore(b, srv.Client(b, &redis.Options{PoolSize: 20}), opts...)
			b.Cleanup(func() { _ = s.Shutdown(context.Background()) })
			c := runtime.MustNew(runtime.WithStorage(s)).Circuit("bench", neverOpens)
			ctx := context.Background()
			if err := c.Run(ctx, succeed); err != nil {
				b.Fatal(err)
			}
			before := totalCommands(nil, ctx, []*redis.Client{admin})
			var next atomic.Int64
			var wg sync.WaitGroup
			b.ResetTimer()
			start := time.Now()
			for range 16 {
				wg.Go(func() {
					for next.Add(1) <= int64(b.N) {
						a, err := c.Allow(ctx)
						if err != nil {
							b.Error(err)
							return
						}
						a.Done(ctx, nil)
					}
				})
			}
			wg.Wait()
			elapsed := time.Since(start)
			b.StopTimer()
			b.ReportMetric(float64(b.N)/elapsed.Seconds(), "calls/s")
			b.ReportMetric(float64(totalCommands(nil, ctx, []*redis.Client{admin})-before)/float64(b.N), "cmds/op")
		})
	}
}

// BenchmarkFlushCapacity measures what sizes a fleet's Redis: the work of one
// process's report of 100 healthy circuits with traffic, as it sends one per
// bucket of their window (lazy reports, far below the thresholds): the scripts
// it takes (a report script carries up to 128 circuits), the circuits a second
// one Redis takes in, and Redis's own microseconds per circuit
// (server-µs/circuit, from INFO commandstats), which a fleet multiplies by
// processes × busy circuits ÷ the bucket width.
func BenchmarkFlushCapacity(b *testing.B) {
	const circuits = 100
	srv := redistest.Start(b)
	s := newStore(b, srv.Client(b, nil), redisstore.WithFlushInterval(redisstore.MaxFlushInterval))
	b.Cleanup(func() { _ = s.Shutdown(context.Background()) })
	br := runtime.MustNew(runtime.WithStorage(s))
	ctx := context.Background()
	cs := make([]*runtime.Circuit, circuits)
	for i := range cs {
		cs[i] = br.Circuit(fmt.Sprintf("c%03d", i), neverOpens)
		if err := cs[i].Run(ctx, succeed); err != nil {
			b.Fatal(err)
		}
	}
	admin := srv.Client(b, nil)
	calls0, usec0 := evalshaStats(b, admin)
	start := time.Now()
	for b.Loop() {
		for _, c := range cs {
			if err := c.Run(ctx, succeed); err != nil {
				b.Fatal(err)
			}
		}
		if err := s.Flush(ctx); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(circuits*b.N)/time.Since(start).Seconds(), "circuits/s")
	calls, usec := evalshaStats(b, admin)
	b.ReportMetric(float64(calls-calls0)/float64(b.N), "scripts/flush")
	b.ReportMetric(float64(usec-usec0)/float64(circuits*b.N), "server-µs/circuit")
}

// evalshaStats returns the EVALSHA calls Redis ran and the microseconds they
// took it, from INFO commandstats.
func evalshaStats(b *testing.B, admin *redis.Client) (calls, usec int64) {
	s, err := admin.Info(context.Background(), "commandstats").Result()
	if err != nil {
		b.Fatal(err)
	}
	for line := range strings.Lines(s) {
		rest, ok := strings.CutPrefix(strings.TrimSpace(line), "cmdstat_evalsha:")
		if !ok {
			continue
		}
		for field := range strings.SplitSeq(rest, ",") {
			k, v, _ := strings.Cut(field, "=")
			switch k {
			case "calls":
				calls, _ = strconv.ParseInt(v, 10, 64)
			case "usec":
				usec, _ = strconv.ParseInt(v, 10, 64)
			}
		}
	}
	return calls, usec
}

// BenchmarkFleetCircuitMemory reports the heap one bound circuit of a fleet
// store takes in the process, with its runtime Circuit, after one call
// (B/circuit), for 10,000 circuits.
func BenchmarkFleetCircuitMemory(b *testing.B) {
	const n = 10_000
	srv := redistest.Start(b)
	client := srv.Client(b, nil)
	ctx := context.Background()
	for b.Loop() {
		s := newStore(b, client)
		br := runtime.MustNew(runtime.WithStorage(s))
		var before, after goruntime.MemStats
		goruntime.GC()
		goruntime.ReadMemStats(&before)
		cs := make([]*runtime.Circuit, n)
		for i := range cs {
			cs[i] = br.Circuit("c"+strconv.Itoa(i), fleetOpts)
			_ = cs[i].Run(ctx, succeed)
		}
		goruntime.GC()
		goruntime.ReadMemStats(&after)
		b.ReportMetric(float64(after.HeapAlloc-before.HeapAlloc)/n, "B/circuit")
		goruntime.KeepAlive(cs)
		require.NoError(b, s.Shutdown(ctx))
	}
}
