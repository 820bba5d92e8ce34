package redisstore_test

import (
	"context"
	"os"
	"testing"
	"time"

	"github.com/breakergen/breakergen/runtime"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// The real-process ramp test: a ramp of two seconds, cut in ten slots.
const (
	envRampChild = "BREAKERGEN_RAMP_CHILD"
	rampMark     = "RAMPREPORT"
	rampCircuit  = "ramp-processes"
	rampSlots    = 10
)

var rampOpts = runtime.Options{CoolDown: 300 * time.Millisecond, Ramp: 2 * time.Second,
	EvaluationWindow: time.Minute, RateThreshold: 0.5, SampleThreshold: 3}

// rampSlotsReport is what one process of TestRampWithProcesses counted: per
// tenth of the ramp, on its estimate of the server's clock, the calls it
// asked for and those its circuit let through.
type rampSlotsReport struct {
	Asked, Admitted [rampSlots]int
}

// TestRampWithProcesses checks Ramp with two real OS processes sharing a
// circuit: this one trips it and closes it with a probe, which starts the
// ramp in Redis; both then call at a steady pace, and the share of calls the
// fleet lets through in each tenth of the ramp is that tenth's share of the
// schedule (growing linearly from 0 to all) within 10 points.
func TestRampWithProcesses(t *testing.T) {
	if os.Getenv(envRampChild) != "" {
		rampChild(t)
		return
	}
	c, wait := trippedWithChild(t, "TestRampWithProcesses", envRampChild+"=1", rampCircuit, rampOpts)
	ctx := context.Background()
	require.NoError(t, c.Run(ctx, succeed), "the probe runs, and closes the circuit")
	closed, err := c.Status(ctx)
	require.NoError(t, err)
	require.Equal(t, runtime.StateClosed, closed.State)
	require.False(t, closed.ClosedAt.IsZero(), "the ramp's start")
	mine := rampCalls(t, c)

	var theirs rampSlotsReport
	childReport(t, wait(30*time.Second), rampMark, &theirs)
	for i := range rampSlots {
		asked, admitted := mine.Asked[i]+theirs.Asked[i], mine.Admitted[i]+theirs.Admitted[i]
		require.Positive(t, theirs.Asked[i], "the child called in slot %d", i)
		want := (float64(i) + 0.5) / rampSlots
		got := float64(admitted) / float64(asked)
		t.Logf("%3d%%–%3d%% of the ramp: %4d of %4d calls admitted fleet-wide (%.3f; schedule %.3f; here %d/%d, child %d/%d)",
			i*10, i*10+10, admitted, asked, got, want, mine.Admitted[i], mine.Asked[i], theirs.Admitted[i], theirs.Asked[i])
		assert.InDelta(t, want, got, 0.1, "the fleet's admitted share in slot %d", i)
	}
}

// rampCalls calls c every half millisecond until the ramp that c's view shows
// is over, and counts the calls per slot of the ramp, on the view's clock.
func rampCalls(t *testing.T, c *runtime.Circuit) rampSlotsReport {
	ctx := context.Background()
	var r rampSlotsReport
	for deadline := time.Now().Add(10 * time.Second); ; {
		require.True(t, time.Now().Before(deadline), "the ramp did not end in 10s: %+v", r)
		st, err := c.Peek(ctx)
		require.NoError(t, err)
		if st.State != runtime.StateClosed || st.ClosedAt.IsZero() {
			time.Sleep(time.Millisecond)
			continue
		}
		elapsed := st.CurrentTime.Sub(st.ClosedAt)
		if elapsed >= rampOpts.Ramp {
			return r
		}
		slot := int(elapsed * rampSlots / rampOpts.Ramp)
		a, err := c.Allow(ctx)
		r.Asked[slot]++
		if err == nil {
			r.Admitted[slot]++
			a.Done(ctx, nil)
		}
		time.Sleep(500 * time.Microsecond)
	}
}

// rampChild is the other process of TestRampWithProcesses.
func rampChild(t *testing.T) {
	c := childCircuit(t, rampCircuit, rampOpts)
	ctx := context.Background()
	require.Eventually(t, func() bool { // the opening, then the close that starts the ramp
		st, err := c.Peek(ctx)
		return err == nil && st.State == runtime.StateOpen
	}, 10*time.Second, time.Millisecond, "the opening")
	printReport(t, rampMark, rampCalls(t, c))
}
