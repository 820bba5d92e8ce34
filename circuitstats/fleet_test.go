package circuitstats_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/breakergen/breakergen/circuitstats"
	"github.com/breakergen/breakergen/internal/testing/redistest"
	"github.com/breakergen/breakergen/runtime"
	"github.com/breakergen/breakergen/runtime/storage"
	"github.com/breakergen/breakergen/runtime/storage/redisstore"
	"github.com/redis/go-redis/v9"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// fleetOpts open a circuit after three failures of three, and keep it open
// through the test.
var fleetOpts = runtime.Options{CoolDown: time.Hour, EvaluationWindow: time.Minute, RateThreshold: 0.5, SampleThreshold: 3}

// member is one process of a fleet: a fleet store on a Redis shared with the
// others, a breaker counting into its own Stats, and its circuit "c".
type member struct {
	store *redisstore.Store
	stats *circuitstats.Stats
	c     *runtime.Circuit
}

func newMember(t *testing.T, client redis.UniversalClient) *member {
	t.Helper()
	store, err := redisstore.New(client, redisstore.WithPrefix("stats"))
	require.NoError(t, err)
	t.Cleanup(func() { _ = store.Shutdown(context.Background()) })
	stats := circuitstats.New()
	b := runtime.MustNew(runtime.WithStorage(store), runtime.WithStorageTimeout(2*time.Second), runtime.WithListener(stats))
	stats.Watch(b)
	return &member{store: store, stats: stats, c: b.Circuit("c", fleetOpts)}
}

// circuit returns the snapshot of the member's circuit.
func (m *member) circuit(t *testing.T) circuitstats.Circuit {
	t.Helper()
	snap := m.stats.Snapshot(context.Background())
	require.Len(t, snap.Circuits, 1)
	return snap.Circuits[0]
}

func calls(m *member, n int, err error) {
	for range n {
		_ = m.c.Run(context.Background(), func(context.Context) error { return err })
	}
}

// TestEveryProcessCountsAFleetTransitionOnce: the process that opens the
// fleet's circuit and the one that learns it count one opening each, of the
// fleet's scope; a lock set in one is counted in both.
func TestEveryProcessCountsAFleetTransitionOnce(t *testing.T) {
	srv := redistest.Start(t)
	a, b := newMember(t, srv.Client(t, nil)), newMember(t, srv.Client(t, nil))
	_, err := b.c.Status(context.Background()) // b knows the circuit
	require.NoError(t, err)
	calls(a, 3, errors.New("down"))
	require.Eventually(t, func() bool { return b.circuit(t).Transitions[0][0] > 0 }, 5*time.Second, 5*time.Millisecond,
		"b learning the opening")
	require.NoError(t, a.c.LockOpen(context.Background()))
	require.Eventually(t, func() bool { return b.circuit(t).LockChanges[1] > 0 }, 5*time.Second, 5*time.Millisecond,
		"b learning the lock")
	time.Sleep(50 * time.Millisecond) // room for a duplicate to show up
	for name, m := range map[string]*member{"a": a, "b": b} {
		got := m.circuit(t)
		assert.Equal(t, [3][2]uint64{{1, 0}, {0, 0}, {0, 0}}, got.Transitions, "%s: one opening, of the fleet's verdict", name)
		assert.Equal(t, [3]uint64{0, 1, 0}, got.LockChanges, "%s: one lock open", name)
		assert.Equal(t, storage.ScopeFleet, got.Status.Scope, name)
	}
}

// TestALocalOpeningIsCountedByItsProcessOnly: a process whose own calls fail
// while the fleet's are healthy opens for itself (scope process) and its
// status says so; the healthy one counts nothing.
func TestALocalOpeningIsCountedByItsProcessOnly(t *testing.T) {
	srv := redistest.Start(t)
	healthy, bad := newMember(t, srv.Client(t, nil)), newMember(t, srv.Client(t, nil))
	calls(healthy, 20, nil)
	require.NoError(t, healthy.store.Flush(context.Background()))
	calls(bad, 3, errors.New("no route to host"))
	require.ErrorIs(t, bad.c.Run(context.Background(), func(context.Context) error { return nil }), runtime.ErrOpen)

	got := bad.circuit(t)
	assert.Equal(t, [3][2]uint64{{0, 1}, {0, 0}, {0, 0}}, got.Transitions, "one local opening")
	require.True(t, got.HasStatus)
	assert.Equal(t, storage.ScopeProcess, got.Status.Scope, "the verdict in force is the process's own")
	got = healthy.circuit(t)
	assert.Equal(t, [3][2]uint64{}, got.Transitions, "the healthy process counts no transition")
	assert.Equal(t, storage.ScopeFleet, got.Status.Scope)
}
