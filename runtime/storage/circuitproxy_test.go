package storage_test

import (
	"context"
	"errors"
	"fmt"
	"math"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/breakergen/breakergen/runtime/fakeclock"
	"github.com/breakergen/breakergen/runtime/storage"
	"github.com/breakergen/breakergen/runtime/storage/storagetest"
)

const proxyCoolDown = 2 * time.Second // the default

// newProxy returns a CircuitProxy over a new flaky backend, with a fake clock at
// pxT0 for the methods without a now.
func newProxy(opts ...storage.CircuitProxyOptions) (storage.Storage, *flaky, *fakeclock.Clock) {
	backend := newFlaky()
	clk := fakeclock.New(pxT0)
	opts = append([]storage.CircuitProxyOptions{{Clock: clk.Now}}, opts...)
	return storage.CircuitProxy(backend, opts...), backend, clk
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

// status calls Status at now and returns its error.
func status(t *testing.T, s storage.Storage, now time.Time) error {
	t.Helper()
	_, err := s.Status(t.Context(), "c", pxPolicy, now)
	return err
}

// checkCalls fails unless the backend was called want times in all.
func checkCalls(t *testing.T, backend *flaky, want int64, what string) {
	t.Helper()
	if got := backend.calls.Load(); got != want {
		t.Errorf("%s: the backend was called %d times, want %d", what, got, want)
	}
}

// tripProxy makes three calls at pxT0 fail, which opens a default proxy.
func tripProxy(t *testing.T, s storage.Storage, backend *flaky) {
	t.Helper()
	backend.fail(errBackend)
	for i := range 3 {
		if err := status(t, s, pxT0); !errors.Is(err, errBackend) || errors.Is(err, storage.ErrStorageOpen) {
			t.Fatalf("call %d: error %v, want the backend's", i+1, err)
		}
	}
}

func TestCircuitProxyConformance(t *testing.T) {
	storagetest.Run(t, storagetest.Harness{New: func(*testing.T) storage.Storage {
		return storage.CircuitProxy(storage.NewMemory())
	}})
}

func TestCircuitProxyInFaultTolerantConformance(t *testing.T) {
	storagetest.Run(t, storagetest.Harness{New: func(*testing.T) storage.Storage {
		return storage.FaultTolerant(storage.CircuitProxy(storage.NewMemory()))
	}})
}

func TestCircuitProxyOpensAfterFailuresInARow(t *testing.T) {
	s, backend, _ := newProxy()
	tripProxy(t, s, backend)
	checkCalls(t, backend, 3, "three failures")
	for _, o := range pxOps {
		err := o.call(t.Context(), s)
		if !errors.Is(err, storage.ErrStorageOpen) {
			t.Errorf("%s while open: error %v, want ErrStorageOpen", o.name, err)
		} else if !strings.Contains(err.Error(), errBackend.Error()) {
			t.Errorf("%s while open: error %q does not name the backend's last error", o.name, err)
		}
	}
	checkCalls(t, backend, 3, "every method while open")
	if s.FaultTolerant() {
		t.Error("FaultTolerant() = true, want false")
	}
}

func TestCircuitProxySuccessBreaksTheRow(t *testing.T) {
	s, backend, _ := newProxy()
	for i, fail := range []bool{true, true, false, true, true} {
		if fail {
			backend.fail(errBackend)
		} else {
			backend.heal()
		}
		if err := status(t, s, pxT0); errors.Is(err, storage.ErrStorageOpen) {
			t.Fatalf("call %d refused: %v", i+1, err)
		}
	}
	backend.heal()
	if err := status(t, s, pxT0); err != nil {
		t.Errorf("after two failures, a success, two failures: %v, want the backend called", err)
	}
	checkCalls(t, backend, 6, "six calls")
}

func TestCircuitProxyRate(t *testing.T) {
	opts := storage.CircuitProxyOptions{FailureThreshold: 100, SampleThreshold: 4, Window: 10 * time.Second}
	t.Run("opens at the rate", func(t *testing.T) {
		s, backend, _ := newProxy(opts)
		for _, fail := range []bool{false, true, false, true} {
			if fail {
				backend.fail(errBackend)
			} else {
				backend.heal()
			}
			if err := status(t, s, pxT0); errors.Is(err, storage.ErrStorageOpen) {
				t.Fatalf("refused before 2 failures of 4: %v", err)
			}
		}
		backend.heal()
		if err := status(t, s, pxT0); !errors.Is(err, storage.ErrStorageOpen) {
			t.Errorf("after 2 failures of 4: error %v, want ErrStorageOpen", err)
		}
		checkCalls(t, backend, 4, "rate")
	})
	t.Run("window starts afresh", func(t *testing.T) {
		s, backend, _ := newProxy(opts)
		for i, fail := range []bool{false, true, false, true} {
			if fail {
				backend.fail(errBackend)
			} else {
				backend.heal()
			}
			now := pxT0
			if i == 3 {
				now = pxT0.Add(10 * time.Second) // a new window
			}
			if err := status(t, s, now); errors.Is(err, storage.ErrStorageOpen) {
				t.Fatalf("call %d refused: %v", i+1, err)
			}
		}
		backend.heal()
		if err := status(t, s, pxT0.Add(10*time.Second)); err != nil {
			t.Errorf("1 failure in a new window: %v, want the backend called", err)
		}
	})
}

func TestCircuitProxyHalfOpenSingleProbe(t *testing.T) {
	s, backend, _ := newProxy()
	tripProxy(t, s, backend)
	if err := status(t, s, pxT0.Add(proxyCoolDown-time.Nanosecond)); !errors.Is(err, storage.ErrStorageOpen) {
		t.Fatalf("just before the cool-down: %v, want ErrStorageOpen", err)
	}
	checkCalls(t, backend, 3, "before the cool-down")

	backend.heal()
	entered, release := make(chan struct{}), make(chan struct{})
	hook := blockFirst(entered, release)
	backend.before.Store(&hook)
	halfOpen := pxT0.Add(proxyCoolDown)
	probe := make(chan error)
	go func() { probe <- status(t, s, halfOpen) }()
	<-entered
	for range 5 {
		if err := status(t, s, halfOpen); !errors.Is(err, storage.ErrStorageOpen) {
			t.Errorf("a call while the probe is in flight: %v, want ErrStorageOpen", err)
		}
	}
	checkCalls(t, backend, 4, "with one probe in flight")
	close(release)
	if err := <-probe; err != nil {
		t.Fatalf("probe: %v", err)
	}
	for range 5 {
		if err := status(t, s, halfOpen); err != nil {
			t.Errorf("after the probe succeeded: %v, want the backend called", err)
		}
	}
	checkCalls(t, backend, 9, "after the probe closed the proxy")
}

func TestCircuitProxyProbeFailureReopens(t *testing.T) {
	s, backend, _ := newProxy()
	tripProxy(t, s, backend)
	probeAt := pxT0.Add(proxyCoolDown)
	if err := status(t, s, probeAt); !errors.Is(err, errBackend) {
		t.Fatalf("probe: %v, want the backend's error", err)
	}
	checkCalls(t, backend, 4, "failed probe")
	if err := status(t, s, probeAt.Add(proxyCoolDown-time.Nanosecond)); !errors.Is(err, storage.ErrStorageOpen) {
		t.Errorf("within the new cool-down: %v, want ErrStorageOpen", err)
	}
	checkCalls(t, backend, 4, "within the new cool-down")
	backend.heal()
	if err := status(t, s, probeAt.Add(proxyCoolDown)); err != nil {
		t.Errorf("second probe: %v", err)
	}
	checkCalls(t, backend, 5, "second probe")
}

func TestCircuitProxyRecovers(t *testing.T) {
	s, backend, _ := newProxy()
	tripProxy(t, s, backend)
	backend.heal()
	after := pxT0.Add(proxyCoolDown)
	for i := range 10 {
		if err := status(t, s, after); err != nil {
			t.Fatalf("call %d after the backend returned and the cool-down passed: %v", i+1, err)
		}
	}
	checkCalls(t, backend, 13, "after recovery")
}

func TestCircuitProxyHungProbeIsGivenUp(t *testing.T) {
	s, backend, _ := newProxy()
	tripProxy(t, s, backend)
	backend.heal()
	entered, release := make(chan struct{}), make(chan struct{})
	hook := blockFirst(entered, release)
	backend.before.Store(&hook)
	probeAt := pxT0.Add(proxyCoolDown)
	hung := make(chan error)
	go func() { hung <- status(t, s, probeAt) }()
	<-entered
	if err := status(t, s, probeAt.Add(proxyCoolDown-time.Nanosecond)); !errors.Is(err, storage.ErrStorageOpen) {
		t.Errorf("while the probe is young: %v, want ErrStorageOpen", err)
	}
	if err := status(t, s, probeAt.Add(proxyCoolDown)); err != nil {
		t.Errorf("a cool-down after the hung probe: %v, want a new probe to succeed", err)
	}
	// The hung probe finally fails: it no longer decides.
	backend.fail(errBackend)
	close(release)
	if err := <-hung; !errors.Is(err, errBackend) {
		t.Errorf("the hung probe returned %v", err)
	}
	backend.heal()
	if err := status(t, s, probeAt.Add(proxyCoolDown)); err != nil {
		t.Errorf("after the given-up probe failed: %v, want the proxy still closed", err)
	}
	checkCalls(t, backend, 6, "hung probe")
}

func TestCircuitProxyCallerContext(t *testing.T) {
	cancelled, cancel := context.WithCancel(t.Context())
	cancel()
	t.Run("does not open", func(t *testing.T) {
		s, backend, _ := newProxy()
		backend.fail(context.Canceled)
		for range 10 {
			if _, err := s.Status(cancelled, "c", pxPolicy, pxT0); !errors.Is(err, context.Canceled) {
				t.Fatalf("error %v, want the caller's cancellation", err)
			}
		}
		checkCalls(t, backend, 10, "cancelled calls")
	})
	t.Run("releases the probe", func(t *testing.T) {
		s, backend, _ := newProxy()
		tripProxy(t, s, backend)
		backend.fail(context.Canceled)
		probeAt := pxT0.Add(proxyCoolDown)
		if _, err := s.Status(cancelled, "c", pxPolicy, probeAt); !errors.Is(err, context.Canceled) {
			t.Fatalf("cancelled probe: %v", err)
		}
		backend.heal()
		if err := status(t, s, probeAt); err != nil {
			t.Errorf("a probe right after a cancelled one: %v, want it let through", err)
		}
		checkCalls(t, backend, 5, "cancelled probe")
	})
	t.Run("a backend's own cancellation counts", func(t *testing.T) {
		s, backend, _ := newProxy()
		backend.fail(context.Canceled)
		for range 3 {
			_ = status(t, s, pxT0)
		}
		if err := status(t, s, pxT0); !errors.Is(err, storage.ErrStorageOpen) {
			t.Errorf("after 3 errors not from the caller: %v, want ErrStorageOpen", err)
		}
	})
}

func TestCircuitProxyCorruptDataIsAnAnswer(t *testing.T) {
	s, backend, _ := newProxy()
	backend.fail(fmt.Errorf("%w: circuit c", storage.ErrCorrupt))
	for range 10 {
		if err := status(t, s, pxT0); !errors.Is(err, storage.ErrCorrupt) {
			t.Fatalf("error %v, want ErrCorrupt returned", err)
		}
	}
	checkCalls(t, backend, 10, "corrupt answers")
}

func TestCircuitProxyClock(t *testing.T) {
	s, backend, clk := newProxy()
	tripProxy(t, s, backend)
	backend.heal()
	clk.Set(pxT0.Add(proxyCoolDown - time.Nanosecond))
	if _, err := s.List(t.Context()); !errors.Is(err, storage.ErrStorageOpen) {
		t.Errorf("List before the cool-down by Clock: %v, want ErrStorageOpen", err)
	}
	clk.Set(pxT0.Add(proxyCoolDown))
	if _, err := s.List(t.Context()); err != nil {
		t.Errorf("List after the cool-down by Clock: %v, want the probe through", err)
	}
	checkCalls(t, backend, 4, "List")
}

func TestCircuitProxyOtherTimeline(t *testing.T) {
	s, backend, _ := newProxy()
	tripProxy(t, s, backend)
	backend.heal()
	if err := status(t, s, pxT0.Add(-time.Second)); !errors.Is(err, storage.ErrStorageOpen) {
		t.Errorf("a now a second before opening: %v, want ErrStorageOpen", err)
	}
	if err := status(t, s, pxT0.Add(-time.Hour)); err != nil {
		t.Errorf("a now an hour before opening (another clock): %v, want a probe through", err)
	}
	checkCalls(t, backend, 4, "other timeline")
}

func TestCircuitProxyOptions(t *testing.T) {
	tests := []struct {
		name string
		o    storage.CircuitProxyOptions
		bad  string // a word of the error; empty when valid
	}{
		{"zero", storage.CircuitProxyOptions{}, ""},
		{"all set", storage.CircuitProxyOptions{FailureThreshold: 1, RateThreshold: 1, SampleThreshold: 1, Window: time.Second, CoolDown: time.Second, Clock: time.Now}, ""},
		{"negative failures", storage.CircuitProxyOptions{FailureThreshold: -1}, "FailureThreshold"},
		{"rate above one", storage.CircuitProxyOptions{RateThreshold: 1.5}, "RateThreshold"},
		{"negative rate", storage.CircuitProxyOptions{RateThreshold: -0.1}, "RateThreshold"},
		{"NaN rate", storage.CircuitProxyOptions{RateThreshold: math.NaN()}, "RateThreshold"},
		{"negative samples", storage.CircuitProxyOptions{SampleThreshold: -2}, "SampleThreshold"},
		{"negative window", storage.CircuitProxyOptions{Window: -time.Second}, "Window"},
		{"negative cool-down", storage.CircuitProxyOptions{CoolDown: -time.Second}, "CoolDown"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := tt.o.Validate()
			if tt.bad == "" {
				if err != nil {
					t.Fatalf("Validate() = %v, want nil", err)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), tt.bad) || !strings.HasPrefix(err.Error(), "breakergen: ") {
				t.Fatalf("Validate() = %v, want a breakergen error naming %s", err, tt.bad)
			}
			backend := newFlaky()
			s := storage.CircuitProxy(backend, tt.o)
			for _, o := range pxOps {
				if err := o.call(t.Context(), s); err == nil || !strings.Contains(err.Error(), tt.bad) {
					t.Errorf("%s on a proxy with bad options: %v, want the validation error", o.name, err)
				}
			}
			checkCalls(t, backend, 0, "bad options")
		})
	}
}

