package adaptertest

import (
	"context"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/breakergen/breakergen/runtime"
)

// notRecorded: what must never count as a failure of the dependency.
var notRecorded = []scenario{
	{"NotFoundIsNotAFailure", func(t *testing.T, s *suite) {
		s.calls(t, 0, NotFound, 5)
		assert.Equal(t, 5, s.f.Hits(t, 0))
		st := s.status(t, 0)
		assert.True(t, st.Closed())
		assert.Zero(t, st.FailureRate)
		s.kit.Events.AssertNone(t, s.name(0), runtime.EventFailure, runtime.EventOpened)
		if s.h.NotFound == NotFoundSuccess {
			assert.Equal(t, 5, st.SampleSize)
		} else {
			assert.Zero(t, st.SampleSize, "not found is not recorded")
		}
	}},
	{"NotFoundAmongFailures", func(t *testing.T, s *suite) {
		s.calls(t, 0, Fail, Defaults.SampleThreshold-1)
		s.calls(t, 0, NotFound, 4)
		s.calls(t, 0, Fail, 1)
		st := s.status(t, 0)
		if s.h.NotFound == NotFoundSuccess {
			assert.True(t, st.Closed(), "3 failures in 7 answers")
			assert.Equal(t, 7, st.SampleSize)
		} else {
			assert.True(t, st.Open(), "not found left out: 3 failures in 3")
		}
	}},
	{"CallerCancellationIsNotRecorded", func(t *testing.T, s *suite) {
		ctx, cancel := context.WithCancel(context.Background())
		done := s.hang(ctx, 0)
		s.f.AwaitHeld(t, 0, 1)
		cancel()
		err := wait(t, done)
		require.Error(t, err, "a call its caller cancelled")
		assert.False(t, isOpen(err))
		assert.Equal(t, 1, s.f.Hits(t, 0))
		s.f.Release(t, 0)
		assertNothingRecorded(t, s, 0)
	}},
	{"CancelledBeforeTheCallIsNotRecorded", func(t *testing.T, s *suite) {
		ctx, cancel := context.WithCancel(context.Background())
		cancel()
		for range Defaults.SampleThreshold + 1 {
			err := s.f.Call(ctx, 0, Succeed)
			require.Error(t, err, "a call made with a cancelled context")
			assert.False(t, isOpen(err))
		}
		if _, ok := s.kit.Breaker.Lookup(s.name(0)); ok {
			assertNothingRecorded(t, s, 0)
		}
	}},
	{"CancellationsNeverOpen", func(t *testing.T, s *suite) {
		for range Defaults.SampleThreshold + 1 {
			ctx, cancel := context.WithCancel(context.Background())
			done := s.hang(ctx, 0)
			s.f.AwaitHeld(t, 0, 1)
			cancel()
			require.Error(t, wait(t, done))
			s.f.Release(t, 0)
		}
		assertNothingRecorded(t, s, 0)
		require.NoError(t, s.call(0, Succeed), "the circuit still lets calls through")
	}},
	{"MissedDeadlineIsAFailure", func(t *testing.T, s *suite) {
		ctx, cancel := context.WithTimeout(context.Background(), deadline)
		defer cancel()
		err := s.f.Call(ctx, 0, Hang)
		require.Error(t, err, "a call past its deadline")
		s.f.Release(t, 0)
		st := s.status(t, 0)
		assert.Equal(t, 1, st.SampleSize, "the dependency was too slow: a failure")
		assert.Equal(t, 1.0, st.FailureRate)
	}},
}

// assertNothingRecorded checks that target's circuit counted nothing and
// emitted no outcome or transition.
func assertNothingRecorded(t *testing.T, s *suite, target int) {
	t.Helper()
	st := s.status(t, target)
	assert.Zero(t, st.SampleSize, "nothing recorded")
	assert.True(t, st.Closed())
	s.kit.Events.AssertNone(t, s.name(target), runtime.EventFailure, runtime.EventSuccess, runtime.EventOpened)
}
