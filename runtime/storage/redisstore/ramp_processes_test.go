package redisstore_test

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/breakergen/breakergen/internal/testing/redistest"
	"github.com/breakergen/breakergen/runtime"
	"github.com/breakergen/breakergen/runtime/storage/redisstore"
	"github.com/redis/go-redis/v9"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// The real-process ramp test: a ramp of two seconds, cut in ten slots.
const (
	envRampChild = "BREAKERGEN_RAMP_CHILD"
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
	srv := redistest.Start(t)
	s := newStore(t, srv.Client(t, nil))
	b := runtime.MustNew(runtime.WithStorage(s), runtime.WithStorageTimeout(protocolTimeout))
	c := b.Circuit(rampCircuit, rampOpts)
	ctx := context.Background()
	exe, err := os.Executable()
	require.NoError(t, err)
	cmd := exec.Command(exe, "-test.run=^TestRampWithProcesses$", "-test.count=1")
	cmd.Env = append(os.Environ(), envRampChild+"=1", envAddr+"="+srv.Addr(), envPrefix+"="+s.Prefix())
	var out strings.Builder
	cmd.Stdout, cmd.Stderr = &out, &out
	require.NoError(t, cmd.Start())
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	time.Sleep(300 * time.Millisecond) // the child binds the circuit and subscribes

	for range 3 {
		_ = c.Run(ctx, fail)
	}
	time.Sleep(rampOpts.CoolDown)
	require.NoError(t, c.Run(ctx, succeed), "the probe runs, and closes the circuit")
	closed, err := c.Status(ctx)
	require.NoError(t, err)
	require.Equal(t, runtime.StateClosed, closed.State)
	require.False(t, closed.ClosedAt.IsZero(), "the ramp's start")
	mine := rampCalls(t, c)

	select {
	case err := <-done:
		require.NoError(t, err, "child:\n%s", out.String())
	case <-time.After(30 * time.Second):
		t.Fatalf("the child did not finish:\n%s", out.String())
	}
	theirs := parseRampReport(t, out.String())
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
	client := redis.NewClient(&redis.Options{Addr: os.Getenv(envAddr)})
	defer client.Close()
	store, err := redisstore.New(client, redisstore.WithPrefix(os.Getenv(envPrefix)))
	require.NoError(t, err)
	defer func() { _ = store.Shutdown(context.Background()) }()
	b := runtime.MustNew(runtime.WithStorage(store), runtime.WithStorageTimeout(protocolTimeout))
	c := b.Circuit(rampCircuit, rampOpts)
	ctx := context.Background()
	_, err = c.Status(ctx)
	require.NoError(t, err)
	require.Eventually(t, func() bool { // the opening, then the close that starts the ramp
		st, err := c.Peek(ctx)
		return err == nil && st.State == runtime.StateOpen
	}, 10*time.Second, time.Millisecond, "the opening")
	r := rampCalls(t, c)
	out, err := json.Marshal(r)
	require.NoError(t, err)
	fmt.Println("RAMPREPORT " + string(out))
}

// parseRampReport finds the child's report line in its output.
func parseRampReport(t *testing.T, out string) rampSlotsReport {
	t.Helper()
	for line := range strings.SplitSeq(out, "\n") {
		if rest, ok := strings.CutPrefix(line, "RAMPREPORT "); ok {
			var r rampSlotsReport
			require.NoError(t, json.Unmarshal([]byte(rest), &r))
			return r
		}
	}
	t.Fatalf("no report in the child's output:\n%s", out)
	return rampSlotsReport{}
}
