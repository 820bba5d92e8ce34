package runtime_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/breakergen/breakergen/runtime"
)

func TestTripSkipProbeClose(t *testing.T) {
	f := newFixture(t)
	if !f.call(t, nil) || !f.call(t, nil) {
		t.Fatal("closed circuit skipped a call")
	}
	// 2 successes, then failures: opens when samples >= 3 and rate >= 0.5.
	f.call(t, errBoom)
	if st := f.status(t); !st.Closed() {
		t.Fatalf("1 failure in 3: status %+v, want closed", st)
	}
	f.call(t, errBoom)
	st := f.status(t)
	if !st.Open() || st.FailureRate != 0.5 || st.SampleSize != 4 {
		t.Fatalf("2 failures in 4: status %+v, want open at rate 0.5", st)
	}
	if n := f.rec.count(runtime.EventOpened); n != 1 {
		t.Fatalf("EventOpened count = %d, want 1", n)
	}
	if f.call(t, nil) {
		t.Fatal("open circuit ran a call")
	}
	if n := f.rec.count(runtime.EventSkipped); n != 1 {
		t.Fatalf("EventSkipped count = %d, want 1", n)
	}
	f.clock.Advance(9 * time.Second)
	if f.call(t, nil) {
		t.Fatal("circuit ran a call before its cool-down elapsed")
	}
	f.clock.Advance(time.Second)
	if st := f.status(t); !st.HalfOpen() || !st.CanRun() {
		t.Fatalf("after cool-down status %+v, want half-open", st)
	}
	if !f.call(t, nil) {
		t.Fatal("half-open circuit skipped the probe")
	}
	st = f.status(t)
	if !st.Closed() || st.SampleSize != 0 || !st.ReservedAt.IsZero() {
		t.Fatalf("after probe success status %+v, want closed with a fresh window and no reservation", st)
	}
	if n := f.rec.count(runtime.EventClosed); n != 1 {
		t.Fatalf("EventClosed count = %d, want 1", n)
	}
	ev, _ := f.rec.last(runtime.EventClosed)
	if !ev.Status.Closed() || ev.Circuit != "dep" || !ev.Time.Equal(f.clock.Now()) {
		t.Fatalf("EventClosed = %+v, want the status after closing", ev)
	}
}

func TestFailedProbeReopens(t *testing.T) {
	f := newFixture(t)
	f.trip(t)
	opened := f.status(t).OpenedAt
	f.clock.Advance(10 * time.Second)
	if !f.call(t, errBoom) {
		t.Fatal("probe skipped")
	}
	st := f.status(t)
	if !st.Open() || !st.OpenedAt.After(opened) {
		t.Fatalf("after failed probe status %+v, want reopened with a new OpenedAt", st)
	}
	if st.ReservedAt.IsZero() {
		t.Fatal("reopen cleared the reservation; it must keep it")
	}
	if got := [3]int{f.rec.count(runtime.EventOpened), f.rec.count(runtime.EventReopened), f.rec.count(runtime.EventClosed)}; got != [3]int{1, 1, 0} {
		t.Fatalf("opened/reopened/closed = %v, want [1 1 0]", got)
	}
	ev, _ := f.rec.last(runtime.EventReopened)
	if !ev.Status.OpenedAt.Equal(st.OpenedAt) {
		t.Fatalf("EventReopened status %+v, want the reopened status", ev.Status)
	}
	// The next half-open window gets its own single probe.
	f.clock.Advance(10 * time.Second)
	if !f.call(t, nil) {
		t.Fatal("second probe skipped")
	}
	if !f.status(t).Closed() {
		t.Fatal("second probe's success did not close")
	}
}

func TestProbeIsExclusive(t *testing.T) {
	f := newFixture(t)
	f.trip(t)
	f.clock.Advance(10 * time.Second)
	probe, err := f.c.Allow(context.Background())
	if err != nil || !probe.Probe() {
		t.Fatalf("first Allow after cool-down = (%v, probe=%v), want the probe", err, probe.Probe())
	}
	for range 3 {
		a, err := f.c.Allow(context.Background())
		var oce *runtime.OpenCircuitError
		if !errors.As(err, &oce) || oce.Circuit != "dep" || !oce.Status.Reserved() {
			t.Fatalf("Allow while reserved = %v, want *OpenCircuitError with a reserved status", err)
		}
		a.Done(context.Background(), nil) // a zero Attempt: no effect
	}
	probe.Done(context.Background(), nil)
	if !f.status(t).Closed() {
		t.Fatal("probe success did not close")
	}
}

