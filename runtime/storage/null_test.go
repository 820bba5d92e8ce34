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
	// Whatever happens to it, a circuit stays closed, unlocked and empty.
	if err := s.Lock(ctx, "c", storage.LockOpen); err != nil {
		t.Fatal(err)
	}
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
	for _, err := range []error{s.Unlock(ctx, "c"), s.Reset(ctx, "c"), s.Clear(ctx)} {
		if err != nil {
			t.Error(err)
		}
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
	b, ok := s.(storage.Binder)
	if !ok {
		t.Fatal("Null is not a Binder")
	}
	fp := b.Bind("c", pxPolicy)
	fp.Succeeded(pxT0.UnixNano())
	if !fp.ClosedUnlocked() {
		t.Error("the fast path reports a circuit not closed and unlocked")
	}
}

func ExampleNewNull() {
	s := storage.NewNull()
	ctx := context.Background()
	_ = s.Lock(ctx, "payments", storage.LockOpen)
	r, _ := s.Record(ctx, "payments", storage.Policy{}, time.Now(), storage.Outcome{})
	fmt.Println(r.Transition, r.Status.State, r.Status.Lock, r.Status.Samples)
	// Output: none closed none 0
}
