package redisstore_test

import (
	"context"
	"errors"
	"os"
	"os/exec"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/breakergen/breakergen/runtime"
	"github.com/breakergen/breakergen/runtime/storage"
	"github.com/breakergen/breakergen/runtime/storage/redisstore"
	"github.com/redis/go-redis/v9"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// Environment of a child process of TestProbeAcrossProcesses.
const (
	envChild  = "BREAKERGEN_REDISSTORE_CHILD"
	envAddr   = "BREAKERGEN_REDISSTORE_ADDR"
	envPrefix = "BREAKERGEN_REDISSTORE_PREFIX"
)

// Settings of the probe race. The cool-down is real: the processes share only
// Redis's clock, so the test waits for it, a second and a half in all. A probe
// takes far less than the cool-down, so its reservation never expires under it.
const (
	raceProcesses  = 4
	raceGoroutines = 4
	raceCoolDown   = 250 * time.Millisecond
	raceRun        = 1500 * time.Millisecond
	raceProbeTime  = 10 * time.Millisecond
	raceCircuit    = "fleet"
)

var errProbe = errors.New("dependency still down")

func raceOptions() runtime.Options {
	return runtime.Options{CoolDown: raceCoolDown, EvaluationWindow: time.Minute, RateThreshold: 0.5, SampleThreshold: 1}
}

// TestProbeAcrossProcesses re-executes the test binary as several processes, each
// with several goroutines calling one half-open circuit through the runtime.
// Every probe fails, so the circuit goes half-open again after each cool-down;
// across the processes exactly one probe may run per half-open window, and no
// call may run that is not the probe.
func TestProbeAcrossProcesses(t *testing.T) {
	if os.Getenv(envChild) == "1" {
		raceChild(t)
		return
	}
	srv, admin := server(t)
	ctx := context.Background()
	prefix := uniquePrefix()
	store, err := redisstore.New(admin, redisstore.WithPrefix(prefix))
	require.NoError(t, err)
	p := policy
	p.CoolDown = raceCoolDown
	ok, err := op(t, store, raceCircuit, p).Open(ctx, time.Time{})
	require.True(t, ok && err == nil, "Open = %v, %v", ok, err)
	exe, err := os.Executable()
	require.NoError(t, err)
	type result struct {
		out []byte
		err error
	}
	results := make(chan result, raceProcesses)
	for range raceProcesses {
		cmd := exec.Command(exe, "-test.run=^TestProbeAcrossProcesses$", "-test.count=1")
		cmd.Env = append(os.Environ(), envChild+"=1", envAddr+"="+srv.Addr(), envPrefix+"="+prefix)
		go func() {
			out, err := cmd.CombinedOutput()
			results <- result{out, err}
		}()
	}
	// Start them together, once all are connected.
	deadline := time.Now().Add(60 * time.Second)
	for admin.Get(ctx, prefix+":ready").Val() != strconv.Itoa(raceProcesses) {
		require.False(t, time.Now().After(deadline), "the child processes did not get ready")
		time.Sleep(5 * time.Millisecond)
	}
	admin.Set(ctx, prefix+":go", "1", 0)
	for range raceProcesses {
		r := <-results
		require.NoError(t, r.err, "child process:\n%s", r.out)
	}
	probes, err := admin.HGetAll(ctx, prefix+":probes").Result()
	require.NoError(t, err)
	for window, n := range probes {
		assert.Equal(t, "1", n, "probes in the half-open window of OpenedAt %s", window)
	}
	assert.GreaterOrEqual(t, len(probes), 3, "half-open windows probed")
	assert.Empty(t, admin.Get(ctx, prefix+":others").Val(), "calls that ran and were not the probe")
	skipped, _ := admin.Get(ctx, prefix+":skipped").Int()
	assert.NotZero(t, skipped, "no call was skipped; the processes did not race")
	t.Logf("%d processes × %d goroutines: %d half-open windows, one probe each; %d calls skipped",
		raceProcesses, raceGoroutines, len(probes), skipped)
}

// raceChild is one process of TestProbeAcrossProcesses. It counts, in Redis,
// the probes it ran by the OpenedAt of their half-open window.
func raceChild(t *testing.T) {
	ctx := context.Background()
	prefix := os.Getenv(envPrefix)
	client := redis.NewClient(&redis.Options{Addr: os.Getenv(envAddr), PoolSize: raceGoroutines + 2})
	defer client.Close()
	store, err := redisstore.New(client, redisstore.WithPrefix(prefix))
	require.NoError(t, err)
	failures := &recorder{typ: runtime.EventStorageFailure}
	b := runtime.MustNew(runtime.WithStorage(store), runtime.WithStorageTimeout(protocolTimeout), runtime.WithListener(failures, runtime.EventStorageFailure))
	c := b.Circuit(raceCircuit, raceOptions())
	p := policy
	p.CoolDown = raceCoolDown
	status := bind(t, store, raceCircuit, p)
	client.Incr(ctx, prefix+":ready")
	for client.Exists(ctx, prefix+":go").Val() == 0 {
		time.Sleep(time.Millisecond)
	}
	end := time.Now().Add(raceRun)
	var wg sync.WaitGroup
	for range raceGoroutines {
		wg.Go(func() {
			for time.Now().Before(end) {
				a, err := c.Allow(ctx)
				if err != nil {
					if !assert.ErrorIs(t, err, runtime.ErrOpen) {
						return
					}
					client.Incr(ctx, prefix+":skipped")
					time.Sleep(time.Millisecond)
					continue
				}
				if !a.Probe() {
					client.Incr(ctx, prefix+":others")
					a.Done(ctx, errProbe)
					continue
				}
				st, err := status.Status(ctx, time.Time{})
				assert.NoError(t, err)
				client.HIncrBy(ctx, prefix+":probes", strconv.FormatInt(st.OpenedAt.UnixMicro(), 10), 1)
				time.Sleep(raceProbeTime) // the probe's call to the dependency
				a.Done(ctx, errProbe)
			}
		})
	}
	wg.Wait()
	assert.Zero(t, failures.count(), "storage failures")
}

// TestClockSkew gives two runtime breakers, with stores of their own on one
// Redis, clocks an hour apart: at every step both see the same status and make
// the same decision, because every decision uses Redis's time.
func TestClockSkew(t *testing.T) {
	_, client := server(t)
	ctx := context.Background()
	base := time.Now()
	first := newStore(t, client)
	stores := []*redisstore.Store{first, newStoreWithPrefix(t, client, first)}
	var circuits []*runtime.Circuit
	opts := runtime.Options{CoolDown: time.Minute, EvaluationWindow: time.Minute, RateThreshold: 0.5, SampleThreshold: 3}
	for i, s := range stores {
		clk := fixedClock{base.Add(time.Duration(i) * time.Hour)}
		b := runtime.MustNew(runtime.WithStorage(s), runtime.WithClock(clk), runtime.WithStorageTimeout(protocolTimeout))
		circuits = append(circuits, b.Circuit("skew", opts))
	}
	advance := func(d time.Duration) {
		for _, s := range stores {
			s.Advance(d)
		}
	}
	// agree reports whether both breakers see one status and would decide alike.
	agree := func() (runtime.Status, bool) {
		var sts []runtime.Status
		for _, c := range circuits {
			st, err := c.Status(ctx)
			require.NoError(t, err)
			require.False(t, st.Stub)
			sts = append(sts, st)
		}
		a, b := sts[0], sts[1]
		require.WithinDuration(t, a.CurrentTime, b.CurrentTime, time.Second, "CurrentTime is Redis's")
		return a, a.State == b.State && a.OpenedAt.Equal(b.OpenedAt) && a.ReservedAt.Equal(b.ReservedAt) &&
			a.Open() == b.Open() && a.HalfOpen() == b.HalfOpen() && a.Reserved() == b.Reserved() &&
			a.CanRun() == b.CanRun() && a.SampleSize == b.SampleSize
	}
	same := func(step string) runtime.Status {
		t.Helper()
		a, ok := agree()
		require.True(t, ok, "%s: the skewed breakers disagree", step)
		return a
	}
	boom := errors.New("boom")
	// Failures from both breakers open the circuit once: in a fleet store as
	// soon as the breakers' flushes merge their counts.
	for i := range 3 {
		_ = circuits[i%2].Run(ctx, func(context.Context) error { return boom })
	}
	eventually(t, 5*time.Second, "both breakers to see the circuit open", func() bool {
		st, ok := agree()
		return ok && st.Open()
	})
	// The breaker an hour ahead does not take the circuit for half-open.
	for i, c := range circuits {
		require.ErrorIs(t, c.Run(ctx, func(context.Context) error { return nil }), runtime.ErrOpen, "breaker %d", i)
	}
	// A second past the cool-down: a fleet store decides on its estimate of the
	// server's clock, which may lag it by the coarse clock's milliseconds.
	advance(time.Minute + time.Second)
	require.True(t, same("after the cool-down").HalfOpen())
	// Exactly one of the two gets the probe, whichever asks first.
	a1, err1 := circuits[1].Allow(ctx)
	_, err0 := circuits[0].Allow(ctx)
	require.NoError(t, err1)
	require.True(t, a1.Probe(), "the first asker probes")
	require.ErrorIs(t, err0, runtime.ErrOpen)
	require.True(t, same("probe reserved").Reserved())
	a1.Done(ctx, nil)
	st := same("after the probe")
	assert.True(t, st.Closed() && st.SampleSize <= 1, "after a good probe: %+v", st)
}

type fixedClock struct{ t time.Time }

func (c fixedClock) Now() time.Time { return c.t }

var _ storage.Storage = (*redisstore.Store)(nil)
