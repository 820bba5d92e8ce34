package runtime_test

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/breakergen/breakergen/runtime"
	"github.com/breakergen/breakergen/runtime/storage"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestTripSkipProbeClose(t *testing.T) {
	f := newFixture(t)
	require.True(t, f.call(t, nil) && f.call(t, nil), "a closed circuit skipped a call")
	// 2 successes, then failures: opens when samples >= 3 and rate >= 0.5.
	f.call(t, errBoom)
	require.True(t, f.status(t).Closed(), "1 failure in 3")
	f.call(t, errBoom)
	st := f.status(t)
	require.True(t, st.Open(), "2 failures in 4: %+v", st)
	assert.Equal(t, 0.5, st.FailureRate)
	assert.Equal(t, 4, st.SampleSize)
	assert.Equal(t, 1, f.rec.count(runtime.EventOpened))
	assert.False(t, f.call(t, nil), "an open circuit ran a call")
	assert.Equal(t, 1, f.rec.count(runtime.EventSkipped))
	f.clock.Advance(9 * time.Second)
	assert.False(t, f.call(t, nil), "a call ran before the cool-down elapsed")
	f.clock.Advance(time.Second)
	st = f.status(t)
	require.True(t, st.HalfOpen() && st.CanRun(), "after the cool-down: %+v", st)
	require.True(t, f.call(t, nil), "a half-open circuit skipped the probe")
	st = f.status(t)
	assert.True(t, st.Closed() && st.SampleSize == 0 && st.ReservedAt.IsZero(),
		"after the probe's success %+v, want closed with a fresh window and no reservation", st)
	assert.Equal(t, 1, f.rec.count(runtime.EventClosed))
	ev, _ := f.rec.last(runtime.EventClosed)
	assert.True(t, ev.Status.Closed() && ev.Circuit == "dep" && ev.Time.Equal(f.clock.Now()),
		"EventClosed = %+v, want the status after closing", ev)
}

func TestFailedProbeReopens(t *testing.T) {
	f := newFixture(t)
	f.trip(t)
	opened := f.status(t).OpenedAt
	f.clock.Advance(10 * time.Second)
	require.True(t, f.call(t, errBoom), "probe skipped")
	st := f.status(t)
	assert.True(t, st.Open() && st.OpenedAt.After(opened), "after a failed probe %+v, want reopened with a new OpenedAt", st)
	assert.False(t, st.ReservedAt.IsZero(), "reopen cleared the reservation; it must keep it")
	assert.Equal(t, [3]int{1, 1, 0}, [3]int{f.rec.count(runtime.EventOpened), f.rec.count(runtime.EventReopened), f.rec.count(runtime.EventClosed)})
	ev, _ := f.rec.last(runtime.EventReopened)
	assert.True(t, ev.Status.OpenedAt.Equal(st.OpenedAt), "EventReopened status %+v", ev.Status)
	// The next half-open window gets its own single probe.
	f.clock.Advance(10 * time.Second)
	require.True(t, f.call(t, nil), "second probe skipped")
	assert.True(t, f.status(t).Closed(), "the second probe's success did not close")
}

func TestProbeIsExclusive(t *testing.T) {
	ctx := context.Background()
	f := newFixture(t)
	f.trip(t)
	f.clock.Advance(10 * time.Second)
	probe, err := f.c.Allow(ctx)
	require.NoError(t, err)
	require.True(t, probe.Probe(), "the first Allow after the cool-down is the probe")
	for range 3 {
		a, err := f.c.Allow(ctx)
		var oce *runtime.OpenCircuitError
		require.ErrorAs(t, err, &oce)
		assert.True(t, oce.Circuit == "dep" && oce.Status.Reserved(), "Allow while reserved = %v", err)
		a.Done(ctx, nil) // a zero Attempt: no effect
	}
	probe.Done(ctx, nil)
	assert.True(t, f.status(t).Closed(), "the probe's success did not close")
}

func TestCrashedProbeIsForgotten(t *testing.T) {
	f := newFixture(t)
	f.trip(t)
	f.clock.Advance(10 * time.Second)
	_, err := f.c.Allow(context.Background()) // the probe never reports back
	require.NoError(t, err)
	f.clock.Advance(10*time.Second - time.Nanosecond)
	assert.False(t, f.call(t, nil), "a call ran while the crashed probe's reservation held")
	f.clock.Advance(time.Nanosecond)
	assert.True(t, f.call(t, nil), "the reservation outlived CoolDown")
	assert.True(t, f.status(t).Closed(), "the new probe's success did not close")
}

