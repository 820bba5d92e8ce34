package redisstore_test

import (
	"context"
	"errors"
	"fmt"
	"os"
	"slices"
	"sync"
	"sync/atomic"
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

// Settings of the failover scenario: six processes of eight goroutines race
// for the probes of a failing dependency while an operator locks a circuit
// every 10 ms, and the master fails over three times (SENTINEL FAILOVER,
// leaving the old master to the sentinels, which demote it seconds later).
const (
	failoverProcesses  = 6
	failoverGoroutines = 8
	failoverCoolDown   = 100 * time.Millisecond
	failoverLockEvery  = 10 * time.Millisecond
	failovers          = 3
)

// TestFailoverKeepsOneProbeAndEveryLock is issue 16's failover scenario: with
// the replicas' acknowledgement (on by default, since the master has
// replicas), no half-open window grants two probes across a failover, and no
// lock an operator was told had succeeded is missing from the final master.
// BREAKERGEN_LONG runs it three times.
func TestFailoverKeepsOneProbeAndEveryLock(t *testing.T) {
	runs := 1
	if os.Getenv(envLong) != "" {
		runs = 3
	}
	for run := range runs {
		t.Run(fmt.Sprintf("run%d", run+1), func(t *testing.T) { failoverRun(t) })
	}
}

// failoverProbes counts the probes of each half-open window, by its OpenedAt.
// A probe whose outcome never reached Redis (its record failed in the
// failover) is forgotten after CoolDown, and the window's next probe may
// follow: two probes of a window at once are those reserved less than a
// cool-down apart.
type failoverProbes struct {
	mu      sync.Mutex
	windows map[int64][]time.Time // reservations, by the window's OpenedAt
}

func (p *failoverProbes) Handle(e runtime.Event) {
	p.mu.Lock()
	w := e.Status.OpenedAt.UnixMicro()
	p.windows[w] = append(p.windows[w], e.Status.ReservedAt)
	p.mu.Unlock()
}

// overlapping returns how many windows had two probes at once.
func (p *failoverProbes) overlapping() int {
	n := 0
	for _, rs := range p.windows {
		slices.SortFunc(rs, time.Time.Compare)
		for i := 1; i < len(rs); i++ {
			if rs[i].Sub(rs[i-1]) < failoverCoolDown {
				n++
				break
			}
		}
	}
	return n
}

func failoverRun(t *testing.T) {
	rig := redistest.StartReplicated(t, 1, 3) // the measured setup: a master, a replica, three sentinels
	prefix := uniquePrefix()
	opts := &redis.FailoverOptions{DialTimeout: 500 * time.Millisecond, ReadTimeout: 500 * time.Millisecond,
		WriteTimeout: 500 * time.Millisecond}
	probes := &failoverProbes{windows: make(map[int64][]time.Time)}
	ctx, stop := context.WithCancel(context.Background())
	var wg sync.WaitGroup
	for range failoverProcesses {
		s, err := redisstore.New(rig.Client(t, opts), redisstore.WithPrefix(prefix))
		require.NoError(t, err)
		t.Cleanup(func() { _ = s.Shutdown(context.Background()) })
		b := runtime.MustNew(runtime.WithStorage(s), runtime.WithStorageTimeout(time.Second),
			runtime.WithListener(probes, runtime.EventProbe))
		c := b.Circuit("dependency", runtime.Options{CoolDown: failoverCoolDown, SampleThreshold: 1})
		for range failoverGoroutines {
			wg.Go(func() { failoverCalls(ctx, c) })
		}
	}
	operator, err := redisstore.New(rig.Client(t, opts), redisstore.WithPrefix(prefix), redisstore.WithStrict())
	require.NoError(t, err)
	var acked []string
	var refused atomic.Int64
	wg.Go(func() { acked = failoverLocks(ctx, operator, &refused) })

	for range failovers {
		time.Sleep(500 * time.Millisecond)
		// SENTINEL FAILOVER; the old master takes writes from clients that
		// have not followed until it is made a replica of the new one.
		rig.Failover(t)
	}
	time.Sleep(500 * time.Millisecond)
	stop()
	wg.Wait()

	twice := probes.overlapping()
	lost := failoverLost(t, rig.Client(t, opts), prefix, acked)
	t.Logf("%d half-open windows probed, %d with two probes at once; %d locks acknowledged, %d refused unacknowledged, %d lost",
		len(probes.windows), twice, len(acked), refused.Load(), lost)
	assert.Zero(t, twice, "half-open windows with two probes at once")
	assert.Zero(t, lost, "acknowledged locks missing from the final master")
	assert.NotEmpty(t, acked, "locks acknowledged")
}

// failoverCalls calls the failing dependency until ctx ends.
func failoverCalls(ctx context.Context, c *runtime.Circuit) {
	for ctx.Err() == nil {
		if err := c.Run(ctx, slowly(errDependency)); errors.Is(err, runtime.ErrOpen) {
			time.Sleep(time.Millisecond)
		}
	}
}

// failoverLocks locks a new circuit open every failoverLockEvery until ctx
// ends, and returns the names of the locks that returned no error.
func failoverLocks(ctx context.Context, operator *redisstore.Store, refused *atomic.Int64) []string {
	var acked []string
	for i := 0; ctx.Err() == nil; i++ {
		name := fmt.Sprintf("lock-%d", i)
		h, err := operator.Bind(name, policy)
		if err != nil {
			panic(err)
		}
		lctx, cancel := context.WithTimeout(context.Background(), time.Second)
		err = h.Lock(lctx, time.Time{}, storage.LockOpen)
		cancel()
		switch {
		case err == nil:
			acked = append(acked, name)
		case errors.Is(err, redisstore.ErrUnacknowledged):
			refused.Add(1)
		}
		time.Sleep(failoverLockEvery)
	}
	return acked
}

// failoverLost returns how many of the acknowledged locks the final master
// does not hold.
func failoverLost(t *testing.T, client redis.UniversalClient, prefix string, acked []string) int {
	lost := 0
	for _, name := range acked {
		in, err := redisstore.Inspect(t, client, prefix, name)
		require.NoError(t, err)
		if in.Lock != storage.LockOpen {
			lost++
		}
	}
	return lost
}
