package storage_test

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/breakergen/breakergen/runtime/storage"
	"github.com/breakergen/breakergen/runtime/storage/storagetest"
)

// flaky is a backend that fails on command: it answers from a Memory while
// healthy and with its error while failing. It counts the calls that reach it,
// and runs optional hooks before a call (before its health is checked) and after
// a call's answer was read from the Memory.
type flaky struct {
	mem    *storage.Memory
	err    atomic.Pointer[error] // nil while healthy
	calls  atomic.Int64
	before atomic.Pointer[func(op string)]
	after  atomic.Pointer[func(op string)]
}

var _ storage.Storage = (*flaky)(nil)

func newFlaky() *flaky { return &flaky{mem: storage.NewMemory()} }

// fail makes every call fail with err; heal makes them work again.
func (f *flaky) fail(err error) { f.err.Store(&err) }
func (f *flaky) heal()          { f.err.Store(nil) }

func (f *flaky) enter(op string) error {
	f.calls.Add(1)
	if h := f.before.Load(); h != nil {
		(*h)(op)
	}
	if err := f.err.Load(); err != nil {
		return *err
	}
	return nil
}

func (f *flaky) leave(op string) {
	if h := f.after.Load(); h != nil {
		(*h)(op)
	}
}

func (f *flaky) Status(ctx context.Context, name string, p storage.Policy, now time.Time) (storage.Status, error) {
	if err := f.enter("Status"); err != nil {
		return storage.Status{}, err
	}
	defer f.leave("Status")
	return f.mem.Status(ctx, name, p, now)
}

func (f *flaky) Record(ctx context.Context, name string, p storage.Policy, now time.Time, o storage.Outcome) (storage.Result, error) {
	if err := f.enter("Record"); err != nil {
		return storage.Result{}, err
	}
	defer f.leave("Record")
	return f.mem.Record(ctx, name, p, now, o)
}

func (f *flaky) Open(ctx context.Context, name string, p storage.Policy, now time.Time) (bool, error) {
	if err := f.enter("Open"); err != nil {
		return false, err
	}
	defer f.leave("Open")
	return f.mem.Open(ctx, name, p, now)
}

func (f *flaky) Reopen(ctx context.Context, name string, p storage.Policy, now, previous time.Time) (bool, error) {
	if err := f.enter("Reopen"); err != nil {
		return false, err
	}
	defer f.leave("Reopen")
	return f.mem.Reopen(ctx, name, p, now, previous)
}

func (f *flaky) Close(ctx context.Context, name string, p storage.Policy, now time.Time) (bool, error) {
	if err := f.enter("Close"); err != nil {
		return false, err
	}
	defer f.leave("Close")
	return f.mem.Close(ctx, name, p, now)
}

func (f *flaky) Reserve(ctx context.Context, name string, p storage.Policy, now, previous time.Time) (time.Time, bool, error) {
	if err := f.enter("Reserve"); err != nil {
		return time.Time{}, false, err
	}
	defer f.leave("Reserve")
	return f.mem.Reserve(ctx, name, p, now, previous)
}

func (f *flaky) Release(ctx context.Context, name string, p storage.Policy, reservedAt time.Time) (bool, error) {
	if err := f.enter("Release"); err != nil {
		return false, err
	}
	defer f.leave("Release")
	return f.mem.Release(ctx, name, p, reservedAt)
}

func (f *flaky) Lock(ctx context.Context, name string, l storage.Lock) error {
	if err := f.enter("Lock"); err != nil {
		return err
	}
	defer f.leave("Lock")
	return f.mem.Lock(ctx, name, l)
}

func (f *flaky) Unlock(ctx context.Context, name string) error {
	if err := f.enter("Unlock"); err != nil {
		return err
	}
	defer f.leave("Unlock")
	return f.mem.Unlock(ctx, name)
}

func (f *flaky) Reset(ctx context.Context, name string) error {
	if err := f.enter("Reset"); err != nil {
		return err
	}
	defer f.leave("Reset")
	return f.mem.Reset(ctx, name)
}

func (f *flaky) History(ctx context.Context, name string, p storage.Policy, now time.Time) ([]storage.Bucket, error) {
	if err := f.enter("History"); err != nil {
		return nil, err
	}
	defer f.leave("History")
	return f.mem.History(ctx, name, p, now)
}

