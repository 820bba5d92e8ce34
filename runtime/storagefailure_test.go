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

func TestStorageFailureFailsOpenAndRecovers(t *testing.T) {
	ctx := context.Background()
	backend := newSpy()
	f := newFixture(t, runtime.WithStorage(backend))
	require.NoError(t, f.c.LockClosed(ctx))
	backend.down.Store(true)
	for range 20 {
		require.True(t, f.call(t, nil), "a call was skipped while storage was down")
	}
	require.NotZero(t, f.rec.count(runtime.EventStorageFailure), "no EventStorageFailure while storage was down")
	ev, _ := f.rec.last(runtime.EventStorageFailure)
	assert.True(t, ev.Circuit == "dep" && ev.Status.Stub, "storage failure event %+v", ev)
	assert.True(t, f.rec.has(runtime.EventStorageFailure, errDown), "no storage failure event carries the backend's own error")
	st := f.status(t)
	assert.True(t, st.Stub && st.LockedClosed(), "stand-in status %+v, want Stub and the last known lock", st)
	// The storage's own circuit stops calling the dead backend.
	before := backend.calls.Load()
	for range 20 {
		f.call(t, nil)
	}
	assert.LessOrEqual(t, backend.calls.Load()-before, int64(2), "calls that reached the dead backend in 20 protected calls")
	// The process keeps protecting with its in-process state: failures trip it.
	assert.ErrorIs(t, f.c.Unlock(ctx), storage.ErrStorageOpen, "an Unlock that did not reach the storage")
	for i := 0; f.call(t, errBoom); i++ {
		require.Less(t, i, 100, "the in-process fallback never opened")
	}
	assert.True(t, f.status(t).Open())
	assert.Equal(t, 1, f.rec.count(runtime.EventOpened))
	// Within seconds of the backend returning, the shared state is used again.
	backend.down.Store(false)
	f.clock.Advance(5 * time.Second)
	f.call(t, nil)
	f.call(t, nil)
	st = f.status(t)
	assert.False(t, st.Stub, "status %+v still a stand-in after the backend returned", st)
	assert.Equal(t, runtime.LockNone, st.Lock, "the Unlock made during the outage reached the backend")
}

// TestStorageFailureEventsAreRateLimited is the defect of one event per failed
// storage call: during an outage a circuit reports the first failure at once,
// then at most one a second, carrying the count it suppressed.
func TestStorageFailureEventsAreRateLimited(t *testing.T) {
	backend := newSpy()
	f := newFixture(t, runtime.WithStorage(backend))
	backend.down.Store(true)
	for range 100 {
		f.call(t, nil)
	}
	require.Equal(t, 1, f.rec.count(runtime.EventStorageFailure), "events in the first second")
	f.clock.Advance(time.Second)
	f.call(t, nil)
	require.Equal(t, 2, f.rec.count(runtime.EventStorageFailure), "events after a second")
	ev, _ := f.rec.last(runtime.EventStorageFailure)
	assert.GreaterOrEqual(t, ev.Suppressed, 100, "failures suppressed before the second event")
	other := f.b.Circuit("other")
	run(t, other, nil)
	assert.Equal(t, 3, f.rec.count(runtime.EventStorageFailure), "another circuit reports its first failure at once")
}

// TestStorageDeadline is the defect of a storage that holds the caller for as
// long as its client waits: every storage call made for a protected call ends
// at the breaker's deadline, as a storage failure, and the call runs.
func TestStorageDeadline(t *testing.T) {
	backend := newSpy()
	rec := &recorder{}
	b := runtime.MustNew(runtime.WithStorage(backend), runtime.WithStorageTimeout(20*time.Millisecond),
		runtime.WithListener(rec, runtime.EventStorageFailure))
	c := b.Circuit("c")
	hold := make(chan struct{})
	defer close(hold)
	backend.hold.Store(&hold)
	callerCtx, cancel := context.WithTimeout(context.Background(), time.Hour)
	defer cancel()
	start := time.Now()
	a, err := c.Allow(callerCtx)
	require.NoError(t, err, "Allow fails open")
	a.Done(callerCtx, errBoom)
	assert.Less(t, time.Since(start), time.Second, "Allow and Done waited for a hung storage")
	require.True(t, rec.has(runtime.EventStorageFailure, storage.ErrTimeout), "no storage failure carries ErrTimeout")
	ev, _ := rec.last(runtime.EventStorageFailure)
	assert.NotErrorIs(t, ev.Err, context.Canceled, "the deadline taken for the caller's cancellation")
}

