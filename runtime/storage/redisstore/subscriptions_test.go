package redisstore_test

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/breakergen/breakergen/internal/testing/redistest"
	"github.com/breakergen/breakergen/runtime"
	"github.com/breakergen/breakergen/runtime/storage/redisstore"
	"github.com/redis/go-redis/v9"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestSubscriptionsAreNotPerCircuit binds 300 circuits, drops them and binds
// 300 more on a single server, a three-master Cluster and a two-shard Ring:
// Redis runs one subscribe command per process (one per shard on a ring),
// whatever the number of circuits, and an operator's lock on the last circuit
// bound still reaches the other process by announcement, well within the
// refresh interval.
func TestSubscriptionsAreNotPerCircuit(t *testing.T) {
	srv := redistest.Start(t)
	cluster := redistest.StartCluster(t, 3)
	shards := []*redistest.Server{redistest.Start(t), redistest.Start(t)}
	for _, tc := range []struct {
		name   string
		client func() redis.UniversalClient
		admins []*redis.Client
		homes  int
	}{
		{"server", func() redis.UniversalClient { return srv.Client(t, nil) }, []*redis.Client{srv.Client(t, nil)}, 1},
		{"cluster", func() redis.UniversalClient { return cluster.Client(t, nil) }, masterClients(t, cluster), 1},
		{"ring", func() redis.UniversalClient {
			r := redis.NewRing(&redis.RingOptions{Addrs: map[string]string{"a": shards[0].Addr(), "b": shards[1].Addr()}})
			t.Cleanup(func() { _ = r.Close() })
			return r
		}, []*redis.Client{shards[0].Client(t, nil), shards[1].Client(t, nil)}, 2},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ctx := context.Background()
			before := subscriptionCommands(ctx, tc.admins)
			// A refresh interval far longer than the test: only an
			// announcement tells the watcher of the lock in time.
			watcher, sw := fleetBreaker(t, tc.client(), nil, redisstore.WithRefreshInterval(redisstore.MaxRefreshInterval))
			operator, _ := fleetBreaker(t, tc.client(), sw)
			var last *runtime.Circuit
			for round := range 2 {
				for i := range 300 {
					last = watcher.Circuit(fmt.Sprintf("c%d-%d", round, i), fleetOpts)
					require.NoError(t, last.Run(ctx, succeed))
				}
				if round == 0 {
					require.NoError(t, sw.Flush(ctx))
				}
			}
			require.NoError(t, operator.Circuit(last.Name(), fleetOpts).LockOpen(ctx))
			took := eventually(t, 2*time.Second, "the watcher acting on the lock", func() bool {
				return errors.Is(last.Run(ctx, succeed), runtime.ErrOpen)
			})
			t.Logf("%s: lock acted on after %v", tc.name, took)
			subs := subscriptionCommands(ctx, tc.admins) - before
			t.Logf("%s: %d subscribe commands for 600 circuits of two processes", tc.name, subs)
			assert.LessOrEqual(t, subs, 2*tc.homes, "subscribe commands: one per process and shard")
		})
	}
}

func masterClients(t *testing.T, c *redistest.Cluster) []*redis.Client {
	out := make([]*redis.Client, len(c.Masters))
	for i, m := range c.Masters {
		out[i] = m.Client(t, nil)
	}
	return out
}