func (f *flaky) List(ctx context.Context) ([]string, error) {
	if err := f.enter("List"); err != nil {
		return nil, err
	}
	defer f.leave("List")
	return f.mem.List(ctx)
}

func (f *flaky) Clear(ctx context.Context) error {
	if err := f.enter("Clear"); err != nil {
		return err
	}
	defer f.leave("Clear")
	return f.mem.Clear(ctx)
}

func (f *flaky) FaultTolerant() bool { return false }

var (
	errBackend = errors.New("boom")
	pxT0       = time.Date(2030, time.January, 2, 3, 4, 5, 0, time.UTC)
	pxPolicy   = storage.Policy{CoolDown: time.Minute, EvaluationWindow: time.Minute, RateThreshold: 0.5, SampleThreshold: 3}
)

// failureLog collects the Failures reported to it. It is safe for concurrent use.
type failureLog struct {
	mu   sync.Mutex
	list []storage.Failure
}

func (f *failureLog) add(x storage.Failure) {
	f.mu.Lock()
	f.list = append(f.list, x)
	f.mu.Unlock()
}

func (f *failureLog) take() []storage.Failure {
	f.mu.Lock()
	defer f.mu.Unlock()
	out := f.list
	f.list = nil
	return out
}

// pxOp is one call of every Storage method, for table-driven tests.
type pxOp struct {
	name    string
	circuit string
	call    func(ctx context.Context, s storage.Storage) error
}

var pxOps = []pxOp{
	{"Status", "c", func(ctx context.Context, s storage.Storage) error {
		_, err := s.Status(ctx, "c", pxPolicy, pxT0)
		return err
	}},
	{"Record", "c", func(ctx context.Context, s storage.Storage) error {
		_, err := s.Record(ctx, "c", pxPolicy, pxT0, storage.Outcome{})
		return err
	}},
	{"Open", "c", func(ctx context.Context, s storage.Storage) error {
		_, err := s.Open(ctx, "c", pxPolicy, pxT0)
		return err
	}},
	{"Reopen", "c", func(ctx context.Context, s storage.Storage) error {
		_, err := s.Reopen(ctx, "c", pxPolicy, pxT0, pxT0)
		return err
	}},
	{"Close", "c", func(ctx context.Context, s storage.Storage) error {
		_, err := s.Close(ctx, "c", pxPolicy, pxT0)
		return err
	}},
	{"Reserve", "c", func(ctx context.Context, s storage.Storage) error {
		_, _, err := s.Reserve(ctx, "c", pxPolicy, pxT0, time.Time{})
		return err
	}},
	{"Release", "c", func(ctx context.Context, s storage.Storage) error {
		_, err := s.Release(ctx, "c", pxPolicy, pxT0)
		return err
	}},
	{"Lock", "c", func(ctx context.Context, s storage.Storage) error { return s.Lock(ctx, "c", storage.LockOpen) }},
	{"Unlock", "c", func(ctx context.Context, s storage.Storage) error { return s.Unlock(ctx, "c") }},
	{"Reset", "c", func(ctx context.Context, s storage.Storage) error { return s.Reset(ctx, "c") }},
	{"History", "c", func(ctx context.Context, s storage.Storage) error {
		_, err := s.History(ctx, "c", pxPolicy, pxT0)
		return err
	}},
	{"List", "", func(ctx context.Context, s storage.Storage) error {
		_, err := s.List(ctx)
		return err
	}},
	{"Clear", "", func(ctx context.Context, s storage.Storage) error { return s.Clear(ctx) }},
}

func pxStatus(t *testing.T, s storage.Storage, name string, now time.Time) storage.Status {
	t.Helper()
	st, err := s.Status(t.Context(), name, pxPolicy, now)
	if err != nil {
		t.Fatalf("Status(%q): %v", name, err)
	}
	return st
}

func TestFaultTolerantConformance(t *testing.T) {
	storagetest.Run(t, storagetest.Harness{New: func(*testing.T) storage.Storage {
		return storage.FaultTolerant(storage.NewMemory())
	}})
}

