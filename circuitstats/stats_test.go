package circuitstats_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/breakergen/breakergen/circuitstats"
	"github.com/breakergen/breakergen/runtime"
	"github.com/breakergen/breakergen/runtime/breakerimpl"
	"github.com/breakergen/breakergen/runtime/storage"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func run(c *runtime.Circuit, err error) {
	_ = c.Run(context.Background(), func(context.Context) error { return err })
}

func TestCountsCallsAndEvents(t *testing.T) {
	s := circuitstats.New()
	b := runtime.MustNew(runtime.WithListener(s))
	excluded := errors.New("not found")
	c := b.Circuit("db", runtime.Options{Exclude: []error{excluded}, CoolDown: time.Hour})
	run(c, nil)
	run(c, excluded)
	for range 3 {
		run(c, errors.New("down"))
	}
	run(c, nil) // skipped, then answered by a fallback, as a generated method tells:
	breakerimpl.CountFallback(c)
	s.Handle(runtime.Event{Type: runtime.EventStorageFailure, Circuit: "db", Suppressed: 9})

	snap := s.Snapshot(context.Background())
	assert.Equal(t, uint64(10), snap.StorageFailures)
	require.Len(t, snap.Circuits, 1)
	got := snap.Circuits[0]
	assert.Equal(t, "db", got.Name)
	assert.True(t, got.Counted)
	assert.Equal(t, [circuitstats.NumOutcomes]uint64{1, 2, 1, 2}, got.Calls, "2 of 3 samples failed: open; the third failure and the last call skipped")
	assert.Equal(t, uint64(1), got.Fallbacks, "a fallback answered a skipped call")
	var sum uint64
	for _, n := range got.Calls {
		sum += n
	}
	assert.Equal(t, uint64(6), sum, "the outcomes partition the six calls")
	assert.Equal(t, [3][2]uint64{{1, 0}, {0, 0}, {0, 0}}, got.Transitions, "one opening of the fleet's verdict")
	assert.False(t, got.HasStatus, "no breaker watched")
}

// TestCountsTransitionsByScopeAndLockChanges: a local opening is told apart
// from the fleet's, a transition learnt from another process counts like one
// of this process's own, and lock changes are counted by the lock set.
func TestCountsTransitionsByScopeAndLockChanges(t *testing.T) {
	s := circuitstats.New()
	b := runtime.MustNew(runtime.WithListener(s, s.Events()...))
	c := b.Circuit("db")
	ctx := context.Background()
	require.NoError(t, c.LockOpen(ctx))
	require.NoError(t, c.LockClosed(ctx))
	require.NoError(t, c.Unlock(ctx))
	local := runtime.Status{State: runtime.StateOpen, Scope: storage.ScopeProcess}
	fleet := runtime.Status{State: runtime.StateOpen, Scope: storage.ScopeFleet}
	for _, e := range []runtime.Event{
		{Type: runtime.EventOpened, Status: local},
		{Type: runtime.EventReopened, Status: local},
		{Type: runtime.EventClosed, Status: runtime.Status{Scope: storage.ScopeProcess}},
		{Type: runtime.EventOpened, Status: fleet, Remote: true},
		{Type: runtime.EventClosed, Remote: true},
		{Type: runtime.EventLockChanged, Status: runtime.Status{Lock: runtime.LockOpen}, Remote: true},
		{Type: runtime.EventLockChanged, Status: runtime.Status{Lock: runtime.LockNone}, Remote: true},
	} {
		e.Circuit = "db"
		s.Handle(e)
	}

	snap := s.Snapshot(context.Background())
	require.Len(t, snap.Circuits, 1)
	got := snap.Circuits[0]
	assert.Equal(t, [3][2]uint64{{1, 1}, {0, 1}, {1, 1}}, got.Transitions, "by transition, then fleet and process")
	assert.Equal(t, [3]uint64{2, 2, 1}, got.LockChanges, "unlocks, locks open, locks closed")
	assert.Contains(t, s.Events(), runtime.EventLockChanged)
}

func TestWatchedBreakerBoundsTheCircuits(t *testing.T) {
	s := circuitstats.New()
	b := runtime.MustNew(runtime.WithListener(s))
	s.Watch(b)
	s.Watch(b)
	s.Watch(nil)
	for _, name := range []string{"b", "a", "c"} {
		run(b.Circuit(name), nil)
	}
	snap := s.Snapshot(context.Background())
	require.Len(t, snap.Circuits, 3)
	assert.Equal(t, "a", snap.Circuits[0].Name)
	assert.True(t, snap.Circuits[0].HasStatus)
	assert.True(t, snap.Circuits[0].Status.Closed())

	require.True(t, b.Drop("b"))
	snap = s.Snapshot(context.Background())
	require.Len(t, snap.Circuits, 2)
	assert.Equal(t, "c", snap.Circuits[1].Name)

	run(b.Circuit("b"), nil) // made again: counts from zero
	snap = s.Snapshot(context.Background())
	require.Len(t, snap.Circuits, 3)
	assert.Equal(t, uint64(1), snap.Circuits[1].Calls[0])

	other := runtime.MustNew() // watched, but Stats does not listen to it
	s.Watch(other)
	other.Circuit("z")
	snap = s.Snapshot(context.Background())
	require.Len(t, snap.Circuits, 4)
	assert.False(t, snap.Circuits[3].Counted)
	assert.True(t, snap.Circuits[3].HasStatus)
}

// broken is a storage whose every call fails.
type broken struct{}

func (broken) Bind(string, storage.Policy) (storage.Handle, error) { return brokenHandle{}, nil }

type brokenHandle struct{}

var errDown = errors.New("storage down")

func (brokenHandle) Status(context.Context, time.Time) (storage.Status, error) {
	return storage.Status{}, errDown
}
func (brokenHandle) Record(context.Context, time.Time, storage.Outcome) (storage.Result, error) {
	return storage.Result{}, errDown
}
func (brokenHandle) Reserve(context.Context, time.Time, time.Time, time.Time) (time.Time, bool, error) {
	return time.Time{}, false, errDown
}
func (brokenHandle) Release(context.Context, time.Time, time.Time) (bool, error) {
	return false, errDown
}
func (brokenHandle) Lock(context.Context, time.Time, storage.Lock) error { return errDown }
func (brokenHandle) Reset(context.Context, time.Time) error              { return errDown }

func TestUnreadableStatusIsLeftOut(t *testing.T) {
	s := circuitstats.New()
	b := runtime.MustNew(runtime.WithStorage(broken{}), runtime.WithListener(s))
	s.Watch(b)
	run(b.Circuit("db"), nil)
	snap := s.Snapshot(context.Background())
	require.Len(t, snap.Circuits, 1)
	assert.False(t, snap.Circuits[0].HasStatus, "a stub says nothing of the circuit")
	assert.Equal(t, uint64(1), snap.Circuits[0].Calls[0], "the call ran, failing open")
	assert.NotZero(t, snap.StorageFailures)
}