// TestStorageBudget checks that a protected call's storage calls share one
// budget: when Allow spent it all on a hung storage, Done does not ask the
// storage again (the call would otherwise wait twice the timeout) and records
// the outcome in the fallback instead; when Allow spent little, Done asks.
func TestStorageBudget(t *testing.T) {
	ctx := context.Background()
	backend := newSpy()
	b := runtime.MustNew(runtime.WithStorage(backend), runtime.WithStorageTimeout(20*time.Millisecond))
	c := b.Circuit("c")

	a, err := c.Allow(ctx)
	require.NoError(t, err)
	a.Done(ctx, errBoom)
	require.Equal(t, int64(1), backend.count("Record"), "a call whose Allow spent little records in the storage")

	hold := make(chan struct{})
	backend.hold.Store(&hold)
	a, err = c.Allow(ctx)
	require.NoError(t, err, "Allow fails open")
	a.Done(ctx, errBoom)
	assert.Equal(t, int64(1), backend.count("Record"), "Done asked the storage after Allow spent the budget")
	close(hold)
	backend.hold.Store(nil)
	backend.down.Store(true) // the fallback answers Status now
	st, err := c.Status(ctx)
	require.NoError(t, err)
	require.True(t, st.Stub)
	assert.Equal(t, 1, st.SampleSize, "the outcome counted in the fallback")
	assert.InDelta(t, 1.0, st.FailureRate, 1e-9)
}

// TestHotPathSkipSurvivesStorageFailure checks that a call the hot path refused
// from a state it knows stays refused when the status read that would describe
// the refusal fails: the storage's failure does not make the call run.
func TestHotPathSkipSurvivesStorageFailure(t *testing.T) {
	ctx := context.Background()
	backend := newSpy()
	b := runtime.MustNew(runtime.WithStorage(hotSpy{backend}), runtime.WithClock(newClock()))
	c := b.Circuit("c", runtime.Options{CoolDown: time.Minute})
	for range 3 {
		_ = c.Run(ctx, func(context.Context) error { return errBoom })
	}
	backend.down.Store(true)
	ran := false
	for range 2 {
		err := c.Run(ctx, func(context.Context) error { ran = true; return nil })
		require.ErrorIs(t, err, runtime.ErrOpen)
		var open *runtime.OpenCircuitError
		require.ErrorAs(t, err, &open)
		assert.True(t, open.Status.Stub, "the refusal's status is a stand-in")
	}
	assert.False(t, ran, "a call ran on an open circuit because the status read failed")
	assert.Positive(t, backend.count("Status"), "the refusals asked the storage")
}

func TestOperatorCallsReportFailure(t *testing.T) {
	ctx := context.Background()
	backend := newSpy()
	f := newFixture(t, runtime.WithStorage(backend))
	backend.down.Store(true)
	assert.ErrorIs(t, f.c.LockOpen(ctx), errDown)
	assert.False(t, f.call(t, nil), "the lock holds in this process")
	backend.down.Store(false)
	f.clock.Advance(5 * time.Second)
	assert.False(t, f.call(t, nil), "the first read after the outage erased the lock")
	assert.Equal(t, runtime.LockOpen, f.status(t).Lock)
	backend.down.Store(true)
	f.clock.Advance(5 * time.Second)
	assert.ErrorIs(t, f.c.Reset(ctx), errDown, "a Reset that did not reach the storage")
}

// TestLocksHonouredByEveryStorage locks a circuit open and closed on every
// in-process storage and proxy: a lock is an operator's kill switch and must
// hold whatever the storage.
func TestLocksHonouredByEveryStorage(t *testing.T) {
	ctx := context.Background()
	for name, s := range map[string]func() (storage.Storage, error){
		"memory":         func() (storage.Storage, error) { return storage.NewMemory(), nil },
		"null":           func() (storage.Storage, error) { return storage.NewNull(), nil },
		"fault-tolerant": func() (storage.Storage, error) { return storage.FaultTolerant(newSpy()) },
		"fallback chain": func() (storage.Storage, error) { return storage.FallbackChain(newSpy(), storage.NewNull()) },
		"hot spy":        func() (storage.Storage, error) { return hotSpy{newSpy()}, nil },
	} {
		t.Run(name, func(t *testing.T) {
			st, err := s()
			require.NoError(t, err)
			f := newFixture(t, runtime.WithStorage(st))
			require.NoError(t, f.c.LockOpen(ctx))
			assert.False(t, f.call(t, nil), "a locked-open circuit ran a call")
			require.NoError(t, f.c.LockClosed(ctx))
			for range 5 {
				require.True(t, f.call(t, errBoom), "a locked-closed circuit skipped a call")
			}
			require.NoError(t, f.c.Unlock(ctx))
			assert.Equal(t, runtime.LockNone, f.status(t).Lock)
		})
	}
}
