package redisstore_test

import (
	"bufio"
	"context"
	"encoding/json"
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
	"github.com/breakergen/breakergen/runtime/storage"
	"github.com/breakergen/breakergen/runtime/storage/redisstore"
	"github.com/redis/go-redis/v9"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// Settings of the fleet test.
const (
	envFleetChild   = "BREAKERGEN_FLEET_CHILD"
	envFleetCluster = "BREAKERGEN_FLEET_CLUSTER" // comma-separated cluster addresses
	fleetProcesses  = 4
	fleetGoroutines = 16
	fleetRun        = 2 * time.Second
	fleetFlip       = 300 * time.Millisecond // the dependency is healthy, then failing, in turns
	fleetCallTime   = time.Millisecond       // how long a call to the dependency takes
	fleetCircuit    = "fleet"
)

// fleetReport is what a child process of TestFleetProcesses accounts for.
type fleetReport struct {
	Calls    int64   // calls attempted
	Ran      int64   // calls that ran
	Skipped  int64   // calls refused with ErrOpen
	FellOpen int64   // storage failures the calls survived, running
	Probes   []int64 // the OpenedAt (µs) of the fleet's half-open window of every fleet probe run
	Local    int64   // probes of the process's own openings
	Failure  string  // the first storage failure, if any
}

// TestFleetProcesses runs several OS processes (the test binary again), each
// with many goroutines calling one circuit of a fleet store, while the
// dependency turns healthy and failing in turns. Every call is accounted for,
// exactly one probe runs per half-open window across the fleet, and the
// commands Redis ran per protected call are reported.
func TestFleetProcesses(t *testing.T) {
	if os.Getenv(envFleetChild) != "" {
		fleetChild(t)
		return
	}
	srv := redistest.Start(t)
	cluster := redistest.StartCluster(t, 3)
	for _, tc := range []struct{ name, addr, cluster string }{
		{"standalone", srv.Addr(), ""},
		{"cluster", "", strings.Join(cluster.Addrs(), ",")},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var admins []*redis.Client
			if tc.cluster == "" {
				admins = []*redis.Client{srv.Client(t, nil)}
			} else {
				for _, m := range cluster.Masters {
					admins = append(admins, m.Client(t, nil))
				}
			}
			runFleet(t, tc.addr, tc.cluster, admins)
		})
	}
}

func runFleet(t *testing.T, addr, clusterAddrs string, admins []*redis.Client) {
	ctx := context.Background()
	before := totalCommands(t, ctx, admins)
	exe, err := os.Executable()
	require.NoError(t, err)
	prefix := uniquePrefix()
	start := time.Now().Add(500 * time.Millisecond).UnixMilli() // all processes start together
	var wg sync.WaitGroup
	reports := make([]fleetReport, fleetProcesses)
	for i := range fleetProcesses {
		cmd := exec.Command(exe, "-test.run=^TestFleetProcesses$", "-test.count=1")
		cmd.Env = append(os.Environ(), envFleetChild+"="+strconv.FormatInt(start, 10), envAddr+"="+addr,
			envPrefix+"="+prefix, envFleetCluster+"="+clusterAddrs)
		wg.Go(func() {
			out, err := cmd.CombinedOutput()
			if !assert.NoError(t, err, "child:\n%s", out) {
				return
			}
			reports[i] = parseReport(t, out)
		})
	}
	wg.Wait()
	after := totalCommands(t, ctx, admins)
	var total fleetReport
	probes := make(map[int64]int)
	for _, r := range reports {
		assert.Equal(t, r.Calls, r.Ran+r.Skipped, "a child's calls: ran + skipped")
		total.Calls += r.Calls
		total.Ran += r.Ran
		total.Skipped += r.Skipped
		total.FellOpen += r.FellOpen
		total.Local += r.Local
		if r.Failure != "" {
			t.Logf("a child's first storage failure: %s", r.Failure)
		}
		for _, p := range r.Probes {
			probes[p]++
		}
	}
	for opened, n := range probes {
		assert.Equal(t, 1, n, "probes in the half-open window opened at %d", opened)
	}
	// A process may open on its own window a flush before the fleet's quorum
	// opens the shared circuit, and probe that opening alone; the fleet's
	// circuit opens in the dependency's failing turns all the same.
	assert.GreaterOrEqual(t, len(probes), 2, "the fleet's half-open windows probed")
	// Calls that fell open (the storage missed its deadline on a loaded
	// machine) ran: they are accounted for in ran, and reported.
	t.Logf("%d processes × %d goroutines: %d calls, %d ran, %d skipped, %d fell open; %d half-open windows, one probe each; %d probes of a process's own opening; %.4f Redis commands per call",
		fleetProcesses, fleetGoroutines, total.Calls, total.Ran, total.Skipped, total.FellOpen, len(probes), total.Local,
		float64(after-before)/float64(total.Calls))
}