func TestFaultTolerantReportsEveryFailure(t *testing.T) {
	for _, o := range pxOps {
		t.Run(o.name, func(t *testing.T) {
			backend := newFlaky()
			backend.fail(errBackend)
			var byOption, byNotify failureLog
			s := storage.FaultTolerant(backend, storage.OnFailure(byOption.add))
			s.(storage.FailureNotifier).NotifyFailures(byNotify.add)
			if err := o.call(t.Context(), s); err != nil {
				t.Fatalf("%s returned %v, want no error from a fault-tolerant storage", o.name, err)
			}
			for who, got := range map[string][]storage.Failure{"OnFailure": byOption.take(), "NotifyFailures": byNotify.take()} {
				if len(got) != 1 {
					t.Fatalf("%s got %d failures, want 1: %+v", who, len(got), got)
				}
				if f := got[0]; f.Op != o.name || f.Circuit != o.circuit || !errors.Is(f.Err, errBackend) {
					t.Errorf("%s got %+v, want Op %q, Circuit %q, Err boom", who, f, o.name, o.circuit)
				}
			}
			backend.heal()
			if err := o.call(t.Context(), s); err != nil {
				t.Fatalf("%s on a healthy backend: %v", o.name, err)
			}
			if got := byOption.take(); len(got) != 0 {
				t.Errorf("a healthy backend reported failures %+v", got)
			}
		})
	}
}

func TestFaultTolerantStub(t *testing.T) {
	backend := newFlaky()
	s := storage.FaultTolerant(backend)
	if st := pxStatus(t, s, "c", pxT0); st.Stub {
		t.Error("Status from a healthy backend has Stub set")
	}
	backend.fail(errBackend)
	st := pxStatus(t, s, "c", pxT0)
	if !st.Stub || st.State != storage.StateClosed || !st.CurrentTime.Equal(pxT0) {
		t.Errorf("Status from a failing backend = %+v, want a closed stub at %v", st, pxT0)
	}
	r, err := s.Record(t.Context(), "c", pxPolicy, pxT0, storage.Outcome{Success: true})
	if err != nil || !r.Status.Stub || r.Status.Samples != 1 {
		t.Errorf("Record on a failing backend = %+v, %v; want a stub result counting 1 sample", r, err)
	}
	if !s.FaultTolerant() {
		t.Error("FaultTolerant() = false")
	}
}

func TestFaultTolerantKeepsProtecting(t *testing.T) {
	backend := newFlaky()
	backend.fail(errBackend)
	s := storage.FaultTolerant(backend)
	ctx := t.Context()
	var ts []storage.Transition
	for range 3 {
		r, _ := s.Record(ctx, "c", pxPolicy, pxT0, storage.Outcome{})
		ts = append(ts, r.Transition)
	}
	want := []storage.Transition{storage.TransitionNone, storage.TransitionNone, storage.TransitionOpened}
	if !slices.Equal(ts, want) {
		t.Fatalf("3 failures with the backend down: transitions %v, want %v", ts, want)
	}
	st := pxStatus(t, s, "c", pxT0)
	if st.State != storage.StateOpen || !st.Stub {
		t.Fatalf("status = %+v, want an open stub", st)
	}
	// The probe protocol works in process too.
	later := pxT0.Add(pxPolicy.CoolDown)
	if _, ok, _ := s.Reserve(ctx, "c", pxPolicy, later, time.Time{}); !ok {
		t.Error("first Reserve on the fallback lost")
	}
	if _, ok, _ := s.Reserve(ctx, "c", pxPolicy, later, time.Time{}); ok {
		t.Error("second Reserve on the fallback won")
	}
	r, _ := s.Record(ctx, "c", pxPolicy, later, storage.Outcome{Success: true, Probe: true, OpenedAt: st.OpenedAt})
	if r.Transition != storage.TransitionClosed || !r.Status.Stub {
		t.Errorf("probe success on the fallback = %+v, want closed stub", r)
	}
}

