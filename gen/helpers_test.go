package gen_test

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

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
	h.b = runtime.MustNew(append([]runtime.Option{runtime.WithClock(h.clock), runtime.WithListener(h.rec)}, opts...)...)
	return h
}

// status returns the status of a circuit, which must exist.
func (h *harness) status(t *testing.T, name string) runtime.Status {
	t.Helper()
	c, ok := h.b.Lookup(name)
	require.True(t, ok, "no circuit %q; the breaker has %v", name, circuitNames(h.b))
	st, err := c.Status(context.Background())
	require.NoError(t, err, "status of %s", name)
	return st
}

// circuitNames returns the names of b's circuits.
func circuitNames(b *runtime.Breaker) []string {
	var out []string
	for _, c := range b.Circuits() {
		out = append(out, c.Name())
	}
	return out
}

// wantOpen fails the test unless err says the circuit was open.
func wantOpen(t *testing.T, err error, msgAndArgs ...any) {
	t.Helper()
	require.ErrorIs(t, err, runtime.ErrOpen, msgAndArgs...)
}

// errBoom is a failure of a dependency.
var errBoom = errors.New("boom")
