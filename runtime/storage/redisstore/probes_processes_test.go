package redisstore_test

import (
	"context"
	"os"
	"sync"
	"testing"
	"time"

	"github.com/breakergen/breakergen/runtime"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// The real-process test of several probes: three, out of two processes of
// eight goroutines each.
const (
	envProbesChild = "BREAKERGEN_PROBES_CHILD"
	probesCircuit  = "probes-processes"
	probesMark     = "PROBESREPORT"
)

var probesOpts = runtime.Options{CoolDown: 300 * time.Millisecond, HalfOpenProbes: 3,
	EvaluationWindow: time.Minute, RateThreshold: 0.5, SampleThreshold: 3}

// probesReport is what one process of TestSeveralProbesWithProcesses saw:
// the calls its circuit let through as probes.
type probesReport struct{ Admitted int }

// TestSeveralProbesWithProcesses checks HalfOpenProbes across two real OS
// processes sharing a circuit: once its cool-down is over, sixteen goroutines
// of the two race for the probes for 150 ms, holding the ones they get
// (reservations outlive the race); exactly three calls are let through
// fleet-wide, and their three successes close the circuit.
func TestSeveralProbesWithProcesses(t *testing.T) {
	if os.Getenv(envProbesChild) != "" {
		c := childCircuit(t, probesCircuit, probesOpts)
		require.Eventually(t, func() bool {
			st, err := c.Peek(context.Background())
			return err == nil && st.State == runtime.StateOpen
		}, 10*time.Second, time.Millisecond, "the opening")
		printReport(t, probesMark, probesReport{Admitted: raceForProbes(c)})
		return
	}
	c, wait := trippedWithChild(t, "TestSeveralProbesWithProcesses", envProbesChild+"=1", probesCircuit, probesOpts)
	ctx := context.Background()
	mine := 0
	var theirs probesReport
	var wg sync.WaitGroup
	wg.Go(func() { childReport(t, wait(20*time.Second), probesMark, &theirs) })
	mine = raceForProbes(c)
	wg.Wait()
	t.Logf("probes let through: %d here, %d in the child", mine, theirs.Admitted)
	assert.Equal(t, 3, mine+theirs.Admitted, "probes let through fleet-wide")
	require.Eventually(t, func() bool {
		st, err := c.Status(ctx)
		return err == nil && st.State == runtime.StateClosed
	}, 5*time.Second, 10*time.Millisecond, "three successful probes closed the fleet's circuit")
}

// raceForProbes runs eight goroutines that ask c to let a call through every
// millisecond for 150 ms from the end of its cool-down, on c's view, each
// holding the probe it gets; then each held probe succeeds. It returns how
// many calls were let through.
func raceForProbes(c *runtime.Circuit) int {
	ctx := context.Background()
	st, _ := c.Peek(ctx)
	start := time.Now().Add(st.OpenedAt.Add(st.Options.CoolDown).Sub(st.CurrentTime))
	time.Sleep(time.Until(start))
	var mu sync.Mutex
	var held []*runtime.Attempt
	var wg sync.WaitGroup
	for range 8 {
		wg.Go(func() {
			for time.Since(start) < 150*time.Millisecond {
				if a, err := c.Allow(ctx); err == nil {
					mu.Lock()
					held = append(held, &a)
					mu.Unlock()
					return
				}
				time.Sleep(time.Millisecond)
			}
		})
	}
	wg.Wait()
	for _, a := range held {
		a.Done(ctx, nil)
	}
	return len(held)
}