func TestFaultTolerantReserveFailsOpen(t *testing.T) {
	backend := newFlaky()
	s := storage.FaultTolerant(backend)
	ctx := t.Context()
	// The backend says open; it fails before the reservation.
	if _, err := backend.mem.Open(ctx, "c", pxPolicy, pxT0); err != nil {
		t.Fatal(err)
	}
	backend.fail(errBackend)
	later := pxT0.Add(pxPolicy.CoolDown)
	at, ok, err := s.Reserve(ctx, "c", pxPolicy, later, time.Time{})
	if err != nil || !ok || !at.Equal(later) {
		t.Errorf("Reserve with the backend down and the fallback closed = %v, %v, %v; want %v, true, nil", at, ok, err, later)
	}
}

func TestFaultTolerantRecovers(t *testing.T) {
	backend := newFlaky()
	s := storage.FaultTolerant(backend)
	backend.fail(errBackend)
	if st := pxStatus(t, s, "c", pxT0); !st.Stub {
		t.Fatal("no stub while the backend is down")
	}
	backend.heal()
	// What the backend holds shows again, at the first call.
	if _, err := backend.mem.Open(t.Context(), "c", pxPolicy, pxT0); err != nil {
		t.Fatal(err)
	}
	st := pxStatus(t, s, "c", pxT0)
	if st.Stub || st.State != storage.StateOpen || !st.OpenedAt.Equal(pxT0) {
		t.Errorf("status after the backend returned = %+v, want the backend's open circuit", st)
	}
}

func TestFaultTolerantNeverHidesLocks(t *testing.T) {
	ctx := t.Context()
	tests := []struct {
		name string
		// set changes locks while the backend is healthy; the proxy is read once
		// after it.
		set  func(s storage.Storage, backend *flaky)
		want storage.Lock
	}{
		{"locked through the proxy", func(s storage.Storage, _ *flaky) { _ = s.Lock(ctx, "c", storage.LockOpen) }, storage.LockOpen},
		{"locked closed through the proxy", func(s storage.Storage, _ *flaky) { _ = s.Lock(ctx, "c", storage.LockClosed) }, storage.LockClosed},
		{"locked by another process", func(_ storage.Storage, b *flaky) { _ = b.mem.Lock(ctx, "c", storage.LockOpen) }, storage.LockOpen},
		{"relocked by another process", func(s storage.Storage, b *flaky) {
			_ = s.Lock(ctx, "c", storage.LockOpen)
			_ = b.mem.Lock(ctx, "c", storage.LockClosed)
		}, storage.LockClosed},
		{"unlocked by another process", func(s storage.Storage, b *flaky) {
			_ = s.Lock(ctx, "c", storage.LockOpen)
			_ = b.mem.Unlock(ctx, "c")
		}, storage.LockNone},
		{"unlocked through the proxy", func(s storage.Storage, _ *flaky) {
			_ = s.Lock(ctx, "c", storage.LockOpen)
			_ = s.Unlock(ctx, "c")
		}, storage.LockNone},
		{"reset through the proxy", func(s storage.Storage, _ *flaky) {
			_ = s.Lock(ctx, "c", storage.LockOpen)
			_ = s.Reset(ctx, "c")
		}, storage.LockNone},
		{"cleared through the proxy", func(s storage.Storage, _ *flaky) {
			_ = s.Lock(ctx, "c", storage.LockOpen)
			_ = s.Clear(ctx)
		}, storage.LockNone},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			backend := newFlaky()
			s := storage.FaultTolerant(backend)
			tt.set(s, backend)
			if st := pxStatus(t, s, "c", pxT0); st.Lock != tt.want || st.Stub {
				t.Fatalf("healthy status = %+v, want lock %v", st, tt.want)
			}
			backend.fail(errBackend)
			st := pxStatus(t, s, "c", pxT0)
			if !st.Stub || st.Lock != tt.want {
				t.Errorf("status with the backend down = %+v, want a stub locked %v", st, tt.want)
			}
			r, _ := s.Record(ctx, "c", pxPolicy, pxT0, storage.Outcome{})
			if r.Status.Lock != tt.want {
				t.Errorf("Record with the backend down shows lock %v, want %v", r.Status.Lock, tt.want)
			}
		})
	}
}

