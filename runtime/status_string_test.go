package runtime_test

import (
	"context"
	"testing"
	"time"

	"github.com/breakergen/breakergen/runtime"
	"github.com/breakergen/breakergen/runtime/storage"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// refusal returns the error of a call the circuit refuses.
func refusal(t *testing.T, c *runtime.Circuit) string {
	t.Helper()
	_, err := c.Allow(context.Background())
	require.ErrorIs(t, err, runtime.ErrOpen)
	return err.Error()
}

// TestStatusWordsThroughAnIncident follows one circuit through an incident
// and checks the words of its status and of its refusals at every step: a
// probe in flight is said only while one is, and a reopened circuit reads
// "open" (it used to read "half-open, probe in flight").
func TestStatusWordsThroughAnIncident(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	assert.Equal(t, "closed", f.status(t).String())

	f.trip(t)
	assert.Equal(t, "open", f.status(t).String())
	assert.Equal(t, `breakergen: circuit "dep" open`, refusal(t, f.c))

	f.clock.Advance(10 * time.Second)
	assert.Equal(t, "half-open", f.status(t).String())

	probe, err := f.c.Allow(ctx)
	require.NoError(t, err)
	require.True(t, probe.Probe())
	assert.Equal(t, "open, probe in flight", f.status(t).String())
	assert.Equal(t, `breakergen: circuit "dep" open, probe in flight`, refusal(t, f.c))

	probe.Done(ctx, errBoom) // the probe fails: reopened, its old reservation kept
	assert.Equal(t, "open", f.status(t).String(), "nothing is in flight after a failed probe")
	assert.Equal(t, `breakergen: circuit "dep" open`, refusal(t, f.c))

	require.NoError(t, f.c.LockOpen(ctx))
	assert.Equal(t, "open (locked open)", f.status(t).String())
	assert.Equal(t, `breakergen: circuit "dep" open (locked open)`, refusal(t, f.c))

	require.NoError(t, f.c.LockClosed(ctx))
	assert.Equal(t, "closed (locked closed)", f.status(t).String())
}

func TestStatusWordsOfAStub(t *testing.T) {
	now := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	st := runtime.Status{State: runtime.StateOpen, CurrentTime: now, Stub: true}
	assert.Equal(t, "unknown (storage failed)", st.String())
	err := &runtime.OpenCircuitError{Circuit: "db", Status: st}
	assert.Equal(t, `breakergen: circuit "db" open`, err.Error(), "refused from the last state known")
}

// TestStatusWordsOfAProcessVerdict checks that a status of this process's own
// verdict says so, and that a refusal by it does.
func TestStatusWordsOfAProcessVerdict(t *testing.T) {
	now := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	o := runtime.Options{CoolDown: time.Minute}
	open := runtime.Status{State: runtime.StateOpen, OpenedAt: now, CurrentTime: now, Options: o, Scope: storage.ScopeProcess}
	assert.Equal(t, "open (this process)", open.String())
	err := &runtime.OpenCircuitError{Circuit: "db", Status: open}
	assert.Equal(t, `breakergen: circuit "db" open (this process)`, err.Error())
	half := open
	half.CurrentTime = now.Add(2 * time.Minute)
	assert.Equal(t, "half-open (this process)", half.String())
	probing := half
	probing.ReservedAt = half.CurrentTime
	assert.Equal(t, "open, probe in flight (this process)", probing.String())
	err = &runtime.OpenCircuitError{Circuit: "db", Status: probing}
	assert.Equal(t, `breakergen: circuit "db" open, probe in flight (this process)`, err.Error())
	alone := runtime.Status{CurrentTime: now, Options: o, Scope: storage.ScopeProcess}
	assert.Equal(t, "closed (this process)", alone.String(), "cut off from the fleet, deciding alone")
	locked := open
	locked.Lock = runtime.LockOpen
	assert.Equal(t, "open (locked open)", locked.String(), "a lock is the fleet's")
}