// TestStaleCallerCannotProbeANewPeriod forces the interleaving of the probe ABA:
// a caller read the circuit half-open, then another probe closed it and
// failures opened it again before the first caller tried to reserve. Through
// the runtime this is Allow reading a status whose period ended: the storage's
// compare-and-set on OpenedAt and ReservedAt refuses it (storagetest's
// ReserveComparesOpenedAt checks every backend); here the runtime must not
// probe during the fresh cool-down.
func TestStaleCallerCannotProbeANewPeriod(t *testing.T) {
	f := newFixture(t)
	f.trip(t)
	f.clock.Advance(10 * time.Second)
	require.True(t, f.call(t, nil), "the first period's probe")
	f.trip(t)
	for range 5 {
		assert.False(t, f.call(t, nil), "a call ran during the new period's cool-down")
	}
}

func TestExcludedAndCancelledAreNotRecorded(t *testing.T) {
	errDeclined := errors.New("declined")
	f := newFixture(t)
	c := f.b.Circuit("excl", runtime.Options{Exclude: []error{errDeclined}, CoolDown: 10 * time.Second})
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	for range 5 {
		a, err := c.Allow(context.Background())
		require.NoError(t, err)
		a.Done(context.Background(), fmt.Errorf("wrapped: %w", errDeclined))
		b, _ := c.Allow(ctx)
		b.Done(ctx, context.Canceled)
	}
	st, _ := c.Status(context.Background())
	assert.True(t, st.SampleSize == 0 && st.Closed(), "status %+v, want nothing recorded", st)
	assert.Zero(t, f.rec.count(runtime.EventFailure)+f.rec.count(runtime.EventSuccess), "outcome events for unrecorded calls")
	// context.Canceled while the caller's context is live is the dependency's failure.
	a, _ := c.Allow(context.Background())
	a.Done(context.Background(), context.Canceled)
	// A deadline the dependency missed is a failure.
	dctx, dcancel := context.WithTimeout(context.Background(), time.Nanosecond)
	defer dcancel()
	<-dctx.Done()
	b, _ := c.Allow(dctx)
	b.Done(dctx, dctx.Err())
	st, _ = c.Status(context.Background())
	assert.True(t, st.SampleSize == 2 && st.FailureRate == 1, "status %+v, want 2 failures recorded", st)
}

func TestExcludedProbeReleasesReservation(t *testing.T) {
	errDeclined := errors.New("declined")
	errJudgeBug := errors.New("an error IsFailure cannot judge")
	for _, tc := range []struct {
		name string
		ctx  func() context.Context
		err  error
		opts runtime.Options
	}{
		{"excluded", context.Background, errDeclined, runtime.Options{}},
		{"caller cancelled", func() context.Context {
			ctx, cancel := context.WithCancel(context.Background())
			cancel()
			return ctx
		}, context.Canceled, runtime.Options{}},
		{"IsFailure panicked", context.Background, errJudgeBug, runtime.Options{IsFailure: func(err error) bool {
			if errors.Is(err, errJudgeBug) {
				panic("judge bug")
			}
			return true
		}}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			tc.opts.Exclude = []error{errDeclined}
			f := newFixture(t, runtime.WithDefaults(tc.opts))
			f.trip(t)
			f.clock.Advance(10 * time.Second)
			probe, err := f.c.Allow(context.Background())
			require.NoError(t, err)
			require.True(t, probe.Probe())
			require.NotPanics(t, func() { probe.Done(tc.ctx(), tc.err) })
			st := f.status(t)
			assert.True(t, st.ReservedAt.IsZero() && st.HalfOpen(), "status %+v, want half-open with the reservation released", st)
			assert.True(t, f.call(t, nil), "the next caller could not probe at once")
			assert.True(t, f.status(t).Closed(), "the next probe did not close")
		})
	}
}

func TestSuccessErrorsAndIsFailure(t *testing.T) {
	errConflict := errors.New("conditional check failed")
	errSoft := errors.New("soft")
	f := newFixture(t)
	c := f.b.Circuit("succ", runtime.Options{
		Success:   []error{errConflict},
		IsFailure: func(err error) bool { return !errors.Is(err, errSoft) },
	})
	for _, err := range []error{errConflict, errSoft, errConflict} {
		assert.Equal(t, err, c.Run(context.Background(), func(context.Context) error { return err }), "the error untouched")
	}
	st, _ := c.Status(context.Background())
	assert.True(t, st.SampleSize == 3 && st.FailureRate == 0, "status %+v, want 3 successes", st)
}

