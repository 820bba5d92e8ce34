package adaptertest

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/breakergen/breakergen/runtime"
)

// targets: circuits of different targets stay apart.
var targets = []scenario{
	{"TargetsHaveTheirOwnCircuits", func(t *testing.T, s *suite) {
		require.NoError(t, s.call(0, Succeed))
		require.NoError(t, s.call(1, Succeed))
		assert.NotEqual(t, s.name(0), s.name(1))
		assert.Equal(t, 1, s.status(t, 0).SampleSize)
		assert.Equal(t, 1, s.status(t, 1).SampleSize)
	}},
	{"OpenTargetDoesNotSkipAnother", func(t *testing.T, s *suite) {
		s.trip(t, 0)
		s.calls(t, 1, Succeed, 3)
		assert.Equal(t, 3, s.f.Hits(t, 1))
		assert.True(t, s.status(t, 1).Closed())
		require.ErrorIs(t, s.call(0, Succeed), runtime.ErrOpen)
	}},
	{"FailuresOfTwoTargetsAreCountedApart", func(t *testing.T, s *suite) {
		s.calls(t, 0, Fail, Defaults.SampleThreshold-1)
		s.calls(t, 1, Fail, Defaults.SampleThreshold-1)
		assert.True(t, s.status(t, 0).Closed())
		assert.True(t, s.status(t, 1).Closed())
		s.kit.Events.AssertTransitions(t, "")
	}},
	{"TargetsProbeApart", func(t *testing.T, s *suite) {
		s.trip(t, 0)
		s.trip(t, 1)
		s.kit.Clock.Advance(coolDown)
		require.NoError(t, s.call(1, Succeed))
		assert.True(t, s.status(t, 1).Closed())
		assert.True(t, s.status(t, 0).HalfOpen(), "the other target still waits for its own probe")
	}},
}

// serverFaults: a server whose handler panics or crashes.
var serverFaults = []scenario{
	{"PanickingHandlerIsOneFailure", func(t *testing.T, s *suite) {
		require.Error(t, s.call(0, Panic))
		st := s.status(t, 0)
		assert.Equal(t, 1, st.SampleSize, "one call, one outcome")
		assert.Equal(t, 1.0, st.FailureRate)
		require.NoError(t, s.call(0, Succeed), "the next call runs")
		st = s.status(t, 0)
		assert.Equal(t, 2, st.SampleSize)
		assert.InDelta(t, 0.5, st.FailureRate, 1e-9)
	}},
	{"PanickingHandlersOpen", func(t *testing.T, s *suite) {
		s.calls(t, 0, Panic, Defaults.SampleThreshold)
		assert.True(t, s.status(t, 0).Open())
		s.kit.Events.AssertTransitions(t, s.name(0), runtime.EventOpened)
		s.kit.Events.AssertCount(t, s.name(0), runtime.EventFailure, Defaults.SampleThreshold)
	}},
	{"PanicDoesNotTouchAnotherTarget", func(t *testing.T, s *suite) {
		require.NoError(t, s.call(1, Succeed))
		s.calls(t, 0, Panic, 2)
		st := s.status(t, 1)
		assert.Equal(t, 1, st.SampleSize)
		assert.Zero(t, st.FailureRate)
	}},
}
