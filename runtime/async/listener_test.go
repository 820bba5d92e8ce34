package async_test

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/breakergen/breakergen/runtime"
	"github.com/breakergen/breakergen/runtime/async"
	"github.com/breakergen/breakergen/runtime/callcount"
	"github.com/breakergen/breakergen/runtime/fakeclock"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"
)

// recorder is a listener that keeps every event.
type recorder struct {
	mu     sync.Mutex
	events []runtime.Event
}

func (r *recorder) Handle(e runtime.Event) {
	r.mu.Lock()
	r.events = append(r.events, e)
	r.mu.Unlock()
}

// filtering is a listener that says which events it wants.
type filtering struct {
	recorder
	wants []runtime.EventType
}

func (f *filtering) Events() []runtime.EventType { return f.wants }

// stopping is a listener with a Shutdown, which it records.
type stopping struct {
	mu      sync.Mutex
	stopped int
}

func (s *stopping) Handle(runtime.Event) {}

func (s *stopping) Shutdown(context.Context) error {
	s.mu.Lock()
	s.stopped++
	s.mu.Unlock()
	return nil
}

// gate is a listener that blocks in Handle until released, reporting each
// event it starts on.
type gate struct {
	started chan runtime.Event
	release chan struct{}
	mu      sync.Mutex
	got     []runtime.EventType
}

func newGate() *gate {
	return &gate{started: make(chan runtime.Event, 100), release: make(chan struct{})}
}

func (g *gate) Handle(e runtime.Event) {
	g.started <- e
	<-g.release
	g.mu.Lock()
	g.got = append(g.got, e.Type)
	g.mu.Unlock()
}

func (g *gate) types() []runtime.EventType {
	g.mu.Lock()
	defer g.mu.Unlock()
	return append([]runtime.EventType(nil), g.got...)
}

func closeAsync(t *testing.T, a *async.Listener) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	require.NoError(t, a.Shutdown(ctx))
}

// newAsync is async.New for arguments that must be valid.
func newAsync(t *testing.T, l runtime.Listener, opts ...async.Option) *async.Listener {
	t.Helper()
	a, err := async.New(l, opts...)
	require.NoError(t, err)
	return a
}

func TestAsyncDeliversInOrderThroughABreaker(t *testing.T) {
	defer goleak.VerifyNone(t, goleak.IgnoreCurrent())
	rec := &recorder{}
	a := newAsync(t, rec)
	clock := fakeclock.New(time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC))
	b := runtime.MustNew(runtime.WithClock(clock),
		runtime.WithListener(a, runtime.EventOpened, runtime.EventSkipped, runtime.EventProbe, runtime.EventClosed))
	c := b.Circuit("payments", runtime.Options{CoolDown: 10 * time.Second})
	ctx := context.Background()
	for range 3 {
		_ = c.Run(ctx, func(context.Context) error { return errors.New("down") })
	}
	assert.ErrorIs(t, c.Run(ctx, func(context.Context) error { return nil }), runtime.ErrOpen)
	clock.Advance(10 * time.Second)
	require.NoError(t, c.Run(ctx, func(context.Context) error { return nil }))

	closeAsync(t, a)
	rec.mu.Lock()
	defer rec.mu.Unlock()
	var types []runtime.EventType
	for _, e := range rec.events {
		types = append(types, e.Type)
		assert.Equal(t, "payments", e.Circuit)
	}
	assert.Equal(t, []runtime.EventType{runtime.EventOpened, runtime.EventSkipped, runtime.EventProbe, runtime.EventClosed}, types)
	assert.Zero(t, a.Dropped())
}

