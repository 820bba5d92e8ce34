package redisstore_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/breakergen/breakergen/internal/testing/redistest"
	"github.com/breakergen/breakergen/runtime"
	"github.com/breakergen/breakergen/runtime/storage/redisstore"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestReportsCarryHealthyTraffic checks that the outcomes of circuits far
// below their thresholds travel in report scripts, many circuits a script on
// a single server and one a script on a cluster, and count exactly once.
func TestReportsCarryHealthyTraffic(t *testing.T) {
	for _, tg := range targets(t) {
		t.Run(tg.name, func(t *testing.T) {
			b, s := fleetBreaker(t, tg.client(t), nil, redisstore.WithFlushInterval(redisstore.MaxFlushInterval))
			ctx := context.Background()
			const circuits = 100
			cs := make([]*runtime.Circuit, circuits)
			for i := range cs {
				cs[i] = b.Circuit(fmt.Sprintf("healthy-%03d", i), fleetOpts)
				require.NoError(t, cs[i].Run(ctx, succeed)) // the first report of each goes by the flush script
			}
			require.NoError(t, s.Flush(ctx))
			before, _ := s.Reports()
			for range 3 {
				for _, c := range cs {
					require.NoError(t, c.Run(ctx, succeed))
				}
				require.NoError(t, s.Flush(ctx))
			}
			sent, back := s.Reports()
			assert.Equal(t, int64(3*circuits), sent-before, "batches in report scripts")
			assert.Zero(t, back, "batches handed back")
			for _, c := range cs {
				in, err := s.Inspect(ctx, c.Name())
				require.NoError(t, err)
				_, samples := in.Counts()
				assert.Equal(t, 4, samples, "%s: outcomes counted once", c.Name())
			}
		})
	}
}

// TestReportHandsBackAnOpening checks that a report whose failures may open
// the circuit with the votes Redis holds is handed back to the flush script,
// which opens it: two processes voted with too few samples for the threshold,
// and a third, far below the rate threshold itself, brings the samples that
// reach it.
func TestReportHandsBackAnOpening(t *testing.T) {
	srv := redistest.Start(t)
	client := srv.Client(t, nil)
	o := runtime.Options{CoolDown: 5 * time.Minute, EvaluationWindow: fleetOpts.EvaluationWindow, // the default cool-down
		RateThreshold: 0.5, SampleThreshold: 10}
	slow := redisstore.WithFlushInterval(redisstore.MaxFlushInterval)
	a := newProcess(t, client, nil, o, slow)
	ctx := context.Background()
	require.NoError(t, a.c.Run(ctx, succeed)) // known, and reported once, before the others vote
	require.NoError(t, a.s.Flush(ctx))
	for range 2 {
		p := newProcess(t, client, a.s, o, slow)
		for range 3 {
			require.ErrorIs(t, p.c.Run(ctx, fail), errDependency)
		}
		require.NoError(t, p.s.Flush(ctx))
		require.Equal(t, runtime.StateClosed, p.status(t).State, "six failures are fewer than the sample threshold")
	}
	require.NoError(t, a.c.Run(ctx, succeed))
	require.NoError(t, a.c.Run(ctx, succeed))
	require.ErrorIs(t, a.c.Run(ctx, fail), errDependency)
	_, backBefore := a.s.Reports()
	require.NoError(t, a.s.Flush(ctx))
	_, back := a.s.Reports()
	assert.Equal(t, int64(1), back-backBefore, "the report handed back")
	assert.Equal(t, runtime.StateOpen, a.status(t).State, "the flush script opened the fleet's circuit: 7 failures of 10")
	assert.Len(t, a.events.of(runtime.EventOpened), 1, "the process that opened it tells of it")
}

// TestReportsKeepAWindowOfBuckets checks that lazy reports alone keep a
// circuit's bucket hash to about a window of buckets: the report that creates
// a bucket deletes the one that left the window, over three windows of
// healthy traffic moved on Redis's clock.
func TestReportsKeepAWindowOfBuckets(t *testing.T) {
	srv := redistest.Start(t)
	client := srv.Client(t, nil)
	b, s := fleetBreaker(t, client, nil, redisstore.WithFlushInterval(redisstore.MaxFlushInterval))
	ctx := context.Background()
	c := b.Circuit("buckets", fleetOpts)
	bucket := fleetOpts.EvaluationWindow / redisstore.DefaultBuckets
	key := s.Keys(c.Name())[1]
	before, _ := s.Reports()
	for range 3 * redisstore.DefaultBuckets {
		require.NoError(t, c.Run(ctx, succeed))
		require.NoError(t, s.Flush(ctx))
		s.Advance(bucket)
	}
	sent, _ := s.Reports()
	require.Greater(t, sent-before, int64(2*redisstore.DefaultBuckets), "the outcomes went in report scripts")
	n, err := client.HLen(ctx, key).Result()
	require.NoError(t, err)
	assert.LessOrEqual(t, n, int64(redisstore.DefaultBuckets+1), "fields of %s", key)
	in, err := s.Inspect(ctx, c.Name())
	require.NoError(t, err)
	_, samples := in.Counts()
	// One call a bucket; the clock moved past the last call's bucket.
	assert.Equal(t, redisstore.DefaultBuckets-1, samples, "the window's outcomes")
}