// parseReport finds the child's report line in its output.
func parseReport(t *testing.T, out []byte) fleetReport {
	sc := bufio.NewScanner(strings.NewReader(string(out)))
	for sc.Scan() {
		if line, ok := strings.CutPrefix(sc.Text(), "FLEETREPORT "); ok {
			var r fleetReport
			require.NoError(t, json.Unmarshal([]byte(line), &r))
			return r
		}
	}
	t.Fatalf("no report in the child's output:\n%s", out)
	return fleetReport{}
}

// totalCommands returns the commands the servers ran, scripts' inner commands
// included.
func totalCommands(t testing.TB, ctx context.Context, admins []*redis.Client) int {
	n := 0
	for _, a := range admins {
		stats, err := commandStats(ctx, a)
		if err != nil {
			panic(err)
		}
		for _, v := range stats {
			n += v
		}
	}
	return n
}

// fleetClient connects a child process to the Redis of the test.
func fleetClient() redis.UniversalClient {
	if addrs := os.Getenv(envFleetCluster); addrs != "" {
		return redis.NewClusterClient(&redis.ClusterOptions{Addrs: strings.Split(addrs, ",")})
	}
	return redis.NewClient(&redis.Options{Addr: os.Getenv(envAddr), PoolSize: fleetGoroutines + 4})
}

// fleetChild is one process of TestFleetProcesses; it prints its report.
func fleetChild(t *testing.T) {
	start, err := strconv.ParseInt(os.Getenv(envFleetChild), 10, 64)
	require.NoError(t, err)
	client := fleetClient()
	defer client.Close()
	store, err := redisstore.New(client, redisstore.WithPrefix(os.Getenv(envPrefix)))
	require.NoError(t, err)
	var r fleetReport
	var mu sync.Mutex
	var calls, ran, skipped, fellOpen atomic.Int64
	b := runtime.MustNew(runtime.WithStorage(store), runtime.WithStorageTimeout(protocolTimeout), runtime.WithListener(runtime.ListenerFunc(func(e runtime.Event) {
		switch e.Type {
		case runtime.EventProbe:
			mu.Lock()
			if e.Status.Scope == storage.ScopeProcess {
				// A process probes its own opening (its own window crossed
				// the threshold before the fleet's quorum did) alone.
				r.Local++
			} else {
				r.Probes = append(r.Probes, e.Status.OpenedAt.UnixMicro())
			}
			mu.Unlock()
		case runtime.EventStorageFailure:
			fellOpen.Add(int64(1 + e.Suppressed))
			mu.Lock()
			if r.Failure == "" {
				r.Failure = e.Err.Error()
			}
			mu.Unlock()
		}
	}), runtime.EventProbe, runtime.EventStorageFailure))
	c := b.Circuit(fleetCircuit, runtime.Options{CoolDown: 150 * time.Millisecond, EvaluationWindow: fleetFlip, RateThreshold: 0.5, SampleThreshold: 10})
	ctx := context.Background()
	// Connect before the start, as a service does before it takes traffic: the
	// first dial and slot map of a cluster client can take longer than the
	// storage deadline on a loaded machine.
	for range 3 {
		if _, err := c.Status(ctx); err == nil {
			break
		}
	}
	time.Sleep(time.Until(time.UnixMilli(start)))
	end := time.Now().Add(fleetRun)
	var wg sync.WaitGroup
	for range fleetGoroutines {
		wg.Go(func() {
			for time.Now().Before(end) {
				calls.Add(1)
				a, err := c.Allow(ctx)
				if err != nil {
					skipped.Add(1)
					time.Sleep(time.Millisecond)
					continue
				}
				ran.Add(1)
				var derr error
				if time.Now().UnixMilli()/fleetFlip.Milliseconds()%2 == 1 {
					derr = errDependency
				}
				time.Sleep(fleetCallTime) // the dependency's latency
				a.Done(ctx, derr)
			}
		})
	}
	wg.Wait()
	require.NoError(t, store.Shutdown(ctx))
	r.Calls, r.Ran, r.Skipped, r.FellOpen = calls.Load(), ran.Load(), skipped.Load(), fellOpen.Load()
	out, err := json.Marshal(r)
	require.NoError(t, err)
	os.Stdout.WriteString("FLEETREPORT " + string(out) + "\n")
}