func TestCircuitProxyMergesOptions(t *testing.T) {
	s, backend, _ := newProxy(storage.CircuitProxyOptions{FailureThreshold: 1}, storage.CircuitProxyOptions{CoolDown: 5 * time.Second})
	backend.fail(errBackend)
	_ = status(t, s, pxT0)
	if err := status(t, s, pxT0.Add(4*time.Second)); !errors.Is(err, storage.ErrStorageOpen) {
		t.Errorf("4s after one failure: %v, want ErrStorageOpen", err)
	}
	if err := status(t, s, pxT0.Add(5*time.Second)); errors.Is(err, storage.ErrStorageOpen) {
		t.Errorf("5s after one failure: %v, want a probe", err)
	}
	checkCalls(t, backend, 2, "merged options")
}

func TestCircuitProxyNilBackend(t *testing.T) {
	s := storage.CircuitProxy(nil)
	if err := status(t, s, pxT0); err == nil {
		t.Error("Status on a nil backend: no error")
	}
	if s.FaultTolerant() {
		t.Error("FaultTolerant() = true")
	}
}

func TestCircuitProxyDoesNotHammer(t *testing.T) {
	s, backend, _ := newProxy()
	backend.fail(errBackend)
	const goroutines = 32
	var wg sync.WaitGroup
	for range goroutines {
		wg.Go(func() {
			for range 100 {
				_ = status(t, s, pxT0)
			}
		})
	}
	wg.Wait()
	// Three failures open the proxy; only calls already admitted then may still
	// reach the backend, at most one per goroutine.
	if n := backend.calls.Load(); n > 3+goroutines {
		t.Errorf("%d calls reached a dead backend, want at most %d", n, 3+goroutines)
	}
	backend.heal()
	for range goroutines {
		wg.Go(func() {
			for i := range 100 {
				_ = status(t, s, pxT0.Add(time.Duration(i)*time.Second))
			}
		})
	}
	wg.Wait()
	if err := status(t, s, pxT0.Add(time.Hour)); err != nil {
		t.Errorf("after recovery: %v", err)
	}
}

func ExampleCircuitProxy() {
	s := storage.CircuitProxy(downBackend(), storage.CircuitProxyOptions{FailureThreshold: 2})
	now := time.Date(2030, time.January, 1, 0, 0, 0, 0, time.UTC)
	for range 3 {
		_, err := s.Status(context.Background(), "payments", storage.Policy{}, now)
		fmt.Println(errors.Is(err, storage.ErrStorageOpen), err)
	}
	// The backend is not called again until the cool-down (2s) has passed.
	// Output:
	// false dial tcp 127.0.0.1:6379: connection refused
	// false dial tcp 127.0.0.1:6379: connection refused
	// true breakergen: storage circuit open (last backend error: dial tcp 127.0.0.1:6379: connection refused)
}
