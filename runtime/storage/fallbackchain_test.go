package storage_test

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/breakergen/breakergen/runtime/storage"
	"github.com/breakergen/breakergen/runtime/storage/storagetest"
)

func TestFallbackChainConformance(t *testing.T) {
	for name, build := range map[string]func() storage.Storage{
		"one memory":       func() storage.Storage { return storage.FallbackChain(storage.NewMemory()) },
		"two memories":     func() storage.Storage { return storage.FallbackChain(storage.NewMemory(), storage.NewMemory()) },
		"after a dead one": func() storage.Storage { return storage.FallbackChain(downBackend(), storage.NewMemory()) },
	} {
		t.Run(name, func(t *testing.T) {
			storagetest.Run(t, storagetest.Harness{New: func(*testing.T) storage.Storage { return build() }})
		})
	}
}

func TestFallbackChainOrder(t *testing.T) {
	a, b := newFlaky(), newFlaky()
	s := storage.FallbackChain(a, b)
	var got failureLog
	s.(storage.FailureNotifier).NotifyFailures(got.add)
	ctx := t.Context()
	record := func() {
		t.Helper()
		if _, err := s.Record(ctx, "c", pxPolicy, pxT0, storage.Outcome{Success: true}); err != nil {
			t.Fatalf("Record: %v", err)
		}
	}
	samples := func(f *flaky) int {
		st, _ := f.mem.Status(ctx, "c", pxPolicy, pxT0)
		return st.Samples
	}

	record()
	if samples(a) != 1 || samples(b) != 0 {
		t.Errorf("with both healthy: a counted %d, b %d; want the first only", samples(a), samples(b))
	}
	if f := got.take(); len(f) != 0 {
		t.Errorf("failures reported with both healthy: %+v", f)
	}
	if b.calls.Load() != 0 {
		t.Errorf("the second storage was called %d times while the first answered", b.calls.Load())
	}

	a.fail(errBackend)
	record()
	if samples(b) != 1 {
		t.Errorf("with the first down: b counted %d, want 1", samples(b))
	}
	if f := got.take(); len(f) != 1 || f[0].Op != "Record" || f[0].Circuit != "c" || !errors.Is(f[0].Err, errBackend) {
		t.Errorf("failures = %+v, want the first storage's Record failure", f)
	}

	a.heal()
	st, err := s.Status(ctx, "c", pxPolicy, pxT0)
	if err != nil || st.Samples != 1 {
		t.Errorf("Status after the first returned = %+v, %v; want the first's count, 1", st, err)
	}
}

func TestFallbackChainAllFail(t *testing.T) {
	a, b := newFlaky(), newFlaky()
	errA, errB := errors.New("a down"), errors.New("b down")
	a.fail(errA)
	b.fail(errB)
	s := storage.FallbackChain(a, b)
	var got failureLog
	s.(storage.FailureNotifier).NotifyFailures(got.add)
	for _, o := range pxOps {
		err := o.call(t.Context(), s)
		if !errors.Is(err, errA) || !errors.Is(err, errB) {
			t.Errorf("%s with both down: error %v, want both errors joined", o.name, err)
		}
	}
	if f := got.take(); len(f) != 0 {
		t.Errorf("a call that failed altogether also reported failures: %+v", f)
	}
	if s.FaultTolerant() {
		t.Error("FaultTolerant() = true for a chain of fallible storages")
	}
}

func TestFallbackChainWritesGoToAll(t *testing.T) {
	ctx := t.Context()
	writes := []struct {
		name  string
		write func(s storage.Storage) error
		check func(f *flaky) bool // reports whether f received the write
	}{
		{"Lock", func(s storage.Storage) error { return s.Lock(ctx, "c", storage.LockOpen) }, func(f *flaky) bool {
			st, _ := f.mem.Status(ctx, "c", pxPolicy, pxT0)
			return st.Lock == storage.LockOpen
		}},
		{"Unlock", func(s storage.Storage) error { return s.Unlock(ctx, "c") }, func(f *flaky) bool {
			st, _ := f.mem.Status(ctx, "c", pxPolicy, pxT0)
			return st.Lock == storage.LockNone
		}},
		{"Reset", func(s storage.Storage) error { return s.Reset(ctx, "c") }, func(f *flaky) bool {
			st, _ := f.mem.Status(ctx, "c", pxPolicy, pxT0)
			return st.Lock == storage.LockNone && st.State == storage.StateClosed
		}},
		{"Clear", func(s storage.Storage) error { return s.Clear(ctx) }, func(f *flaky) bool {
			names, _ := f.mem.List(ctx)
			return len(names) == 0
		}},
	}
	for _, w := range writes {
		t.Run(w.name, func(t *testing.T) {
			a, b, c := newFlaky(), newFlaky(), newFlaky()
			for _, f := range []*flaky{a, b, c} {
				_ = f.mem.Lock(ctx, "c", storage.LockClosed)
				_, _ = f.mem.Open(ctx, "c", pxPolicy, pxT0)
			}
			s := storage.FallbackChain(a, b, c)
			var got failureLog
			s.(storage.FailureNotifier).NotifyFailures(got.add)
			b.fail(errBackend)
			if err := w.write(s); err != nil {
				t.Fatalf("%s with one storage down: %v, want success", w.name, err)
			}
			if !w.check(a) || !w.check(c) {
				t.Errorf("%s did not reach every working storage", w.name)
			}
			if f := got.take(); len(f) != 1 || f[0].Op != w.name || !errors.Is(f[0].Err, errBackend) {
				t.Errorf("failures = %+v, want the second storage's %s failure", f, w.name)
			}
		})
	}
}