func TestFaultTolerantLockWhileDown(t *testing.T) {
	backend := newFlaky()
	var got failureLog
	s := storage.FaultTolerant(backend, storage.OnFailure(got.add))
	backend.fail(errBackend)
	if err := s.Lock(t.Context(), "c", storage.LockOpen); err != nil {
		t.Fatalf("Lock with the backend down: %v", err)
	}
	if f := got.take(); len(f) != 1 || f[0].Op != "Lock" {
		t.Errorf("failures = %+v, want one for Lock", f)
	}
	if st := pxStatus(t, s, "c", pxT0); st.Lock != storage.LockOpen {
		t.Errorf("lock while down = %v, want open", st.Lock)
	}
}

// TestFaultTolerantSlowReadKeepsNewerLock checks that a status read before a Lock
// but returned after it does not erase the lock the proxy knows.
func TestFaultTolerantSlowReadKeepsNewerLock(t *testing.T) {
	backend := newFlaky()
	s := storage.FaultTolerant(backend)
	read, proceed := make(chan struct{}), make(chan struct{})
	hook := func(op string) {
		if op == "Status" {
			close(read)
			<-proceed
		}
	}
	backend.after.Store(&hook)
	done := make(chan storage.Status)
	go func() {
		st, _ := s.Status(context.Background(), "c", pxPolicy, pxT0)
		done <- st
	}()
	<-read // the slow read has seen no lock
	backend.after.Store(nil)
	if err := s.Lock(t.Context(), "c", storage.LockOpen); err != nil {
		t.Fatal(err)
	}
	close(proceed)
	if st := <-done; st.Lock != storage.LockNone {
		t.Fatalf("the slow read saw lock %v, want none (read before the Lock)", st.Lock)
	}
	backend.fail(errBackend)
	if st := pxStatus(t, s, "c", pxT0); st.Lock != storage.LockOpen {
		t.Errorf("lock with the backend down = %v, want open: a slow read erased it", st.Lock)
	}
}

func TestFaultTolerantCallerContext(t *testing.T) {
	cancelled, cancel := context.WithCancel(t.Context())
	cancel()
	expired, cancel2 := context.WithDeadline(t.Context(), time.Now().Add(-time.Second))
	defer cancel2()
	tests := []struct {
		name   string
		ctx    context.Context
		err    error
		report bool
	}{
		{"caller cancelled", cancelled, fmt.Errorf("redis: %w", context.Canceled), false},
		{"caller's deadline passed", expired, context.DeadlineExceeded, false},
		{"backend's own timeout", t.Context(), context.DeadlineExceeded, true},
		{"backend error after the caller cancelled", cancelled, errBackend, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			backend := newFlaky()
			backend.fail(tt.err)
			var got failureLog
			s := storage.FaultTolerant(backend, storage.OnFailure(got.add))
			st, err := s.Status(tt.ctx, "c", pxPolicy, pxT0)
			if err != nil || !st.Stub {
				t.Errorf("Status = %+v, %v; want a stub and no error", st, err)
			}
			if n := len(got.take()); (n == 1) != tt.report || n > 1 {
				t.Errorf("%d failures reported, want reported = %v", n, tt.report)
			}
		})
	}
}

func TestFaultTolerantNoDoubleWrap(t *testing.T) {
	backend := newFlaky()
	var first, second failureLog
	s := storage.FaultTolerant(backend, storage.OnFailure(first.add))
	again := storage.FaultTolerant(s, storage.OnFailure(second.add))
	if again != s {
		t.Fatalf("FaultTolerant of a *FaultTolerantProxy = %p, want the same proxy %p", again, s)
	}
	backend.fail(errBackend)
	pxStatus(t, again, "c", pxT0)
	if len(first.take()) != 1 || len(second.take()) != 1 {
		t.Error("both OnFailure functions should be told once")
	}
}

func TestFaultTolerantNilBackend(t *testing.T) {
	for name, s := range map[string]storage.Storage{
		"nil":       nil,
		"nil proxy": (*storage.FaultTolerantProxy)(nil),
	} {
		t.Run(name, func(t *testing.T) {
			var got failureLog
			p := storage.FaultTolerant(s, storage.OnFailure(got.add))
			if st := pxStatus(t, p, "c", pxT0); !st.Stub {
				t.Error("status from a nil backend is not a stub")
			}
			if f := got.take(); len(f) != 1 || f[0].Err == nil {
				t.Errorf("failures = %+v, want one naming the nil backend", f)
			}
		})
	}
}