func TestCrashedProbeIsForgotten(t *testing.T) {
	f := newFixture(t)
	f.trip(t)
	f.clock.Advance(10 * time.Second)
	if _, err := f.c.Allow(context.Background()); err != nil {
		t.Fatal(err)
	}
	// The probe never reports back.
	f.clock.Advance(10*time.Second - time.Nanosecond)
	if f.call(t, nil) {
		t.Fatal("a call ran while the crashed probe's reservation still held")
	}
	f.clock.Advance(time.Nanosecond)
	if !f.call(t, nil) {
		t.Fatal("the reservation outlived CoolDown")
	}
	if !f.status(t).Closed() {
		t.Fatal("the new probe's success did not close")
	}
}

func TestLateCASAfterReopenFails(t *testing.T) {
	f := newFixture(t)
	f.trip(t)
	f.clock.Advance(10 * time.Second)
	stale := f.status(t) // a caller saw half-open, unreserved
	if !f.call(t, errBoom) {
		t.Fatal("probe skipped")
	}
	f.clock.Advance(10 * time.Second)
	// A late caller that read the old status must not win against the kept
	// reservation: its CAS is against a zero ReservedAt.
	if st := f.status(t); st.ReservedAt.Equal(stale.ReservedAt) {
		t.Fatalf("reservation %v equals the stale one; reopen must keep the probe's", st.ReservedAt)
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
		if err != nil {
			t.Fatal(err)
		}
		a.Done(context.Background(), fmt.Errorf("wrapped: %w", errDeclined))
		a, _ = c.Allow(ctx)
		a.Done(ctx, context.Canceled)
	}
	st, _ := c.Status(context.Background())
	if st.SampleSize != 0 || !st.Closed() {
		t.Fatalf("status %+v, want nothing recorded", st)
	}
	if n := f.rec.count(runtime.EventFailure) + f.rec.count(runtime.EventSuccess); n != 0 {
		t.Fatalf("%d outcome events for unrecorded calls, want 0", n)
	}
	// context.Canceled while the caller's context is live is the dependency's failure.
	a, _ := c.Allow(context.Background())
	a.Done(context.Background(), context.Canceled)
	// A deadline the dependency missed is a failure.
	dctx, dcancel := context.WithTimeout(context.Background(), time.Nanosecond)
	defer dcancel()
	<-dctx.Done()
	a, _ = c.Allow(dctx)
	a.Done(dctx, dctx.Err())
	st, _ = c.Status(context.Background())
	if st.SampleSize != 2 || st.FailureRate != 1 {
		t.Fatalf("status %+v, want 2 failures recorded", st)
	}
}

func TestExcludedProbeReleasesReservation(t *testing.T) {
	errDeclined := errors.New("declined")
	for _, tc := range []struct {
		name string
		ctx  func() context.Context
		err  error
	}{
		{"excluded", context.Background, errDeclined},
		{"caller cancelled", func() context.Context {
			ctx, cancel := context.WithCancel(context.Background())
			cancel()
			return ctx
		}, context.Canceled},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f := newFixture(t, runtime.WithDefaults(runtime.Options{Exclude: []error{errDeclined}}))
			f.trip(t)
			f.clock.Advance(10 * time.Second)
			probe, err := f.c.Allow(context.Background())
			if err != nil || !probe.Probe() {
				t.Fatal("no probe")
			}
			probe.Done(tc.ctx(), tc.err)
			st := f.status(t)
			if !st.ReservedAt.IsZero() || !st.HalfOpen() {
				t.Fatalf("status %+v, want half-open with the reservation released", st)
			}
			if !f.call(t, nil) {
				t.Fatal("the next caller could not probe at once")
			}
			if !f.status(t).Closed() {
				t.Fatal("the next probe did not close")
			}
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
		if got := c.Run(context.Background(), func(context.Context) error { return err }); got != err {
			t.Fatalf("Run returned %v, want the error untouched %v", got, err)
		}
	}
	st, _ := c.Status(context.Background())
	if st.SampleSize != 3 || st.FailureRate != 0 {
		t.Fatalf("status %+v, want 3 successes", st)
	}
}

