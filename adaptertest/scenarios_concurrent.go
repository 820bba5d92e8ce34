package adaptertest

import (
	"context"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/breakergen/breakergen/runtime"
)

// concurrent: many goroutines on one circuit, counted exactly.
var concurrent = []scenario{
	{"ConcurrentSuccessesAreCountedExactly", func(t *testing.T, s *suite) {
		const each = 10
		errs := parallel(concurrency, func(int) error {
			for range each {
				if err := s.call(0, Succeed); err != nil {
					return err
				}
			}
			return nil
		})
		for _, err := range errs {
			require.NoError(t, err)
		}
		assert.Equal(t, concurrency*each, s.f.Hits(t, 0))
		assert.Equal(t, concurrency*each, s.status(t, 0).SampleSize)
	}},
	{"ConcurrentFailuresOpenOnce", func(t *testing.T, s *suite) {
		const each = 4
		var ran, skipped atomic.Int64
		parallel(concurrency, func(int) error {
			for range each {
				if isOpen(s.call(0, Fail)) {
					skipped.Add(1)
				} else {
					ran.Add(1)
				}
			}
			return nil
		})
		s.kit.Events.AssertTransitions(t, s.name(0), runtime.EventOpened)
		assert.Equal(t, int(skipped.Load()), s.kit.Events.Count(s.name(0), runtime.EventSkipped))
		assert.Equal(t, int(ran.Load()), s.f.Hits(t, 0), "exactly the calls that ran reached the server")
		assert.GreaterOrEqual(t, s.kit.Events.Count(s.name(0), runtime.EventFailure), Defaults.SampleThreshold)
	}},
	{"ConcurrentHalfOpenHasOneProbe", func(t *testing.T, s *suite) {
		s.trip(t, 0)
		hits := s.f.Hits(t, 0)
		s.kit.Clock.Advance(coolDown)
		const callers = 2 * concurrency
		results := make(chan error, callers)
		var start sync.WaitGroup
		start.Add(1)
		for range callers {
			go func() {
				start.Wait()
				results <- s.f.Call(context.Background(), 0, Hang)
			}()
		}
		start.Done()
		for range callers - 1 {
			require.ErrorIs(t, wait(t, results), runtime.ErrOpen, "all but the probe are skipped")
		}
		s.f.AwaitHeld(t, 0, 1)
		assert.Equal(t, hits+1, s.f.Hits(t, 0))
		s.f.Release(t, 0)
		require.NoError(t, wait(t, results), "the probe")
		s.kit.Events.AssertTransitions(t, s.name(0), runtime.EventOpened, runtime.EventClosed)
	}},
	{"ConcurrentTargetsStayApart", func(t *testing.T, s *suite) {
		errs := parallel(concurrency, func(i int) error {
			for range 5 {
				if i%2 == 0 {
					_ = s.call(0, Fail)
				} else if err := s.call(1, Succeed); err != nil {
					return err
				}
			}
			return nil
		})
		for _, err := range errs {
			require.NoError(t, err)
		}
		assert.True(t, s.status(t, 0).Open())
		st := s.status(t, 1)
		assert.True(t, st.Closed())
		assert.Equal(t, concurrency/2*5, st.SampleSize)
	}},
}

// parallel runs fn(i) on n goroutines at once and returns their errors.
func parallel(n int, fn func(i int) error) []error {
	errs := make([]error, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() { errs[i] = fn(i) })
	}
	wg.Wait()
	return errs
}
