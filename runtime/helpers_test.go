package runtime_test

import (
	"context"
	"errors"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/breakergen/breakergen/runtime"
	"github.com/breakergen/breakergen/runtime/fakeclock"
	"github.com/breakergen/breakergen/runtime/storage"
	"github.com/stretchr/testify/require"
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
	b, err := runtime.New(opts...)
	require.NoError(t, err)
	f.b = b
	f.c = f.b.Circuit("dep", runtime.Options{CoolDown: 10 * time.Second})
	return f
}

// call runs one call returning err and reports whether it ran.
func (f *fixture) call(t *testing.T, err error) bool {
	t.Helper()
	return run(t, f.c, err)
}

// run runs one call of c returning err and reports whether it ran.
func run(t *testing.T, c *runtime.Circuit, err error) bool {
	t.Helper()
	ran := false
	got := c.Run(context.Background(), func(context.Context) error {
		ran = true
		return err
	})
	if !ran {
		require.ErrorIs(t, got, runtime.ErrOpen, "a skipped call's error")
		return false
	}
	require.Equal(t, err, got, "Run returns the call's own error")
	return true
}

// trip fails three calls so the circuit opens.
func (f *fixture) trip(t *testing.T) {
	t.Helper()
	for range 3 {
		require.True(t, f.call(t, errBoom), "call skipped while tripping")
	}
	require.True(t, f.status(t).Open(), "open after three failures")
}

func (f *fixture) status(t *testing.T) runtime.Status {
	t.Helper()
	st, err := f.c.Status(context.Background())
	require.NoError(t, err)
	return st
}

func newClock() *fakeclock.Clock {
	return fakeclock.New(time.Date(2026, 11, 25, 12, 0, 0, 0, time.UTC))
}

// spy is a Storage over a Memory that counts the decision-path calls reaching
// it, fails them while down is set, and can hold them until released. It says
// it is not fault tolerant, as a network backend would, so the runtime wraps it.
type spy struct {
	mem   *storage.Memory
	down  atomic.Bool
	hold  atomic.Pointer[chan struct{}] // calls wait on it while set
	calls atomic.Int64
	ops   sync.Map // op name -> *atomic.Int64
}

func newSpy() *spy { return &spy{mem: storage.NewMemory()} }

func (s *spy) FaultTolerant() bool { return false }

func (s *spy) count(op string) int64 {
	v, _ := s.ops.LoadOrStore(op, new(atomic.Int64))
	return v.(*atomic.Int64).Load()
}

func (s *spy) enter(ctx context.Context, op string) error {
	s.calls.Add(1)
	v, _ := s.ops.LoadOrStore(op, new(atomic.Int64))
	v.(*atomic.Int64).Add(1)
	if h := s.hold.Load(); h != nil {
		<-*h
	}
	if s.down.Load() {
		return errDown
	}
	return nil
}

var errDown = errors.New("storage down")

func (s *spy) Bind(name string, p storage.Policy) (storage.Handle, error) {
	h, err := s.mem.Bind(name, p)
	if err != nil {
		return nil, err
	}
	return &spyHandle{s: s, h: h}, nil
}

type spyHandle struct {
	s *spy
	h storage.Handle
}

func (h *spyHandle) Status(ctx context.Context, now time.Time) (storage.Status, error) {
	if err := h.s.enter(ctx, "Status"); err != nil {
		return storage.Status{}, err
	}
	return h.h.Status(ctx, now)
}

func (h *spyHandle) Record(ctx context.Context, now time.Time, o storage.Outcome) (storage.Result, error) {
	if err := h.s.enter(ctx, "Record"); err != nil {
		return storage.Result{}, err
	}
	return h.h.Record(ctx, now, o)
}

func (h *spyHandle) Reserve(ctx context.Context, now, openedAt, reservedAt time.Time) (time.Time, bool, error) {
	if err := h.s.enter(ctx, "Reserve"); err != nil {
		return time.Time{}, false, err
	}
	return h.h.Reserve(ctx, now, openedAt, reservedAt)
}

func (h *spyHandle) Release(ctx context.Context, now, reservedAt time.Time) (bool, error) {
	if err := h.s.enter(ctx, "Release"); err != nil {
		return false, err
	}
	return h.h.Release(ctx, now, reservedAt)
}

func (h *spyHandle) Lock(ctx context.Context, now time.Time, l storage.Lock) error {
	if err := h.s.enter(ctx, "Lock"); err != nil {
		return err
	}
	return h.h.Lock(ctx, now, l)
}

func (h *spyHandle) Reset(ctx context.Context, now time.Time) error {
	if err := h.s.enter(ctx, "Reset"); err != nil {
		return err
	}
	return h.h.Reset(ctx, now)
}

// hotSpy is a spy whose handles offer the Memory's hot path, so tests can tell
// the calls that stayed on it from those that reached the decision path.
type hotSpy struct{ *spy }

func (s hotSpy) FaultTolerant() bool { return true }

func (s hotSpy) Bind(name string, p storage.Policy) (storage.Handle, error) {
	h, err := s.mem.Bind(name, p)
	if err != nil {
		return nil, err
	}
	return &hotSpyHandle{spyHandle{s: s.spy, h: h}, h.(storage.HotPath)}, nil
}

type hotSpyHandle struct {
	spyHandle
	storage.HotPath
}
