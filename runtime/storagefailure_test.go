package runtime_test

import (
	"context"
	"errors"
	"sync/atomic"
	"testing"
	"time"

	"github.com/breakergen/breakergen/runtime"
	"github.com/breakergen/breakergen/runtime/storage"
)

var errDown = errors.New("storage down")

// flakyStorage is a Memory that fails every call while down is set, and counts
// the calls that reach it. It claims not to be fault tolerant, as a network
// backend would.
type flakyStorage struct {
	*storage.Memory
	down  atomic.Bool
	calls atomic.Int64
}

func (s *flakyStorage) FaultTolerant() bool { return false }

func (s *flakyStorage) fail() error {
	s.calls.Add(1)
	if s.down.Load() {
		return errDown
	}
	return nil
}

func (s *flakyStorage) Status(ctx context.Context, name string, p storage.Policy, now time.Time) (storage.Status, error) {
	if err := s.fail(); err != nil {
		return storage.Status{}, err
	}
	return s.Memory.Status(ctx, name, p, now)
}

func (s *flakyStorage) Record(ctx context.Context, name string, p storage.Policy, now time.Time, o storage.Outcome) (storage.Result, error) {
	if err := s.fail(); err != nil {
		return storage.Result{}, err
	}
	return s.Memory.Record(ctx, name, p, now, o)
}

func (s *flakyStorage) Lock(ctx context.Context, name string, l storage.Lock) error {
	if err := s.fail(); err != nil {
		return err
	}
	return s.Memory.Lock(ctx, name, l)
}

func TestStorageFailureFailsOpenAndRecovers(t *testing.T) {
	ctx := context.Background()
	backend := &flakyStorage{Memory: storage.NewMemory()}
	f := newFixture(t, runtime.WithStorage(backend))
	if err := f.c.LockClosed(ctx); err != nil {
		t.Fatal(err)
	}
	backend.down.Store(true)
	for range 20 {
		if !f.call(t, nil) {
			t.Fatal("a call was skipped while storage was down")
		}
	}
	if n := f.rec.count(runtime.EventStorageFailure); n == 0 {
		t.Fatal("no EventStorageFailure while storage was down")
	}
	ev, _ := f.rec.last(runtime.EventStorageFailure)
	if !errors.Is(ev.Err, storage.ErrStorageOpen) || ev.Circuit != "dep" || !ev.Status.Stub {
		t.Fatalf("last storage failure event %+v, want the storage circuit open on circuit dep", ev)
	}
	if !f.rec.has(runtime.EventStorageFailure, errDown) {
		t.Fatal("no storage failure event carries the backend's own error")
	}
	st := f.status(t)
	if !st.Stub || !st.LockedClosed() {
		t.Fatalf("stand-in status %+v, want Stub and the last known lock", st)
	}
	// The storage's own circuit stops calling the dead backend.
	before := backend.calls.Load()
	for range 20 {
		f.call(t, nil)
	}
	if n := backend.calls.Load() - before; n > 2 {
		t.Fatalf("%d calls reached the dead backend in 20 protected calls, want it spared", n)
	}
	// The process keeps protecting with its in-process state: failures trip it.
	if err := f.c.Unlock(ctx); err != nil {
		t.Fatal(err)
	}
	for i := 0; f.call(t, errBoom); i++ {
		if i == 100 {
			t.Fatal("the in-process fallback never opened")
		}
	}
	if !f.status(t).Open() || f.rec.count(runtime.EventOpened) != 1 {
		t.Fatal("want the fallback state open, with one EventOpened")
	}
	// Within seconds of the backend returning, the shared state is used again.
	backend.down.Store(false)
	f.clock.Advance(5 * time.Second)
	f.call(t, nil)
	f.call(t, nil)
	st = f.status(t)
	if st.Stub {
		t.Fatalf("status %+v still a stand-in after the backend returned", st)
	}
}

// TestLocksHonouredByEveryStorage locks a circuit open and closed on every
// in-process storage and proxy: a lock is an operator's kill switch and must
// hold whatever the storage.
func TestLocksHonouredByEveryStorage(t *testing.T) {
	ctx := context.Background()
	for name, s := range map[string]storage.Storage{
		"memory":         storage.NewMemory(),
		"null":           storage.NewNull(),
		"fault-tolerant": storage.FaultTolerant(storage.NewMemory()),
		"circuit proxy":  storage.CircuitProxy(storage.NewMemory()),
		"fallback chain": storage.FallbackChain(storage.NewMemory(), storage.NewNull()),
	} {
		t.Run(name, func(t *testing.T) {
			f := newFixture(t, runtime.WithStorage(s))
			if err := f.c.LockOpen(ctx); err != nil {
				t.Fatal(err)
			}
			if f.call(t, nil) {
				t.Fatal("a locked-open circuit ran a call")
			}
			if err := f.c.LockClosed(ctx); err != nil {
				t.Fatal(err)
			}
			for range 5 {
				if !f.call(t, errBoom) {
					t.Fatal("a locked-closed circuit skipped a call")
				}
			}
			if err := f.c.Unlock(ctx); err != nil {
				t.Fatal(err)
			}
			if st := f.status(t); st.Lock != runtime.LockNone {
				t.Fatalf("lock %v after Unlock", st.Lock)
			}
		})
	}
}
