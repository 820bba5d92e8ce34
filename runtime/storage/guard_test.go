package storage_test

import (
	"context"
	"errors"
	"fmt"
	"math"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/breakergen/breakergen/runtime/storage"
	"github.com/breakergen/breakergen/runtime/storage/storagetest"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

const proxyCoolDown = 2 * time.Second // the default

// cooled is a cool-down and a margin after the instant the guard opened: the
// guard opens when a failing call ended, the caller's now plus the real time the
// call took, a few microseconds here.
const cooled = proxyCoolDown + 100*time.Millisecond

// newProxy returns the handle of circuit "c" of the guard alone over a new flaky
// backend.
func newProxy(t *testing.T, opts ...storage.FaultTolerantOption) (storage.Handle, *flaky) {
	t.Helper()
	backend := newFlaky()
	return bind(t, must(storage.Guarded(backend, opts...))), backend
}

// blockFirst returns a hook that, on its first call only, closes entered and
// waits for release.
func blockFirst(entered, release chan struct{}) func(string) {
	var first atomic.Bool
	return func(string) {
		if first.CompareAndSwap(false, true) {
			close(entered)
			<-release
		}
	}
}

// statusErr calls Status at now and returns its error.
func statusErr(t *testing.T, h storage.Handle, now time.Time) error {
	t.Helper()
	_, err := h.Status(t.Context(), now)
	return err
}

// tripProxy makes three calls at pxT0 fail, which opens a default guard.
func tripProxy(t *testing.T, h storage.Handle, backend *flaky) {
	t.Helper()
	backend.fail(errBackend)
	for i := range 3 {
		err := statusErr(t, h, pxT0)
		require.ErrorIs(t, err, errBackend, "call %d", i+1)
		require.NotErrorIs(t, err, storage.ErrStorageOpen, "call %d", i+1)
	}
}

func TestGuardConformance(t *testing.T) {
	storagetest.Run(t, storagetest.Harness{New: func(t *testing.T) storage.Storage {
		return must(storage.Guarded(storage.NewMemory()))
	}})
}

func TestGuardInFaultTolerantConformance(t *testing.T) {
	storagetest.Run(t, storagetest.Harness{New: func(t *testing.T) storage.Storage {
		return must(storage.FaultTolerant(must(storage.Guarded(newFlaky()))))
	}})
}

func TestGuardOpensAfterFailuresInARow(t *testing.T) {
	h, backend := newProxy(t)
	tripProxy(t, h, backend)
	assert.EqualValues(t, 3, backend.calls.Load(), "calls after three failures")
	for _, o := range ops {
		err := o.call(t.Context(), h)
		assert.ErrorIs(t, err, storage.ErrStorageOpen, "%s while open", o.name)
		assert.ErrorContains(t, err, errBackend.Error(), "%s while open names the backend's last error", o.name)
	}
	assert.EqualValues(t, 3, backend.calls.Load(), "calls after every method while open")
}

func TestGuardSuccessBreaksTheRow(t *testing.T) {
	h, backend := newProxy(t)
	for i, fail := range []bool{true, true, false, true, true} {
		if fail {
			backend.fail(errBackend)
		} else {
			backend.heal()
		}
		require.NotErrorIs(t, statusErr(t, h, pxT0), storage.ErrStorageOpen, "call %d", i+1)
	}
	backend.heal()
	assert.NoError(t, statusErr(t, h, pxT0), "after two failures, a success, two failures")
	assert.EqualValues(t, 6, backend.calls.Load())
}

func TestGuardRate(t *testing.T) {
	opts := []storage.FaultTolerantOption{storage.WithFailuresInARow(100), storage.WithFailureRate(0.5, 4), storage.WithRateWindow(10 * time.Second)}
	run := func(t *testing.T, h storage.Handle, backend *flaky, lastAt time.Time) {
		for i, fail := range []bool{false, true, false, true} {
			backend.heal()
			if fail {
				backend.fail(errBackend)
			}
			now := pxT0
			if i == 3 {
				now = lastAt
			}
			require.NotErrorIs(t, statusErr(t, h, now), storage.ErrStorageOpen, "call %d", i+1)
		}
		backend.heal()
	}
	t.Run("opens at the rate", func(t *testing.T) {
		h, backend := newProxy(t, opts...)
		run(t, h, backend, pxT0)
		assert.ErrorIs(t, statusErr(t, h, pxT0), storage.ErrStorageOpen, "after 2 failures of 4")
	})
	t.Run("window starts afresh", func(t *testing.T) {
		h, backend := newProxy(t, opts...)
		run(t, h, backend, pxT0.Add(10*time.Second))
		assert.NoError(t, statusErr(t, h, pxT0.Add(10*time.Second)), "1 failure in a new window")
	})
}

func TestGuardHalfOpenSingleProbe(t *testing.T) {
	h, backend := newProxy(t)
	tripProxy(t, h, backend)
	require.ErrorIs(t, statusErr(t, h, pxT0.Add(proxyCoolDown-time.Nanosecond)), storage.ErrStorageOpen, "just before the cool-down")
	backend.heal()
	entered, release := make(chan struct{}), make(chan struct{})
	hook := blockFirst(entered, release)
	backend.before.Store(&hook)
	halfOpen := pxT0.Add(cooled)
	probe := make(chan error)
	go func() { probe <- statusErr(t, h, halfOpen) }()
	<-entered
	for range 5 {
		assert.ErrorIs(t, statusErr(t, h, halfOpen), storage.ErrStorageOpen, "a call while the probe is in flight")
	}
	assert.EqualValues(t, 4, backend.calls.Load(), "calls with one probe in flight")
	close(release)
	require.NoError(t, <-probe, "probe")
	for range 5 {
		assert.NoError(t, statusErr(t, h, halfOpen), "after the probe succeeded")
	}
	assert.EqualValues(t, 9, backend.calls.Load())
}

func TestGuardProbeFailureReopens(t *testing.T) {
	h, backend := newProxy(t)
	tripProxy(t, h, backend)
	probeAt := pxT0.Add(cooled)
	require.ErrorIs(t, statusErr(t, h, probeAt), errBackend, "probe")
	assert.ErrorIs(t, statusErr(t, h, probeAt.Add(proxyCoolDown-time.Nanosecond)), storage.ErrStorageOpen, "within the new cool-down")
	backend.heal()
	assert.NoError(t, statusErr(t, h, probeAt.Add(cooled)), "second probe")
	assert.EqualValues(t, 5, backend.calls.Load())
}

// TestGuardSpentBudgetKeepsTheProbe checks that a call whose context is
// done before it starts (the runtime's storage budget spent by Allow) neither
// reaches the backend nor takes the half-open probe from a call that can run.
func TestGuardSpentBudgetKeepsTheProbe(t *testing.T) {
	h, backend := newProxy(t)
	tripProxy(t, h, backend)
	backend.heal()
	probeAt := pxT0.Add(cooled)
	spent, cancel := context.WithTimeoutCause(context.Background(), 0, storage.ErrTimeout)
	defer cancel()
	_, err := h.Record(spent, probeAt, storage.Outcome{Success: true})
	require.ErrorIs(t, err, storage.ErrTimeout)
	assert.EqualValues(t, 3, backend.calls.Load(), "the spent call reached the backend")
	assert.NoError(t, statusErr(t, h, probeAt), "the probe, still free")
	assert.NoError(t, statusErr(t, h, probeAt), "closed after the probe")
}

// TestGuardDefersRefusedOutcomes checks that an outcome the guard does
// not give the backend (open, or the call's budget spent) is deferred to a
// backend handle that is a storage.Deferrer, and one the backend was asked for
// is not, though it failed: a window a fleet shares counts every call that
// ran, once, while the fallback decides.
func TestGuardDefersRefusedOutcomes(t *testing.T) {
	h, backend := newProxy(t)
	backend.fail(errBackend)
	_, err := h.Record(t.Context(), pxT0, storage.Outcome{})
	require.ErrorIs(t, err, errBackend)
	assert.Zero(t, backend.deferred.Load(), "an outcome the backend was asked for")
	backend.heal()
	_, err = h.Record(t.Context(), pxT0, storage.Outcome{Success: true})
	require.NoError(t, err)
	tripProxy(t, h, backend)
	_, err = h.Record(t.Context(), pxT0, storage.Outcome{Success: true})
	require.ErrorIs(t, err, storage.ErrStorageOpen)
	assert.EqualValues(t, 1, backend.deferred.Load(), "an outcome refused while the proxy is open")
	spent, cancel := context.WithTimeoutCause(context.Background(), 0, storage.ErrTimeout)
	defer cancel()
	_, err = h.Record(spent, pxT0.Add(cooled), storage.Outcome{})
	require.ErrorIs(t, err, storage.ErrTimeout)
	assert.EqualValues(t, 2, backend.deferred.Load(), "an outcome whose storage budget was spent")
}

// TestGuardSlowFailuresOpen is the defect of a guard that stamped its
// opening with the start of the failing call: a backend that fails only after
// longer than the cool-down must still be spared.
func TestGuardSlowFailuresOpen(t *testing.T) {
	h, backend := newProxy(t, storage.WithBackendCoolDown(20*time.Millisecond))
	slow := func(string) { time.Sleep(30 * time.Millisecond) } // the backend's slowness is what is tested
	backend.before.Store(&slow)
	backend.fail(errBackend)
	now := pxT0
	for range 3 {
		require.ErrorIs(t, statusErr(t, h, now), errBackend)
		now = now.Add(30 * time.Millisecond) // the caller's clock moves with the slow calls
	}
	backend.before.Store(nil)
	assert.ErrorIs(t, statusErr(t, h, now), storage.ErrStorageOpen, "right after three slow failures")
	assert.EqualValues(t, 3, backend.calls.Load())
}

// TestGuardBoundsTheCall checks that a call returns when its context is
// done, whatever the backend does, and that the runtime's storage deadline
// counts against the backend while the caller's own cancellation does not.
func TestGuardBoundsTheCall(t *testing.T) {
	hang := make(chan struct{})
	defer close(hang)
	h, backend := newProxy(t)
	block := func(string) { <-hang }
	backend.before.Store(&block)
	for i := range 3 {
		ctx, cancel := context.WithTimeoutCause(context.Background(), 5*time.Millisecond, storage.ErrTimeout)
		start := time.Now()
		_, err := h.Status(ctx, pxT0)
		cancel()
		assert.Less(t, time.Since(start), time.Second, "call %d waited for a hung backend", i+1)
		assert.ErrorIs(t, err, storage.ErrTimeout, "call %d", i+1)
	}
	assert.ErrorIs(t, statusErr(t, h, pxT0), storage.ErrStorageOpen, "after three calls past the storage deadline")

	h2, backend2 := newProxy(t)
	backend2.before.Store(&block)
	for range 5 {
		ctx, cancel := context.WithTimeout(context.Background(), time.Millisecond)
		_, err := h2.Status(ctx, pxT0)
		cancel()
		assert.ErrorIs(t, err, context.DeadlineExceeded)
		assert.NotErrorIs(t, err, storage.ErrTimeout)
	}
	backend2.before.Store(nil)
	assert.NoError(t, statusErr(t, h2, pxT0), "the caller's own deadlines do not open the proxy")
}

func TestGuardRecovers(t *testing.T) {
	h, backend := newProxy(t)
	tripProxy(t, h, backend)
	backend.heal()
	for i := range 10 {
		require.NoError(t, statusErr(t, h, pxT0.Add(cooled)), "call %d after the backend returned", i+1)
	}
	assert.EqualValues(t, 13, backend.calls.Load())
}

func TestGuardHungProbeIsGivenUp(t *testing.T) {
	h, backend := newProxy(t)
	tripProxy(t, h, backend)
	backend.heal()
	entered, release := make(chan struct{}), make(chan struct{})
	hook := blockFirst(entered, release)
	backend.before.Store(&hook)
	probeAt := pxT0.Add(cooled)
	hung := make(chan error)
	go func() { hung <- statusErr(t, h, probeAt) }()
	<-entered
	assert.ErrorIs(t, statusErr(t, h, probeAt.Add(proxyCoolDown-time.Nanosecond)), storage.ErrStorageOpen, "while the probe is young")
	assert.NoError(t, statusErr(t, h, probeAt.Add(cooled)), "a cool-down after the hung probe")
	backend.fail(errBackend) // the hung probe finally fails: it no longer decides
	close(release)
	assert.ErrorIs(t, <-hung, errBackend)
	backend.heal()
	assert.NoError(t, statusErr(t, h, probeAt.Add(cooled)), "after the given-up probe failed")
}

func TestGuardCallerContext(t *testing.T) {
	cancelled, cancel := context.WithCancel(t.Context())
	cancel()
	t.Run("does not open", func(t *testing.T) {
		h, backend := newProxy(t)
		for range 10 {
			_, err := h.Status(cancelled, pxT0)
			require.ErrorIs(t, err, context.Canceled)
		}
		assert.NoError(t, statusErr(t, h, pxT0))
		assert.EqualValues(t, 1, backend.calls.Load(), "cancelled calls never reach the backend")
	})
	t.Run("a backend's own cancellation counts", func(t *testing.T) {
		h, backend := newProxy(t)
		backend.fail(context.Canceled)
		for range 3 {
			_ = statusErr(t, h, pxT0)
		}
		assert.ErrorIs(t, statusErr(t, h, pxT0), storage.ErrStorageOpen, "after 3 errors not from the caller")
	})
}

func TestGuardCorruptDataIsAnAnswer(t *testing.T) {
	h, backend := newProxy(t)
	backend.fail(fmt.Errorf("%w: circuit c", storage.ErrCorrupt))
	for range 10 {
		require.ErrorIs(t, statusErr(t, h, pxT0), storage.ErrCorrupt)
	}
	assert.EqualValues(t, 10, backend.calls.Load())
}

func TestGuardOtherTimeline(t *testing.T) {
	h, backend := newProxy(t)
	tripProxy(t, h, backend)
	backend.heal()
	assert.ErrorIs(t, statusErr(t, h, pxT0.Add(-time.Second)), storage.ErrStorageOpen, "a now a second before opening")
	assert.NoError(t, statusErr(t, h, pxT0.Add(-time.Hour)), "a now an hour before opening (another clock)")
}

func TestGuardAdminIsNotGated(t *testing.T) {
	backend := newFlaky()
	s := must(storage.Guarded(backend))
	tripProxy(t, bind(t, s), backend)
	backend.heal()
	_, err := s.(storage.Admin).List(t.Context())
	assert.NoError(t, err, "List while the proxy is open")
}

func TestGuardOptions(t *testing.T) {
	tests := []struct {
		name string
		opt  storage.FaultTolerantOption
		bad  string // a word of the error; empty when valid
	}{
		{"failures", storage.WithFailuresInARow(1), ""},
		{"rate", storage.WithFailureRate(1, 1), ""},
		{"window", storage.WithRateWindow(time.Second), ""},
		{"cool-down", storage.WithBackendCoolDown(time.Second), ""},
		{"zero failures", storage.WithFailuresInARow(0), "WithFailuresInARow"},
		{"rate above one", storage.WithFailureRate(1.5, 10), "WithFailureRate"},
		{"zero rate", storage.WithFailureRate(0, 10), "WithFailureRate"},
		{"NaN rate", storage.WithFailureRate(math.NaN(), 10), "WithFailureRate"},
		{"zero samples", storage.WithFailureRate(0.5, 0), "WithFailureRate"},
		{"negative window", storage.WithRateWindow(-time.Second), "WithRateWindow"},
		{"zero cool-down", storage.WithBackendCoolDown(0), "WithBackendCoolDown"},
		{"nil", nil, "nil"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, err := storage.Guarded(storage.NewMemory(), tt.opt)
			if tt.bad == "" {
				assert.NoError(t, err)
				assert.NotNil(t, s)
				return
			}
			assert.Nil(t, s)
			assert.ErrorIs(t, err, storage.ErrInvalid)
			assert.ErrorContains(t, err, tt.bad)
		})
	}
}