func TestFaultTolerantPanickingNotifier(t *testing.T) {
	backend := newFlaky()
	backend.fail(errBackend)
	var got failureLog
	s := storage.FaultTolerant(backend,
		storage.OnFailure(func(storage.Failure) { panic("listener bug") }),
		storage.OnFailure(got.add),
		storage.OnFailure(nil))
	if st := pxStatus(t, s, "c", pxT0); !st.Stub {
		t.Error("no stub")
	}
	if len(got.take()) != 1 {
		t.Error("a panicking function stopped the others")
	}
}

func TestFaultTolerantForwardsToChain(t *testing.T) {
	down := newFlaky()
	down.fail(errBackend)
	var got failureLog
	s := storage.FaultTolerant(storage.FallbackChain(down, storage.NewMemory()), storage.OnFailure(got.add))
	if st := pxStatus(t, s, "c", pxT0); st.Stub {
		t.Error("the chain answered, but the status is a stub")
	}
	if f := got.take(); len(f) != 1 || !errors.Is(f[0].Err, errBackend) {
		t.Errorf("failures = %+v, want the chain's tolerated failure", f)
	}
}

func TestFaultTolerantConcurrent(t *testing.T) {
	backend := newFlaky()
	var got failureLog
	s := storage.FaultTolerant(storage.CircuitProxy(backend), storage.OnFailure(got.add))
	ctx := t.Context()
	var wg sync.WaitGroup
	for g := range 16 {
		wg.Go(func() {
			for i := range 200 {
				now := pxT0.Add(time.Duration(i) * time.Second)
				switch {
				case g == 0 && i%50 == 0:
					backend.fail(errBackend)
				case g == 0 && i%50 == 25:
					backend.heal()
				}
				if g%4 == 0 && i%20 == 0 {
					_ = s.Lock(ctx, "c", storage.LockClosed)
				}
				if _, err := s.Status(ctx, "c", pxPolicy, now); err != nil {
					t.Errorf("Status: %v", err)
				}
				if _, err := s.Record(ctx, "c", pxPolicy, now, storage.Outcome{Success: i%3 == 0}); err != nil {
					t.Errorf("Record: %v", err)
				}
			}
		})
	}
	wg.Wait()
	backend.heal()
	if len(got.take()) == 0 {
		t.Error("no failures reported while the backend was failing")
	}
	// Every lock was LockClosed, so both the backend and the fallback know it.
	later := pxT0.Add(time.Hour)
	if st := pxStatus(t, s, "c", later); st.Lock != storage.LockClosed || st.Stub {
		t.Errorf("final status = %+v, want the backend's, locked closed", st)
	}
	backend.fail(errBackend)
	if st := pxStatus(t, s, "c", later); st.Lock != storage.LockClosed {
		t.Errorf("final stub lock = %v, want closed", st.Lock)
	}
}

// downBackend returns a backend whose every call fails, like Redis during an outage.
func downBackend() storage.Storage {
	f := newFlaky()
	f.fail(errors.New("dial tcp 127.0.0.1:6379: connection refused"))
	return f
}

func ExampleFaultTolerant() {
	s := storage.FaultTolerant(downBackend(), storage.OnFailure(func(f storage.Failure) {
		fmt.Printf("storage failure: %s %q: %v\n", f.Op, f.Circuit, f.Err)
	}))
	p := storage.Policy{CoolDown: time.Minute, EvaluationWindow: time.Minute, RateThreshold: 0.5, SampleThreshold: 2}
	now := time.Date(2030, time.January, 1, 0, 0, 0, 0, time.UTC)
	for range 2 {
		// The circuit keeps counting, and opens, in this process.
		r, err := s.Record(context.Background(), "payments", p, now, storage.Outcome{})
		fmt.Println(r.Transition, r.Status.State, r.Status.Stub, err)
	}
	// Output:
	// storage failure: Record "payments": dial tcp 127.0.0.1:6379: connection refused
	// none closed true <nil>
	// storage failure: Record "payments": dial tcp 127.0.0.1:6379: connection refused
	// opened open true <nil>
}