func TestPanicIsRecordedAndRepanicked(t *testing.T) {
	f := newFixture(t)
	for range 3 {
		assert.PanicsWithValue(t, "kaboom", func() {
			_ = f.c.Run(context.Background(), func(context.Context) error { panic("kaboom") })
		})
	}
	assert.True(t, f.status(t).Open(), "three panics did not open the circuit")
	ev, _ := f.rec.last(runtime.EventFailure)
	assert.EqualError(t, ev.Err, "breakergen: protected call panicked")
	_, err := runtime.Do(context.Background(), f.c, func(context.Context) (int, error) { return 1, nil })
	assert.ErrorIs(t, err, runtime.ErrOpen)
}

func TestDoneTwiceAndZeroAttempt(t *testing.T) {
	f := newFixture(t)
	var zero runtime.Attempt
	zero.Done(context.Background(), errBoom)
	zero.RecordPanic()
	a, _ := f.c.Allow(context.Background())
	a.Done(context.Background(), errBoom)
	a.Done(context.Background(), errBoom)
	a.RecordPanic()
	assert.Equal(t, 1, f.status(t).SampleSize)
}

func TestNilContext(t *testing.T) {
	f := newFixture(t, runtime.WithStorage(newSpy()))
	var ctx context.Context // nil, as a careless caller passes it
	require.NotPanics(t, func() {
		a, err := f.c.Allow(ctx)
		require.NoError(t, err)
		a.Done(ctx, errBoom)
		_, _ = f.c.Status(ctx)
		_ = f.c.LockOpen(ctx)
	})
}

func TestLocks(t *testing.T) {
	ctx := context.Background()
	f := newFixture(t)
	require.NoError(t, f.c.LockOpen(ctx))
	assert.False(t, f.call(t, nil), "a locked-open circuit ran a call")
	require.NoError(t, f.c.LockClosed(ctx))
	f.trip(t) // failures are recorded and open the stored state ...
	for range 5 {
		require.True(t, f.call(t, errBoom), "a locked-closed circuit skipped a call") // ... but every call runs
	}
	f.clock.Advance(10 * time.Second)
	// Under the closed lock no reservation is taken; a success on the half-open
	// circuit still closes it, as Faulty does.
	assert.True(t, f.status(t).ReservedAt.IsZero(), "a locked-closed call reserved")
	f.call(t, nil)
	st := f.status(t)
	assert.True(t, st.Closed() && st.LockedClosed(), "status %+v, want closed and still locked closed", st)
	require.NoError(t, f.c.Unlock(ctx))
	assert.Equal(t, runtime.LockNone, f.status(t).Lock)
}

// TestLockChangedEvent: every lock, unlock included, is one EventLockChanged
// whose status names the lock set.
func TestLockChangedEvent(t *testing.T) {
	ctx := context.Background()
	f := newFixture(t)
	require.NoError(t, f.c.LockOpen(ctx))
	require.NoError(t, f.c.LockClosed(ctx))
	require.NoError(t, f.c.Unlock(ctx))
	f.rec.mu.Lock()
	defer f.rec.mu.Unlock()
	var locks []runtime.Lock
	for _, e := range f.rec.events {
		require.Equal(t, runtime.EventLockChanged, e.Type)
		assert.Equal(t, "dep", e.Circuit)
		assert.False(t, e.Remote)
		locks = append(locks, e.Status.Lock)
	}
	assert.Equal(t, []runtime.Lock{runtime.LockOpen, runtime.LockClosed, runtime.LockNone}, locks)
	assert.Equal(t, "lock_changed", runtime.EventLockChanged.String())
}

// learning is a storage that keeps the transition function each circuit is
// bound with (Policy.Notify), to report transitions as a fleet store reports
// those another process made.
type learning struct {
	*storage.Memory
	notify func(storage.Result)
}

func (s *learning) FaultTolerant() bool { return true }

func (s *learning) Bind(name string, p storage.Policy) (storage.Handle, error) {
	s.notify = p.Notify.Transitioned
	return s.Memory.Bind(name, p)
}

