package runtime_test

import (
	"context"
	"errors"
	"sync"
	"testing"

	"github.com/breakergen/breakergen/runtime"
	"github.com/breakergen/breakergen/runtime/storage"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// journal records, in order, what was shut down.
type journal struct {
	mu  sync.Mutex
	got []string
}

func (j *journal) add(s string) {
	j.mu.Lock()
	j.got = append(j.got, s)
	j.mu.Unlock()
}

func (j *journal) entries() []string {
	j.mu.Lock()
	defer j.mu.Unlock()
	return append([]string(nil), j.got...)
}

// stoppingStorage is a memory storage with a Shutdown, as redisstore.Store has.
type stoppingStorage struct {
	*storage.Memory
	j   *journal
	err error
}

func (s stoppingStorage) Shutdown(context.Context) error {
	s.j.add("storage")
	return s.err
}

// stoppingListener is a listener with a Shutdown.
type stoppingListener struct {
	name string
	j    *journal
}

func (l *stoppingListener) Handle(runtime.Event) {}

func (l *stoppingListener) Shutdown(context.Context) error {
	l.j.add(l.name)
	return nil
}

func TestShutdownStopsWhatTheBreakerOwnsInOrder(t *testing.T) {
	j := &journal{}
	errFlush := errors.New("flush failed")
	first, second := &stoppingListener{"listener 1", j}, &stoppingListener{"listener 2", j}
	b := runtime.MustNew(
		runtime.WithListener(first, runtime.EventOpened),
		runtime.WithStorage(stoppingStorage{Memory: storage.NewMemory(), j: j, err: errFlush}),
		runtime.WithListener(&recorder{}), // no Shutdown: not owned
		runtime.WithListener(second),
		runtime.WithListener(first, runtime.EventClosed), // given twice, stopped once
	)
	b.OnShutdown(func(context.Context) error { j.add("hook 1"); return nil })
	b.OnShutdown(func(context.Context) error { j.add("hook 2"); return nil })
	stop := b.OnShutdown(func(context.Context) error { j.add("removed"); return nil })
	assert.True(t, stop(), "removed before it ran")
	assert.False(t, stop(), "removed once")
	assert.False(t, b.OnShutdown(nil)(), "nil is ignored")

	err := b.Shutdown(context.Background())
	assert.ErrorIs(t, err, errFlush, "the storage's error is returned")
	assert.Equal(t, []string{"hook 2", "hook 1", "storage", "listener 1", "listener 2"}, j.entries(),
		"hooks (latest first), then the storage while the listeners still listen, then the listeners")

	require.ErrorIs(t, b.Shutdown(context.Background()), errFlush)
	assert.Equal(t, []string{"hook 2", "hook 1", "storage", "listener 1", "listener 2", "storage", "listener 1", "listener 2"},
		j.entries(), "hooks run once; the storage and listeners are asked again")
}

func TestShutdownAsksEveryPartWhenItsContextEnded(t *testing.T) {
	j := &journal{}
	b := runtime.MustNew(runtime.WithListener(&stoppingListener{"listener", j}))
	b.OnShutdown(func(ctx context.Context) error { j.add("hook"); return ctx.Err() })
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	assert.ErrorIs(t, b.Shutdown(ctx), context.Canceled)
	assert.Equal(t, []string{"hook", "listener"}, j.entries())
}

// filtering is a listener that says which events it wants.
type filtering struct {
	recorder
	wants []runtime.EventType
}

func (f *filtering) Events() []runtime.EventType { return f.wants }

// TestListenerEventsMethodChoosesItsEvents is the trap of the old
// WithListener(col, col.Events()...): forgetting the types put every call on
// the slow path. Now WithListener(l) asks l.
func TestListenerEventsMethodChoosesItsEvents(t *testing.T) {
	s := newSpy()
	transitions := &filtering{wants: []runtime.EventType{runtime.EventOpened}}
	quiet := &filtering{wants: nil}
	explicit := &filtering{wants: []runtime.EventType{runtime.EventOpened}}
	b := runtime.MustNew(runtime.WithStorage(hotSpy{s}),
		runtime.WithListener(transitions), runtime.WithListener(quiet),
		runtime.WithListener(explicit, runtime.EventSuccess, runtime.EventFailure))
	c := b.Circuit("c")
	before := s.calls.Load()
	run(t, c, nil)
	assert.Equal(t, before+1, s.calls.Load(), "one Record, for the explicit listener of successes")
	for range 3 {
		run(t, c, errBoom)
	}
	assert.Equal(t, 1, transitions.count(runtime.EventOpened))
	assert.Zero(t, transitions.count(runtime.EventFailure), "only what Events listed")
	assert.Empty(t, quiet.events, "Events listed nothing: no event")
	assert.Equal(t, 1, explicit.count(runtime.EventSuccess), "types given to WithListener win over Events")
	assert.Zero(t, explicit.count(runtime.EventOpened))

	bad := &filtering{wants: []runtime.EventType{0}}
	_, err := runtime.New(runtime.WithListener(bad))
	assert.ErrorIs(t, err, runtime.ErrInvalid, "an unknown type from Events is an error too")
}

func TestSuccessStaysOnTheHotPathWithAnEventsListener(t *testing.T) {
	s := newSpy()
	b := runtime.MustNew(runtime.WithStorage(hotSpy{s}),
		runtime.WithListener(&filtering{wants: []runtime.EventType{runtime.EventOpened, runtime.EventClosed}}))
	c := b.Circuit("c", runtime.Options{SampleThreshold: 1000})
	for range 20 {
		run(t, c, nil)
		run(t, c, errBoom)
	}
	assert.Zero(t, s.calls.Load(), "no storage call for closed calls")
}
