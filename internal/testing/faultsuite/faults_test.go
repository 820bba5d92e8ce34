package faultsuite

import (
	"context"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/breakergen/breakergen/internal/testing/redistest"
	"github.com/breakergen/breakergen/runtime"
	"github.com/breakergen/breakergen/runtime/storage/redisstore"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

const (
	// callers is how many goroutines call the circuit at once.
	callers = 8
	// storageTimeout is the runtime's default WithStorageTimeout, which the
	// scenarios' breakers keep.
	storageTimeout = 100 * time.Millisecond
	// budget is the most a call may spend in breakergen at the 99th
	// percentile: the storage deadline plus 20 ms.
	budget = storageTimeout + 20*time.Millisecond
	// worstSlack is what the longest call may spend in breakergen beyond the
	// storage budget it never exceeds: scheduling on a loaded, race-detecting
	// test machine.
	worstSlack = 50 * time.Millisecond
	// recoveryLimit is how soon after a fault heals the service must use the
	// shared state again.
	recoveryLimit = 10 * time.Second
)

// TestFaults runs every scenario in every mode with every client
// configuration. See the package comment for what each run checks.
func TestFaults(t *testing.T) {
	redistest.Binary(t) // skip, or fail in CI, once rather than in every run
	for _, s := range scenarios() {
		t.Run(s.name, func(t *testing.T) {
			for _, m := range modes {
				for _, c := range clientConfigs {
					t.Run(m.name+"/"+c.name, func(t *testing.T) { runScenario(t, s, m, c) })
				}
			}
		})
	}
}

func runScenario(t *testing.T, s scenario, m mode, c clientConfig) {
	r := newRig(t, c, m)
	ctx := context.Background()

	// Before the fault: the pool holds connections, Redis holds counts, and
	// the breaker uses Redis, which a loaded machine may delay: calls that miss
	// the storage budget count in the fallback, and the storage proxy then
	// spares Redis for a while. A round whose every outcome reached Redis says
	// the breaker is healthy.
	before := &load{}
	var baseline int64
	healthy := false
	for start := time.Now(); !healthy && time.Since(start) < 10*time.Second; {
		round := before.ran.Load()
		var wg sync.WaitGroup
		for range callers {
			wg.Go(func() {
				for range 5 {
					before.call(r.circuit)
				}
			})
		}
		wg.Wait()
		require.Empty(t, before.errs)
		require.NoError(t, r.store.Flush(ctx))
		held := inRedis(t, r)
		healthy = held-baseline == before.ran.Load()-round
		baseline = held
		if !healthy {
			time.Sleep(100 * time.Millisecond)
		}
	}
	require.True(t, healthy, "the breaker using Redis before the fault")

	during := &load{}
	s.on(t, r)
	stop := make(chan struct{})
	wait := during.drive(r.circuit, callers, stop)
	time.Sleep(faultFor)
	close(stop)
	wait()
	if r.stopFault != nil {
		r.stopFault()
	}
	s.off(t, r)

	assert.Empty(t, during.errs, "calls during the fault must run (fail open)")
	assert.Equal(t, int64(len(during.durations)), during.ran.Load(), "calls that ran during the fault")
	p50, p99, worst := percentiles(during.durations)
	assert.LessOrEqual(t, p99, budget, "p99 time in breakergen during the fault")
	assert.LessOrEqual(t, worst, storageTimeout+worstSlack, "the longest time in breakergen during the fault")
	mustReport := s.outage || (m.name == "strict" && s.slowerThanDeadline)
	if mustReport {
		assert.Positive(t, r.events.events.Load(), "EventStorageFailure during the fault")
	}

	after := &load{}
	recovered := recover(t, r, after)

	samples := counted(t, r)
	// A killed server forgets what it held: the outcomes sent before the fault.
	kept, floor := baseline+during.ran.Load()+after.ran.Load(), baseline
	if s.name == "kill-restart" {
		kept, floor = kept-baseline, 0
	}
	if m.name == "fleet" {
		// The outcomes of a fault this short wait in the process and are
		// sent once Redis answers: every one of them counts, once.
		assert.Equal(t, kept, samples, "outcomes in Redis against calls made")
	} else {
		// A strict store sends each outcome as it happens: those sent while
		// Redis failed are lost, those whose reply was lost count once.
		assert.LessOrEqual(t, samples, kept, "outcomes in Redis against calls made: none counted twice")
		assert.GreaterOrEqual(t, samples, floor, "outcomes sent before the fault are kept")
	}
	t.Logf("%s %s/%s: %d calls during the fault, in breakergen p50 %v p99 %v max %v; %d storage failure events (%d failures); %d outcomes in Redis of %d it may hold; shared state used again after %v",
		s.name, m.name, c.name, len(during.durations), p50, p99, worst, r.events.events.Load(), r.events.reported.Load(),
		samples, kept, recovered.Round(time.Millisecond))
}

// recover has another process lock the circuit open, straight on the server,
// and returns how long after the fault the service first honours the lock.
func recover(t *testing.T, r *rig, l *load) time.Duration {
	t.Helper()
	ctx := context.Background()
	other, err := redisstore.New(r.admin, redisstore.WithStrict())
	require.NoError(t, err)
	ob, err := runtime.New(runtime.WithStorage(other))
	require.NoError(t, err)
	require.NoError(t, ob.Circuit("dep", circuitOptions).LockOpen(ctx))
	start := time.Now()
	for {
		l.call(r.circuit)
		if n := len(l.errs); n > 0 {
			require.ErrorIs(t, l.errs[n-1], runtime.ErrOpen, "the only error a call may return")
			return time.Since(start)
		}
		require.Less(t, time.Since(start), recoveryLimit, "the service honouring a lock set after the fault")
		time.Sleep(20 * time.Millisecond)
	}
}

// counted stops the service's store, which sends what it has not sent yet,
// and returns the outcomes Redis holds for the circuit.
func counted(t *testing.T, r *rig) int64 {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := r.store.Shutdown(ctx); err != nil {
		t.Logf("Shutdown: %v (outcomes it could not send are lost, never doubled)", err)
	}
	return inRedis(t, r)
}

// inRedis returns the outcomes Redis holds for the circuit, read straight from
// the server.
func inRedis(t *testing.T, r *rig) int64 {
	t.Helper()
	other, err := redisstore.New(r.admin, redisstore.WithStrict())
	require.NoError(t, err)
	in, err := other.Inspect(context.Background(), "dep")
	require.NoError(t, err)
	_, samples := in.Counts()
	return int64(samples)
}

// percentiles returns the median, the 99th percentile and the maximum of ds.
func percentiles(ds []time.Duration) (p50, p99, worst time.Duration) {
	if len(ds) == 0 {
		return 0, 0, 0
	}
	s := slices.Clone(ds)
	slices.Sort(s)
	at := func(q float64) time.Duration { return s[max(0, int(q*float64(len(s))+0.5)-1)] }
	return at(0.50), at(0.99), s[len(s)-1]
}