// TestLearntUnlockNamesNoLock: a learnt unlock's event says LockNone, whatever
// lock the status read with it shows (another lock may have followed).
func TestLearntUnlockNamesNoLock(t *testing.T) {
	rec := &recorder{}
	s := &learning{Memory: storage.NewMemory()}
	b := runtime.MustNew(runtime.WithStorage(s), runtime.WithListener(rec))
	b.Circuit("dep")
	require.NotNil(t, s.notify)
	s.notify(storage.Result{Transition: storage.TransitionLocked, Remote: true, Status: storage.Status{Lock: storage.LockClosed}})
	s.notify(storage.Result{Transition: storage.TransitionUnlocked, Remote: true, Status: storage.Status{Lock: storage.LockOpen}})
	require.Len(t, rec.events, 2)
	for i, want := range []runtime.Lock{runtime.LockClosed, runtime.LockNone} {
		assert.Equal(t, runtime.EventLockChanged, rec.events[i].Type)
		assert.True(t, rec.events[i].Remote)
		assert.Equal(t, want, rec.events[i].Status.Lock)
	}
}

func TestLockedClosedOverridesStaleReservation(t *testing.T) {
	f := newFixture(t)
	f.trip(t)
	f.clock.Advance(10 * time.Second)
	_, err := f.c.Allow(context.Background()) // reserved, never reported
	require.NoError(t, err)
	require.NoError(t, f.c.LockClosed(context.Background()))
	st := f.status(t)
	assert.True(t, st.Reserved() && st.CanRun(), "status %+v: locked closed must run above the reservation", st)
	assert.True(t, f.call(t, nil), "a locked-closed circuit skipped")
}

func TestReset(t *testing.T) {
	ctx := context.Background()
	f := newFixture(t)
	f.trip(t)
	f.clock.Advance(10 * time.Second)
	_, err := f.c.Allow(ctx)
	require.NoError(t, err)
	require.NoError(t, f.c.LockOpen(ctx))
	require.NoError(t, f.c.Reset(ctx))
	st := f.status(t)
	assert.True(t, st.Closed() && st.Lock == runtime.LockNone && st.ReservedAt.IsZero() && st.SampleSize == 0,
		"status after Reset %+v, want everything cleared", st)
	assert.True(t, f.call(t, nil), "a call after Reset")
}

func TestWindowExpires(t *testing.T) {
	f := newFixture(t)
	f.call(t, errBoom)
	f.call(t, errBoom)
	f.clock.Advance(2 * time.Minute)
	f.call(t, errBoom)
	st := f.status(t)
	assert.True(t, st.Closed() && st.SampleSize == 1, "status %+v, want old failures out of the window", st)
}

func TestStatusPredicates(t *testing.T) {
	now := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	cd := 10 * time.Second
	for _, tc := range []struct {
		name                                string
		st                                  runtime.Status
		open, half, reserved, canRun, fails bool
	}{
		{"closed", runtime.Status{}, false, false, false, true, false},
		{"open", runtime.Status{State: runtime.StateOpen, OpenedAt: now.Add(-cd + 1)}, true, false, false, false, false},
		{"half-open at exactly cool-down", runtime.Status{State: runtime.StateOpen, OpenedAt: now.Add(-cd)}, false, true, false, true, false},
		{"reserved", runtime.Status{State: runtime.StateOpen, OpenedAt: now.Add(-cd), ReservedAt: now.Add(-cd + 1)}, false, true, true, false, false},
		{"reservation expired exactly", runtime.Status{State: runtime.StateOpen, OpenedAt: now.Add(-cd), ReservedAt: now.Add(-cd)}, false, true, false, true, false},
		{"reservation on closed circuit", runtime.Status{ReservedAt: now}, false, false, false, true, false},
		{"locked open", runtime.Status{Lock: runtime.LockOpen}, false, false, false, false, false},
		{"locked closed over reservation", runtime.Status{Lock: runtime.LockClosed, State: runtime.StateOpen, OpenedAt: now, ReservedAt: now}, true, false, true, true, false},
		{"fails threshold", runtime.Status{FailureRate: 0.5, SampleSize: 3}, false, false, false, true, true},
		{"too few samples", runtime.Status{FailureRate: 1, SampleSize: 2}, false, false, false, true, false},
		{"rate too low", runtime.Status{FailureRate: 0.4, SampleSize: 30}, false, false, false, true, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			st := tc.st
			st.CurrentTime = now
			st.Options = runtime.Options{CoolDown: cd, RateThreshold: 0.5, SampleThreshold: 3}
			got := [5]bool{st.Open(), st.HalfOpen(), st.Reserved(), st.CanRun(), st.FailsThreshold()}
			assert.Equal(t, [5]bool{tc.open, tc.half, tc.reserved, tc.canRun, tc.fails}, got, "open, half-open, reserved, can run, fails")
		})
	}
}