func TestAsyncNeverBlocksAndCountsDrops(t *testing.T) {
	defer goleak.VerifyNone(t, goleak.IgnoreCurrent())
	g := newGate()
	a := newAsync(t, g, async.WithQueue(2))
	a.Handle(runtime.Event{Type: runtime.EventOpened})
	<-g.started // the goroutine holds the first event; the queue is empty
	for range 4 {
		a.Handle(runtime.Event{Type: runtime.EventSkipped}) // returns at once
	}
	assert.Equal(t, 2, a.Queued())
	assert.Equal(t, uint64(2), a.Dropped(), "two queued, two dropped")

	close(g.release)
	closeAsync(t, a)
	assert.Equal(t, []runtime.EventType{runtime.EventOpened, runtime.EventSkipped, runtime.EventSkipped}, g.types())
	a.Handle(runtime.Event{Type: runtime.EventClosed})
	assert.Equal(t, uint64(3), a.Dropped(), "an event handled after Shutdown is dropped")
	assert.NoError(t, a.Shutdown(context.Background()), "Shutdown twice")
}

func TestAsyncShutdownGivesUpWhenItsContextEnds(t *testing.T) {
	defer goleak.VerifyNone(t, goleak.IgnoreCurrent())
	g := newGate()
	a := newAsync(t, g)
	for range 3 {
		a.Handle(runtime.Event{Type: runtime.EventFailure})
	}
	<-g.started
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	assert.ErrorIs(t, a.Shutdown(ctx), context.Canceled)

	close(g.release) // the blocked listener returns; the rest is dropped
	closeAsync(t, a)
	assert.Equal(t, []runtime.EventType{runtime.EventFailure}, g.types())
	assert.Equal(t, uint64(2), a.Dropped())
}

func TestAsyncContainsPanics(t *testing.T) {
	defer goleak.VerifyNone(t, goleak.IgnoreCurrent())
	var mu sync.Mutex
	var got []runtime.EventType
	a := newAsync(t, runtime.ListenerFunc(func(e runtime.Event) {
		if e.Type == runtime.EventFailure {
			panic("listener bug")
		}
		mu.Lock()
		got = append(got, e.Type)
		mu.Unlock()
	}))
	a.Handle(runtime.Event{Type: runtime.EventFailure})
	a.Handle(runtime.Event{Type: runtime.EventClosed})
	closeAsync(t, a)
	assert.Equal(t, []runtime.EventType{runtime.EventClosed}, got)
}

// countingListener is a callcount.Counter.
type countingListener struct{ calls chan callcount.Outcome }

func (countingListener) Handle(runtime.Event) {}
func (l countingListener) CountCalls(string) func(callcount.Outcome) {
	return func(o callcount.Outcome) { l.calls <- o }
}

func TestAsyncForwardsCallCountingSynchronously(t *testing.T) {
	defer goleak.VerifyNone(t, goleak.IgnoreCurrent())
	cl := countingListener{calls: make(chan callcount.Outcome, 1)}
	a := newAsync(t, cl)
	defer closeAsync(t, a)
	c := runtime.MustNew(runtime.WithListener(a, runtime.EventOpened)).Circuit("db")
	require.NoError(t, c.Run(context.Background(), func(context.Context) error { return nil }))
	assert.Equal(t, callcount.Success, <-cl.calls, "counted on the call's goroutine, before Run returned")

	plain := newAsync(t, runtime.ListenerFunc(func(runtime.Event) {}))
	defer closeAsync(t, plain)
	assert.Nil(t, plain.CountCalls("db"), "a listener that counts nothing")
}

func TestAsyncRejectsBadOptions(t *testing.T) {
	for name, build := range map[string]func() (*async.Listener, error){
		"nil listener": func() (*async.Listener, error) { return async.New(nil) },
		"typed nil":    func() (*async.Listener, error) { return async.New((*recorder)(nil)) },
		"queue 0":      func() (*async.Listener, error) { return async.New(&recorder{}, async.WithQueue(0)) },
		"queue too big": func() (*async.Listener, error) {
			return async.New(&recorder{}, async.WithQueue(1<<21))
		},
		"nil option": func() (*async.Listener, error) { return async.New(&recorder{}, nil) },
	} {
		t.Run(name, func(t *testing.T) {
			a, err := build()
			assert.ErrorIs(t, err, runtime.ErrInvalid)
			assert.Nil(t, a)
		})
	}
	_, err := async.New(&recorder{}, async.WithQueue(-1))
	assert.EqualError(t, err, "breakergen: invalid options: breakergen: invalid configuration: async.New: WithQueue(-1): want 1 to 1048576")
}

