package runtime_test

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/breakergen/breakergen/runtime"
	"github.com/breakergen/breakergen/runtime/fakeclock"
)

var errBoom = errors.New("boom")

// recorder is a Listener that keeps every event.
type recorder struct {
	mu     sync.Mutex
	events []runtime.Event
}

func (r *recorder) Handle(e runtime.Event) {
	r.mu.Lock()
	r.events = append(r.events, e)
	r.mu.Unlock()
}

func (r *recorder) count(t runtime.EventType) int {
	r.mu.Lock()
	defer r.mu.Unlock()
	n := 0
	for _, e := range r.events {
		if e.Type == t {
			n++
		}
	}
	return n
}

func (r *recorder) last(t runtime.EventType) (runtime.Event, bool) {
	r.mu.Lock()
	defer r.mu.Unlock()
	for i := len(r.events) - 1; i >= 0; i-- {
		if r.events[i].Type == t {
			return r.events[i], true
		}
	}
	return runtime.Event{}, false
}

// fixture is a breaker on a fake clock with a recorder, and one circuit with
// small, round options: cool-down 10s, window 1m, rate 0.5, 3 samples.
type fixture struct {
	clock *fakeclock.Clock
	rec   *recorder
	b     *runtime.Breaker
	c     *runtime.Circuit
}

func newFixture(t *testing.T, opts ...runtime.Option) *fixture {
	t.Helper()
	f := &fixture{clock: newClock(), rec: &recorder{}}
	opts = append([]runtime.Option{runtime.WithClock(f.clock), runtime.WithListener(f.rec)}, opts...)
	f.b = runtime.New(opts...)
	f.c = f.b.Circuit("dep", runtime.Options{CoolDown: 10 * time.Second})
	return f
}

// call runs one call returning err and reports whether it ran.
func (f *fixture) call(t *testing.T, err error) bool {
	t.Helper()
	ran := false
	got := f.c.Run(context.Background(), func(context.Context) error {
		ran = true
		return err
	})
	if !ran {
		if !errors.Is(got, runtime.ErrOpen) {
			t.Fatalf("skipped call returned %v, want ErrOpen", got)
		}
		return false
	}
	if !errors.Is(got, err) {
		t.Fatalf("Run returned %v, want the call's own %v", got, err)
	}
	return true
}

// trip fails three calls so the circuit opens.
func (f *fixture) trip(t *testing.T) {
	t.Helper()
	for range 3 {
		if !f.call(t, errBoom) {
			t.Fatal("call skipped while tripping")
		}
	}
	st := f.status(t)
	if !st.Open() {
		t.Fatalf("after three failures status = %+v, want open", st)
	}
}

func (f *fixture) status(t *testing.T) runtime.Status {
	t.Helper()
	st, err := f.c.Status(context.Background())
	if err != nil {
		t.Fatalf("Status: %v", err)
	}
	return st
}

func (r *recorder) has(t runtime.EventType, err error) bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	for _, e := range r.events {
		if e.Type == t && errors.Is(e.Err, err) {
			return true
		}
	}
	return false
}

func newClock() *fakeclock.Clock {
	return fakeclock.New(time.Date(2026, 11, 25, 12, 0, 0, 0, time.UTC))
}