func TestPanicIsRecordedAndRepanicked(t *testing.T) {
	f := newFixture(t)
	for range 3 {
		func() {
			defer func() {
				if r := recover(); r != "kaboom" {
					t.Fatalf("recovered %v, want the original panic", r)
				}
			}()
			_ = f.c.Run(context.Background(), func(context.Context) error { panic("kaboom") })
		}()
	}
	if !f.status(t).Open() {
		t.Fatal("three panics did not open the circuit")
	}
	ev, _ := f.rec.last(runtime.EventFailure)
	if !errors.Is(ev.Err, runtime.ErrPanicked) {
		t.Fatalf("failure event error %v, want ErrPanicked", ev.Err)
	}
	if _, err := runtime.Do(context.Background(), f.c, func(context.Context) (int, error) { return 1, nil }); !errors.Is(err, runtime.ErrOpen) {
		t.Fatalf("Do on open circuit = %v, want ErrOpen", err)
	}
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
	if st := f.status(t); st.SampleSize != 1 {
		t.Fatalf("sample size %d, want 1", st.SampleSize)
	}
}

func TestLocks(t *testing.T) {
	ctx := context.Background()
	f := newFixture(t)
	if err := f.c.LockOpen(ctx); err != nil {
		t.Fatal(err)
	}
	if f.call(t, nil) {
		t.Fatal("locked-open circuit ran a call")
	}
	if err := f.c.LockClosed(ctx); err != nil {
		t.Fatal(err)
	}
	f.trip(t) // failures are recorded and open the stored state ...
	for range 5 {
		if !f.call(t, errBoom) { // ... but every call runs
			t.Fatal("locked-closed circuit skipped a call")
		}
	}
	f.clock.Advance(10 * time.Second)
	// Under the closed lock no reservation is taken; a success on the half-open
	// circuit still closes it, as Faulty does.
	if st := f.status(t); !st.ReservedAt.IsZero() {
		t.Fatalf("locked-closed call reserved: %+v", st)
	}
	f.call(t, nil)
	if st := f.status(t); !st.Closed() || !st.LockedClosed() {
		t.Fatalf("status %+v, want closed and still locked closed", st)
	}
	if err := f.c.Unlock(ctx); err != nil {
		t.Fatal(err)
	}
	if st := f.status(t); st.Lock != runtime.LockNone {
		t.Fatalf("lock %v after Unlock", st.Lock)
	}
}

func TestLockedClosedOverridesStaleReservation(t *testing.T) {
	f := newFixture(t)
	f.trip(t)
	f.clock.Advance(10 * time.Second)
	if _, err := f.c.Allow(context.Background()); err != nil { // reserved, never reported
		t.Fatal(err)
	}
	if err := f.c.LockClosed(context.Background()); err != nil {
		t.Fatal(err)
	}
	st := f.status(t)
	if !st.Reserved() || !st.CanRun() {
		t.Fatalf("status %+v: locked closed must run above the reservation", st)
	}
	if !f.call(t, nil) {
		t.Fatal("locked-closed circuit skipped")
	}
}

func TestReset(t *testing.T) {
	ctx := context.Background()
	f := newFixture(t)
	f.trip(t)
	f.clock.Advance(10 * time.Second)
	if _, err := f.c.Allow(ctx); err != nil {
		t.Fatal(err)
	}
	if err := f.c.LockOpen(ctx); err != nil {
		t.Fatal(err)
	}
	if err := f.c.Reset(ctx); err != nil {
		t.Fatal(err)
	}
	st := f.status(t)
	if !st.Closed() || st.Lock != runtime.LockNone || !st.ReservedAt.IsZero() || st.SampleSize != 0 {
		t.Fatalf("status after Reset %+v, want everything cleared", st)
	}
}

func TestWindowExpires(t *testing.T) {
	f := newFixture(t)
	f.call(t, errBoom)
	f.call(t, errBoom)
	f.clock.Advance(2 * time.Minute)
	f.call(t, errBoom)
	st := f.status(t)
	if !st.Closed() || st.SampleSize != 1 {
		t.Fatalf("status %+v, want old failures out of the window", st)
	}
}

