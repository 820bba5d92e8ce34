package storage_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/breakergen/breakergen/runtime/storage"
)

func TestNull(t *testing.T) {
	ctx := t.Context()
	s := storage.NewNull()
	// Whatever happens to it, a circuit stays closed and empty.
	for range 10 {
		r, err := s.Record(ctx, "c", pxPolicy, pxT0, storage.Outcome{})
		if err != nil || r != (storage.Result{Status: storage.Status{CurrentTime: pxT0}}) {
			t.Fatalf("Record = %+v, %v; want no transition and an empty closed status", r, err)
		}
	}
	if ok, err := s.Open(ctx, "c", pxPolicy, pxT0); ok || err != nil {
		t.Errorf("Open = %v, %v; want false, nil", ok, err)
	}
	if ok, err := s.Reopen(ctx, "c", pxPolicy, pxT0, pxT0); ok || err != nil {
		t.Errorf("Reopen = %v, %v; want false, nil", ok, err)
	}
	if ok, err := s.Close(ctx, "c", pxPolicy, pxT0); ok || err != nil {
		t.Errorf("Close = %v, %v; want false, nil", ok, err)
	}
	later := pxT0.Add(time.Hour)
	st, err := s.Status(ctx, "c", pxPolicy, later)
	if err != nil || st != (storage.Status{CurrentTime: later}) {
		t.Errorf("Status = %+v, %v; want closed, unlocked and empty at %v", st, err, later)
	}
	for range 3 {
		if at, ok, err := s.Reserve(ctx, "c", pxPolicy, later, time.Time{}); !ok || !at.Equal(later) || err != nil {
			t.Errorf("Reserve = %v, %v, %v; want %v, true, nil every time", at, ok, err, later)
		}
	}
	if ok, err := s.Release(ctx, "c", pxPolicy, later); !ok || err != nil {
		t.Errorf("Release = %v, %v; want true, nil", ok, err)
	}
	if b, err := s.History(ctx, "c", pxPolicy, later); len(b) != 0 || err != nil {
		t.Errorf("History = %v, %v; want empty", b, err)
	}
	if names, err := s.List(ctx); len(names) != 0 || err != nil {
		t.Errorf("List = %q, %v; want empty", names, err)
	}
	if !s.FaultTolerant() {
		t.Error("FaultTolerant() = false")
	}
	fp := s.Bind("c", pxPolicy)
	fp.Succeeded(pxT0.UnixNano())
	if !fp.ClosedUnlocked() {
		t.Error("the fast path reports a circuit not closed and unlocked")
	}
}

// TestNullKeepsLocks checks that locks, and only locks, are honoured by Null.
func TestNullKeepsLocks(t *testing.T) {
	ctx := t.Context()
	s := storage.NewNull()
	fp := s.Bind("c", pxPolicy)
	for _, l := range []storage.Lock{storage.LockOpen, storage.LockClosed} {
		if err := s.Lock(ctx, "c", l); err != nil {
			t.Fatal(err)
		}
		if st, _ := s.Status(ctx, "c", pxPolicy, pxT0); st.Lock != l || st.State != storage.StateClosed {
			t.Errorf("Status after Lock(%v) = %+v", l, st)
		}
		if fp.ClosedUnlocked() {
			t.Errorf("the fast path ignores lock %v", l)
		}
		if names, _ := s.List(ctx); len(names) != 1 || names[0] != "c" {
			t.Errorf("List = %q, want the locked circuit", names)
		}
	}
	for _, undo := range []func() error{
		func() error { return s.Unlock(ctx, "c") },
		func() error { return s.Reset(ctx, "c") },
		func() error { return s.Clear(ctx) },
	} {
		_ = s.Lock(ctx, "c", storage.LockOpen)
		if err := undo(); err != nil {
			t.Fatal(err)
		}
		if st, _ := s.Status(ctx, "c", pxPolicy, pxT0); st.Lock != storage.LockNone || !fp.ClosedUnlocked() {
			t.Errorf("lock kept after being removed: %+v", st)
		}
	}
	if st, _ := s.Status(ctx, "other", pxPolicy, pxT0); st.Lock != storage.LockNone {
		t.Errorf("a circuit never locked reports %v", st.Lock)
	}
}

func ExampleNewNull() {
	s := storage.NewNull()
	ctx := context.Background()
	r, _ := s.Record(ctx, "payments", storage.Policy{}, time.Now(), storage.Outcome{})
	fmt.Println(r.Transition, r.Status.State, r.Status.Lock, r.Status.Samples)
	_ = s.Lock(ctx, "payments", storage.LockOpen) // an operator's lock is kept
	st, _ := s.Status(ctx, "payments", storage.Policy{}, time.Now())
	fmt.Println(st.Lock)
	// Output:
	// none closed none 0
	// open
}