func TestFallbackChainFaultTolerant(t *testing.T) {
	tests := []struct {
		name  string
		chain storage.Storage
		want  bool
	}{
		{"fallible only", storage.FallbackChain(newFlaky(), newFlaky()), false},
		{"memory last", storage.FallbackChain(newFlaky(), storage.NewMemory()), true},
		{"memory first", storage.FallbackChain(storage.NewMemory(), newFlaky()), true},
		{"proxied", storage.FallbackChain(storage.FaultTolerant(newFlaky())), true},
		{"empty", storage.FallbackChain(), true},
	}
	for _, tt := range tests {
		if got := tt.chain.FaultTolerant(); got != tt.want {
			t.Errorf("%s: FaultTolerant() = %v, want %v", tt.name, got, tt.want)
		}
	}
}

func TestFallbackChainEmptyIsNull(t *testing.T) {
	for name, s := range map[string]storage.Storage{
		"no storages": storage.FallbackChain(),
		"only nils":   storage.FallbackChain(nil, nil),
	} {
		t.Run(name, func(t *testing.T) {
			ctx := t.Context()
			for _, o := range pxOps {
				if err := o.call(ctx, s); err != nil {
					t.Errorf("%s: %v", o.name, err)
				}
			}
			st, _ := s.Status(ctx, "c", pxPolicy, pxT0)
			if st != (storage.Status{CurrentTime: pxT0}) {
				t.Errorf("Status = %+v, want a closed circuit at %v", st, pxT0)
			}
			if _, ok, _ := s.Reserve(ctx, "c", pxPolicy, pxT0, time.Time{}); !ok {
				t.Error("Reserve lost; an empty chain stores nothing and never blocks")
			}
		})
	}
}

func TestFallbackChainSkipsNil(t *testing.T) {
	m := storage.NewMemory()
	s := storage.FallbackChain(nil, m, nil)
	if _, err := s.Record(t.Context(), "c", pxPolicy, pxT0, storage.Outcome{}); err != nil {
		t.Fatal(err)
	}
	if st, _ := m.Status(t.Context(), "c", pxPolicy, pxT0); st.Samples != 1 {
		t.Errorf("the memory counted %d, want 1", st.Samples)
	}
}

func TestFallbackChainCallerCancelStops(t *testing.T) {
	a, b := newFlaky(), newFlaky()
	a.fail(context.Canceled)
	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	s := storage.FallbackChain(a, b)
	var got failureLog
	s.(storage.FailureNotifier).NotifyFailures(got.add)
	if _, err := s.Status(ctx, "c", pxPolicy, pxT0); !errors.Is(err, context.Canceled) {
		t.Errorf("error %v, want the caller's cancellation", err)
	}
	if n := b.calls.Load(); n != 0 {
		t.Errorf("the next storage was called %d times after the caller cancelled", n)
	}
	if f := got.take(); len(f) != 0 {
		t.Errorf("failures reported for the caller's cancellation: %+v", f)
	}
}

func ExampleFallbackChain() {
	local := storage.NewMemory()
	s := storage.FallbackChain(downBackend(), local)
	s.(storage.FailureNotifier).NotifyFailures(func(f storage.Failure) {
		fmt.Println("tolerated:", f.Op, f.Err)
	})
	now := time.Date(2030, time.January, 1, 0, 0, 0, 0, time.UTC)
	r, err := s.Record(context.Background(), "payments", storage.Policy{EvaluationWindow: time.Minute}, now, storage.Outcome{Success: true})
	fmt.Println(r.Status.Samples, err, s.FaultTolerant())
	// Output:
	// tolerated: Record breakergen: fallback chain storage 1 of 2: dial tcp 127.0.0.1:6379: connection refused
	// 1 <nil> true
}
