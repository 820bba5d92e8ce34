package runtime_test

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/breakergen/breakergen/runtime"
	"github.com/breakergen/breakergen/runtime/breakerimpl"
	"github.com/breakergen/breakergen/runtime/callcount"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// counter is a callcount.Counter that counts outcomes per circuit.
type counter struct {
	mu     sync.Mutex
	counts map[string]map[callcount.Outcome]int
}

func (c *counter) Handle(runtime.Event) {}

func (c *counter) CountCalls(circuit string) func(callcount.Outcome) {
	return func(o callcount.Outcome) {
		c.mu.Lock()
		defer c.mu.Unlock()
		if c.counts == nil {
			c.counts = make(map[string]map[callcount.Outcome]int)
		}
		if c.counts[circuit] == nil {
			c.counts[circuit] = make(map[callcount.Outcome]int)
		}
		c.counts[circuit][o]++
	}
}

func (c *counter) get(circuit string) map[callcount.Outcome]int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.counts[circuit]
}

func TestListenerGetsOnlyWhatItWants(t *testing.T) {
	transitions := &recorder{}
	f := newFixture(t, runtime.WithListener(transitions, runtime.EventOpened, runtime.EventClosed, runtime.EventOpened))
	f.trip(t)
	f.call(t, nil)
	f.clock.Advance(10 * time.Second)
	f.call(t, nil)
	transitions.mu.Lock()
	var types []runtime.EventType
	for _, e := range transitions.events {
		types = append(types, e.Type)
	}
	transitions.mu.Unlock()
	assert.Equal(t, []runtime.EventType{runtime.EventOpened, runtime.EventClosed}, types, "one of each, even when listed twice")
	assert.Equal(t, 1, f.rec.count(runtime.EventSkipped), "a listener of every type still gets every event")
}

// TestSuccessStaysOnTheHotPath is the defect of the old seam: any listener put
// every call on the slow path. A listener that wants only transitions, and a
// call counter, must leave a closed success, and a failure below the threshold,
// without a storage call.
func TestSuccessStaysOnTheHotPath(t *testing.T) {
	s := newSpy()
	cnt := &counter{}
	b := runtime.MustNew(runtime.WithStorage(hotSpy{s}),
		runtime.WithListener(&recorder{}, runtime.EventOpened, runtime.EventReopened, runtime.EventClosed),
		runtime.WithListener(cnt, runtime.EventStorageFailure))
	c := b.Circuit("c", runtime.Options{SampleThreshold: 1000})
	for range 50 {
		run(t, c, nil)
		run(t, c, errBoom)
	}
	assert.Zero(t, s.calls.Load(), "storage calls for closed successes and failures below the threshold")
	assert.Equal(t, map[callcount.Outcome]int{callcount.Success: 50, callcount.Failure: 50}, cnt.get("c"))
	st, _ := c.Status(context.Background())
	assert.Equal(t, 100, st.SampleSize, "outcomes counted on the hot path")
}

func TestSuccessListenerGetsAStatus(t *testing.T) {
	s := newSpy()
	rec := &recorder{}
	b := runtime.MustNew(runtime.WithStorage(hotSpy{s}), runtime.WithListener(rec, runtime.EventSuccess))
	c := b.Circuit("c")
	run(t, c, nil)
	ev, ok := rec.last(runtime.EventSuccess)
	require.True(t, ok)
	assert.Equal(t, 1, ev.Status.SampleSize, "the event's status counts the success")
	assert.EqualValues(t, 1, s.count("Record"))
}

func TestCallCounter(t *testing.T) {
	errDeclined := errors.New("declined")
	cnt := &counter{}
	f := newFixture(t, runtime.WithListener(cnt, runtime.EventOpened))
	c := f.b.Circuit("c", runtime.Options{Exclude: []error{errDeclined}, CoolDown: time.Minute})
	run(t, c, nil)
	run(t, c, errDeclined)
	run(t, c, errBoom)
	run(t, c, errBoom) // 2 failures of 3: opens
	run(t, c, nil)     // skipped
	if _, err := c.Allow(context.Background()); err != nil {
		breakerimpl.CountFallback(c) // a fallback answered it, as a generated method tells
	}
	assert.Equal(t, map[callcount.Outcome]int{
		callcount.Success: 1, callcount.Excluded: 1, callcount.Failure: 2, callcount.Skipped: 2, callcount.Fallback: 1,
	}, cnt.get("c"))
	assert.Nil(t, cnt.get("dep"), "no calls of another circuit")
	assert.Equal(t, "fallback", callcount.Fallback.String())
}

// TestSkipAllocatesNothing is the hot path of every outage: a refused call
// allocates nothing when no listener wants EventSkipped, and the error still
// matches ErrOpen and *OpenCircuitError.
func TestSkipAllocatesNothing(t *testing.T) {
	for name, lock := range map[string]bool{"open": false, "locked open": true} {
		t.Run(name, func(t *testing.T) {
			b := runtime.MustNew(runtime.WithListener(&recorder{}, runtime.EventOpened))
			c := b.Circuit("c")
			if lock {
				require.NoError(t, c.LockOpen(context.Background()))
			} else {
				for range 3 {
					run(t, c, errBoom)
				}
			}
			ctx := context.Background()
			_, first := c.Allow(ctx)
			allocs := testing.AllocsPerRun(200, func() {
				if _, err := c.Allow(ctx); err == nil {
					t.Fatal("not skipped")
				}
			})
			assert.Zero(t, allocs)
			_, err := c.Allow(ctx)
			assert.ErrorIs(t, err, runtime.ErrOpen)
			var oce *runtime.OpenCircuitError
			require.ErrorAs(t, err, &oce)
			assert.Equal(t, "c", oce.Circuit)
			assert.Same(t, first, err, "refusals of one open period share their error")
		})
	}
}

func TestSkipListenerGetsEveryRefusal(t *testing.T) {
	f := newFixture(t)
	f.trip(t)
	for range 5 {
		f.call(t, nil)
	}
	assert.Equal(t, 5, f.rec.count(runtime.EventSkipped))
}

func TestListenersRunOutsideLocksAndPanicsAreContained(t *testing.T) {
	var b *runtime.Breaker
	calls := 0
	reentrant := runtime.ListenerFunc(func(e runtime.Event) {
		calls++
		// Reading and changing the circuit from a listener must not deadlock.
		c := b.Circuit(e.Circuit)
		_, err := c.Status(context.Background())
		assert.NoError(t, err)
		if e.Type == runtime.EventOpened {
			_ = c.LockClosed(context.Background())
		}
	})
	panicky := runtime.ListenerFunc(func(runtime.Event) { panic("listener bug") })
	b = runtime.MustNew(runtime.WithClock(newClock()), runtime.WithListener(panicky), runtime.WithListener(reentrant))
	c := b.Circuit("x")
	for range 4 {
		require.ErrorIs(t, c.Run(context.Background(), func(context.Context) error { return errBoom }), errBoom)
	}
	assert.Equal(t, 6, calls, "4 failures, opened, and locked: the listener locked it closed on opening")
}

func TestEventTypeNames(t *testing.T) {
	assert.Equal(t, "storage_failure", runtime.EventStorageFailure.String())
	assert.Equal(t, "unknown", runtime.EventType(0).String())
	assert.Equal(t, "unknown", callcount.Outcome(0).String())
}