func TestListenersRunOutsideLocksAndPanicsAreContained(t *testing.T) {
	var b *runtime.Breaker
	calls := 0
	reentrant := runtime.ListenerFunc(func(e runtime.Event) {
		calls++
		// Reading and changing the circuit from a listener must not deadlock.
		c := b.Circuit(e.Circuit)
		if _, err := c.Status(context.Background()); err != nil {
			t.Error(err)
		}
		if e.Type == runtime.EventOpened {
			_ = c.LockClosed(context.Background())
		}
	})
	panicky := runtime.ListenerFunc(func(runtime.Event) { panic("listener bug") })
	clock := newClock()
	b = runtime.New(runtime.WithClock(clock), runtime.WithListener(panicky), runtime.WithListener(reentrant))
	c := b.Circuit("x")
	for range 4 {
		if err := c.Run(context.Background(), func(context.Context) error { return errBoom }); !errors.Is(err, errBoom) {
			t.Fatalf("Run = %v, want the call's error despite the panicking listener", err)
		}
	}
	// 4 failures + opened; the listener locked it closed on open.
	if calls != 5 {
		t.Fatalf("listener called %d times, want 5", calls)
	}
}

func TestOptionsLayers(t *testing.T) {
	errA, errB := errors.New("a"), errors.New("b")
	b := runtime.New(
		runtime.WithDefaults(runtime.Options{CoolDown: time.Minute, SampleThreshold: 10, Exclude: []error{errA}}),
		runtime.WithOverrides("c", runtime.Options{SampleThreshold: 7}),
	)
	c := b.Circuit("c", runtime.Options{CoolDown: 2 * time.Minute, SampleThreshold: 5, Exclude: []error{errB}})
	got := c.Options()
	if got.CoolDown != 2*time.Minute || got.SampleThreshold != 7 || got.EvaluationWindow != time.Minute ||
		got.RateThreshold != 0.5 || len(got.Exclude) != 1 || got.Exclude[0] != errB {
		t.Fatalf("resolved options %+v", got)
	}
	if again := b.Circuit("c", runtime.Options{CoolDown: time.Hour}); again != c || again.Options().CoolDown != 2*time.Minute {
		t.Fatal("a second registration must return the first circuit unchanged")
	}
	if d := b.Circuit("d").Options(); d.CoolDown != time.Minute || d.SampleThreshold != 10 || d.Exclude[0] != errA {
		t.Fatalf("defaults not inherited: %+v", d)
	}
	if got := runtime.DefaultOptions(); got.CoolDown != 5*time.Minute || got.EvaluationWindow != time.Minute ||
		got.RateThreshold != 0.5 || got.SampleThreshold != 3 {
		t.Fatalf("DefaultOptions = %+v, want Faulty's defaults", got)
	}
}

func TestInvalidOptions(t *testing.T) {
	for _, tc := range []struct {
		name string
		o    runtime.Options
		want string
	}{
		{"negative cool-down", runtime.Options{CoolDown: -time.Second}, "negative CoolDown"},
		{"negative window", runtime.Options{EvaluationWindow: -1}, "negative EvaluationWindow"},
		{"rate above one", runtime.Options{RateThreshold: 1.5}, "outside (0, 1]"},
		{"negative rate", runtime.Options{RateThreshold: -0.1}, "outside (0, 1]"},
		{"negative samples", runtime.Options{SampleThreshold: -1}, "negative SampleThreshold"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if err := tc.o.Validate(); err == nil || !strings.Contains(err.Error(), tc.want) || !strings.HasPrefix(err.Error(), "breakergen: ") {
				t.Fatalf("Validate = %v, want %q", err, tc.want)
			}
			for what, build := range map[string]func(){
				"WithDefaults":  func() { runtime.New(runtime.WithDefaults(tc.o)) },
				"WithOverrides": func() { runtime.New(runtime.WithOverrides("x", tc.o)) },
				"Circuit":       func() { runtime.New().Circuit("x", tc.o) },
			} {
				func() {
					defer func() {
						r := recover()
						if msg, _ := r.(string); !strings.Contains(msg, tc.want) {
							t.Fatalf("%s panicked with %v, want %q", what, r, tc.want)
						}
					}()
					build()
				}()
			}
		})
	}
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
			want := [5]bool{tc.open, tc.half, tc.reserved, tc.canRun, tc.fails}
			if got != want {
				t.Fatalf("open, half-open, reserved, can run, fails = %v, want %v", got, want)
			}
		})
	}
}