func TestGuardNilBackend(t *testing.T) {
	var typed *storage.Memory
	for _, s := range []storage.Storage{nil, typed} {
		p, err := storage.Guarded(s)
		assert.Nil(t, p)
		assert.ErrorIs(t, err, storage.ErrInvalid)
	}
}

func TestGuardDoesNotHammer(t *testing.T) {
	h, backend := newProxy(t)
	backend.fail(errBackend)
	const goroutines = 32
	var wg sync.WaitGroup
	for range goroutines {
		wg.Go(func() {
			for range 100 {
				_ = statusErr(t, h, pxT0)
			}
		})
	}
	wg.Wait()
	// Three failures open the guard; only calls already admitted then may still
	// reach the backend, at most one per goroutine.
	assert.LessOrEqual(t, backend.calls.Load(), int64(3+goroutines), "calls that reached a dead backend")
}

// ExampleFaultTolerant_guard shows the guard of a FaultTolerant wrapper: after
// two failures in a row the backend is not called again until the guard's
// cool-down has passed, and the circuit is answered from the fallback.
func ExampleFaultTolerant_guard() {
	s, err := storage.FaultTolerant(downBackend(), storage.WithFailuresInARow(2),
		storage.OnFailure(func(f storage.Failure) {
			fmt.Println(f.Op, errors.Is(f.Err, storage.ErrStorageOpen), f.Err)
		}))
	if err != nil {
		panic(err)
	}
	h, err := s.Bind("payments", storage.Policy{CoolDown: time.Minute, EvaluationWindow: time.Minute, RateThreshold: 0.5, SampleThreshold: 3})
	if err != nil {
		panic(err)
	}
	now := time.Date(2030, time.January, 1, 0, 0, 0, 0, time.UTC)
	for range 3 {
		st, _ := h.Status(context.Background(), now)
		fmt.Println("answered by the fallback:", st.Stub)
	}
	// Output:
	// Status false dial tcp 127.0.0.1:6379: connection refused
	// answered by the fallback: true
	// Status false dial tcp 127.0.0.1:6379: connection refused
	// answered by the fallback: true
	// Status true breakergen: storage circuit open (last backend error: dial tcp 127.0.0.1:6379: connection refused)
	// answered by the fallback: true
}

// downBackend is a backend whose every call fails as a refused connection does.
func downBackend() storage.Storage {
	f := newFlaky()
	f.fail(errors.New("dial tcp 127.0.0.1:6379: connection refused"))
	return f
}
