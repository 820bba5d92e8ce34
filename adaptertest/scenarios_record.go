package adaptertest

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/breakergen/breakergen/runtime"
)

// recording: what a call that ran counts.
var recording = []scenario{
	{"SuccessIsRecorded", func(t *testing.T, s *suite) {
		require.NoError(t, s.call(0, Succeed))
		assert.Equal(t, 1, s.f.Hits(t, 0))
		st := s.status(t, 0)
		assert.Equal(t, 1, st.SampleSize)
		assert.Zero(t, st.FailureRate)
		s.kit.Events.AssertTypes(t, s.name(0), runtime.EventSuccess)
	}},
	{"FailureIsRecorded", func(t *testing.T, s *suite) {
		err := s.call(0, Fail)
		require.Error(t, err)
		assert.Equal(t, 1, s.f.Hits(t, 0))
		st := s.status(t, 0)
		assert.Equal(t, 1, st.SampleSize)
		assert.Equal(t, 1.0, st.FailureRate)
		s.kit.Events.AssertTypes(t, s.name(0), runtime.EventFailure)
	}},
	{"FailureErrorReachesCaller", func(t *testing.T, s *suite) {
		err := s.call(0, Fail)
		require.Error(t, err)
		assert.False(t, isOpen(err), "a failure that ran is not a skip: %v", err)
		last, ok := s.kit.Events.Last(s.name(0))
		require.True(t, ok)
		assert.Error(t, last.Err, "the failure event carries the error recorded")
	}},
	{"FailuresOpenTheCircuit", func(t *testing.T, s *suite) {
		s.calls(t, 0, Fail, Defaults.SampleThreshold)
		assert.True(t, s.status(t, 0).Open())
		s.kit.Events.AssertTransitions(t, s.name(0), runtime.EventOpened)
	}},
	{"FewerFailuresThanSamplesKeepClosed", func(t *testing.T, s *suite) {
		s.calls(t, 0, Fail, Defaults.SampleThreshold-1)
		assert.True(t, s.status(t, 0).Closed())
		s.kit.Events.AssertTransitions(t, s.name(0))
	}},
	{"RateBelowThresholdKeepsClosed", func(t *testing.T, s *suite) {
		// 1 of 3, then 2 of 5: under one half at every failure.
		s.calls(t, 0, Fail, 1)
		s.calls(t, 0, Succeed, 3)
		s.calls(t, 0, Fail, 1)
		st := s.status(t, 0)
		assert.True(t, st.Closed())
		assert.Equal(t, 5, st.SampleSize)
		assert.InDelta(t, 0.4, st.FailureRate, 1e-9)
	}},
	{"SuccessBelowThresholdKeepsClosed", func(t *testing.T, s *suite) {
		// Two failures, then a success: the window holds enough samples at a
		// failing rate, but only a failure opens a circuit.
		s.calls(t, 0, Fail, Defaults.SampleThreshold-1)
		s.calls(t, 0, Succeed, 1)
		st := s.status(t, 0)
		assert.True(t, st.Closed())
		assert.Equal(t, Defaults.SampleThreshold, st.SampleSize)
	}},
	{"FailuresOutsideTheWindowAreForgotten", func(t *testing.T, s *suite) {
		s.calls(t, 0, Fail, Defaults.SampleThreshold-1)
		s.kit.Clock.Advance(2 * window)
		s.calls(t, 0, Fail, Defaults.SampleThreshold-1)
		st := s.status(t, 0)
		assert.True(t, st.Closed())
		assert.Equal(t, Defaults.SampleThreshold-1, st.SampleSize)
	}},
}