// TestAsyncConcurrentHandleAndShutdown races handlers against Shutdown: every
// event is either delivered or counted as dropped, none lost, none delivered
// after Shutdown returned.
func TestAsyncConcurrentHandleAndShutdown(t *testing.T) {
	defer goleak.VerifyNone(t, goleak.IgnoreCurrent())
	var mu sync.Mutex
	delivered := 0
	a := newAsync(t, runtime.ListenerFunc(func(runtime.Event) {
		mu.Lock()
		delivered++
		mu.Unlock()
	}), async.WithQueue(16))
	const workers, each = 4, 500
	var wg sync.WaitGroup
	for range workers {
		wg.Go(func() {
			for range each {
				a.Handle(runtime.Event{Type: runtime.EventSkipped})
			}
		})
	}
	closeAsync(t, a)
	mu.Lock()
	atClose := delivered
	mu.Unlock()
	wg.Wait()
	mu.Lock()
	defer mu.Unlock()
	assert.Equal(t, atClose, delivered, "nothing delivered after Shutdown returned")
	assert.Equal(t, uint64(workers*each), uint64(delivered)+a.Dropped())
}

func TestShutdownDeliversWhatAnOwnedListenerQueued(t *testing.T) {
	defer goleak.VerifyNone(t, goleak.IgnoreCurrent())
	g := newGate()
	a := newAsync(t, g)
	b := runtime.MustNew(runtime.WithListener(a, runtime.EventFailure))
	c := b.Circuit("db", runtime.Options{SampleThreshold: 100})
	for range 3 {
		_ = c.Run(context.Background(), func(context.Context) error { return errors.New("boom") })
	}
	close(g.release)
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	require.NoError(t, b.Shutdown(ctx))
	assert.Equal(t, []runtime.EventType{runtime.EventFailure, runtime.EventFailure, runtime.EventFailure}, g.types())
	assert.NoError(t, c.Run(context.Background(), func(context.Context) error { return nil }), "calls still run")
	assert.Equal(t, uint64(0), a.Dropped()+uint64(a.Queued()), "nothing was dropped before the shutdown")
}

func TestListenerAsksForWhatItWraps(t *testing.T) {
	inner := &filtering{wants: []runtime.EventType{runtime.EventOpened}}
	a := newAsync(t, inner)
	assert.Equal(t, []runtime.EventType{runtime.EventOpened}, a.Events())
	plain := newAsync(t, &recorder{})
	var every []runtime.EventType
	for et := runtime.EventType(0); et < 255; et++ {
		if et.String() != "unknown" {
			every = append(every, et)
		}
	}
	assert.Equal(t, every, plain.Events(), "every type for a listener with no Events")
	assert.Subset(t, plain.Events(), []runtime.EventType{
		runtime.EventSuccess, runtime.EventFailure, runtime.EventOpened, runtime.EventReopened, runtime.EventClosed,
		runtime.EventSkipped, runtime.EventStorageFailure, runtime.EventProbe,
	})
	ctx := context.Background()
	b := runtime.MustNew(runtime.WithListener(a), runtime.WithListener(plain))
	require.NoError(t, b.Shutdown(ctx))
}

// TestShutsDownWhatItWraps: the Listener owns its listener, and the Breaker
// owns the Listener.
func TestShutsDownWhatItWraps(t *testing.T) {
	inner := &stopping{}
	a := newAsync(t, inner)
	b := runtime.MustNew(runtime.WithListener(a))
	require.NoError(t, b.Shutdown(context.Background()))
	assert.Equal(t, 1, inner.stopped)
}
