package gen_test

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/breakergen/breakergen/runtime"
	"github.com/breakergen/breakergen/runtime/fakeclock"
)

// recorder collects the events of a breaker.
type recorder struct {
	mu     sync.Mutex
	events []runtime.Event
}

func (r *recorder) Handle(e runtime.Event) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.events = append(r.events, e)
}

// count returns how many events of type typ circuit had.
func (r *recorder) count(circuit string, typ runtime.EventType) int {
	r.mu.Lock()
	defer r.mu.Unlock()
	n := 0
	for _, e := range r.events {
		if e.Circuit == circuit && e.Type == typ {
			n++
		}
	}
	return n
}

// harness is a breaker on a fake clock with an event recorder.
type harness struct {
	clock *fakeclock.Clock
	rec   *recorder
	b     *runtime.Breaker
}

func newHarness(opts ...runtime.Option) *harness {
	h := &harness{clock: fakeclock.New(time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)), rec: &recorder{}}
	h.b = runtime.New(append([]runtime.Option{runtime.WithClock(h.clock), runtime.WithListener(h.rec)}, opts...)...)
	return h
}

// status returns the status of a circuit.
func (h *harness) status(t *testing.T, name string) runtime.Status {
	t.Helper()
	st, err := h.b.Circuit(name).Status(context.Background())
	if err != nil {
		t.Fatalf("status of %s: %v", name, err)
	}
	return st
}

// wantOpen fails unless err says the circuit was open.
func wantOpen(t *testing.T, err error) {
	t.Helper()
	if !errors.Is(err, runtime.ErrOpen) {
		t.Fatalf("err = %v, want an open-circuit error", err)
	}
}

// errBoom is a failure of a dependency.
var errBoom = errors.New("boom")
