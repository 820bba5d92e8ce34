package redisstore_test

import (
	"context"
	"encoding/json"
	"errors"
	"os"
	"os/exec"
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

// The timeline of TestLazyReportsWithProcesses, from a start every process
// shares: healthy traffic with 1 % failures, a pause longer than the window
// (its successes leave it), then an outage.
const (
	envLazyChild   = "BREAKERGEN_LAZY_CHILD"
	lazyProcesses  = 3
	lazyGoroutines = 4
	lazyHealthy    = time.Second
	lazyOutageAt   = lazyHealthy + lazyWindow + 200*time.Millisecond
	lazyOutageEnd  = lazyOutageAt + time.Second
	lazyWindow     = 2 * time.Second // ten buckets of 200 ms
	lazyBucket     = lazyWindow / redisstore.DefaultBuckets
	lazyCircuit    = "lazy"
)

var lazyOptions = runtime.Options{CoolDown: time.Minute, EvaluationWindow: lazyWindow, RateThreshold: 0.5, SampleThreshold: 20}

// lazyReport is what a child of TestLazyReportsWithProcesses made.
type lazyReport struct {
	Healthy, HealthyFailed int64 // calls that ran in the healthy phase, and those that failed
}

// TestLazyReportsWithProcesses checks the lazy reports' semantics with real
// processes: while a dependency is healthy (1 % failures, far below the
// threshold), the shared window lags the calls made by at most two buckets and
// a quarter and a flush interval of each process's calls, and once the bucket has closed
// it holds every outcome, once; when the dependency fails, the fleet's
// circuit opens within 250 ms.
func TestLazyReportsWithProcesses(t *testing.T) {
	if os.Getenv(envLazyChild) != "" {
		lazyChild(t)
		return
	}
	srv := redistest.Start(t)
	prefix := uniquePrefix()
	exe, err := os.Executable()
	require.NoError(t, err)
	start := time.Now().Add(time.Second) // every process is connected by then
	reports := make([]lazyReport, lazyProcesses)
	var wg sync.WaitGroup
	for i := range lazyProcesses {
		cmd := exec.Command(exe, "-test.run=^TestLazyReportsWithProcesses$", "-test.count=1")
		cmd.Env = append(os.Environ(), envLazyChild+"="+strconv.FormatInt(start.UnixMilli(), 10),
			envAddr+"="+srv.Addr(), envPrefix+"="+prefix)
		wg.Go(func() {
			out, err := cmd.CombinedOutput()
			if assert.NoError(t, err, "child:\n%s", out) {
				reports[i] = parseLazyReport(t, out)
			}
		})
	}
	inspect := func() redisstore.Inspection {
		in, err := redisstore.Inspect(t, srv.Client(t, nil), prefix, lazyCircuit)
		require.NoError(t, err)
		return in
	}
	time.Sleep(time.Until(start.Add(lazyHealthy + 10*time.Millisecond)))
	_, lagging := inspect().Counts()
	// Two buckets and a quarter and a flush later, while every healthy call is
	// still in the window (the phase and the wait are shorter than the window
	// less a bucket).
	time.Sleep(time.Until(start.Add(lazyHealthy + 3*lazyBucket + redisstore.DefaultFlushInterval)))
	failures, settled := inspect().Counts()
	time.Sleep(time.Until(start.Add(lazyOutageAt)))
	var opened time.Time
	for deadline := time.Now().Add(lazyOutageEnd - lazyOutageAt); opened.IsZero() && time.Now().Before(deadline); {
		if in := inspect(); in.State == runtime.StateOpen {
			opened = in.OpenedAt
		}
		time.Sleep(5 * time.Millisecond)
	}
	wg.Wait()

	var healthy, healthyFailed int64
	for _, r := range reports {
		healthy, healthyFailed = healthy+r.Healthy, healthyFailed+r.HealthyFailed
	}
	require.Positive(t, healthy)
	// Each process's calls of two buckets and a quarter (far below the
	// threshold a report waits for two buckets to close, then for the
	// circuit's turn in the next quarter) and of a flush interval may be on
	// their way at the end of the healthy phase.
	perProcess := float64(healthy) / lazyProcesses / lazyHealthy.Seconds()
	lag := int64(perProcess*(2*lazyBucket+lazyBucket/4+redisstore.DefaultFlushInterval).Seconds()) * lazyProcesses
	t.Logf("healthy: %d calls (%d failed); the shared window held %d at the phase's end (%d behind, at most %d allowed) and %d a bucket later",
		healthy, healthyFailed, lagging, healthy-int64(lagging), lag, settled)
	assert.GreaterOrEqual(t, int64(lagging), healthy-lag, "the shared window lags by at most two buckets and a quarter and a flush of each process")
	assert.Equal(t, healthy, int64(settled), "every healthy outcome counted once")
	assert.Equal(t, healthyFailed, int64(failures), "every healthy failure counted once")
	if assert.False(t, opened.IsZero(), "the fleet's circuit opened in the outage") {
		took := opened.Sub(start.Add(lazyOutageAt))
		t.Logf("outage: the fleet's circuit opened %v after it began", took)
		assert.LessOrEqual(t, took, 250*time.Millisecond, "the fleet's circuit opens within 250 ms")
	}
}

// lazyChild is one process of TestLazyReportsWithProcesses; it prints its
// report.
func lazyChild(t *testing.T) {
	startMs, err := strconv.ParseInt(os.Getenv(envLazyChild), 10, 64)
	require.NoError(t, err)
	start := time.UnixMilli(startMs)
	client := redis.NewClient(&redis.Options{Addr: os.Getenv(envAddr), PoolSize: lazyGoroutines + 4})
	defer client.Close()
	store, err := redisstore.New(client, redisstore.WithPrefix(os.Getenv(envPrefix)))
	require.NoError(t, err)
	b := runtime.MustNew(runtime.WithStorage(store), runtime.WithStorageTimeout(protocolTimeout))
	c := b.Circuit(lazyCircuit, lazyOptions)
	ctx := context.Background()
	_, err = c.Status(ctx) // connected, and the circuit known, before the start
	require.NoError(t, err)
	var healthy, failed atomic.Int64
	var wg sync.WaitGroup
	for range lazyGoroutines {
		wg.Go(func() {
			time.Sleep(time.Until(start))
			for n := 1; time.Since(start) < lazyHealthy; n++ {
				err := c.Run(ctx, lazyCall(n%100 == 0)) // 1 % failures
				if errors.Is(err, errDependency) {
					failed.Add(1)
				}
				if !errors.Is(err, runtime.ErrOpen) {
					healthy.Add(1)
				}
			}
			time.Sleep(time.Until(start.Add(lazyOutageAt)))
			for time.Since(start) < lazyOutageEnd {
				_ = c.Run(ctx, lazyCall(true))
			}
		})
	}
	wg.Wait()
	require.NoError(t, store.Shutdown(ctx))
	out, err := json.Marshal(lazyReport{Healthy: healthy.Load(), HealthyFailed: failed.Load()})
	require.NoError(t, err)
	os.Stdout.WriteString("LAZYREPORT " + string(out) + "\n")
}

// lazyCall is a call to the dependency that takes a millisecond.
func lazyCall(fails bool) func(context.Context) error {
	return func(context.Context) error {
		time.Sleep(time.Millisecond)
		if fails {
			return errDependency
		}
		return nil
	}
}

// parseLazyReport finds the child's report line in its output.
func parseLazyReport(t *testing.T, out []byte) lazyReport {
	for line := range strings.SplitSeq(string(out), "\n") {
		if rest, ok := strings.CutPrefix(line, "LAZYREPORT "); ok {
			var r lazyReport
			require.NoError(t, json.Unmarshal([]byte(rest), &r))
			return r
		}
	}
	t.Fatalf("no report in the child's output:\n%s", out)
	return lazyReport{}
}
