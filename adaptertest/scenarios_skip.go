package adaptertest

import (
	"errors"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/breakergen/breakergen/runtime"
)

// skipping: what a call refused by an open circuit does and returns.
var skipping = []scenario{
	{"SkippedCallMakesNoRequest", func(t *testing.T, s *suite) {
		s.trip(t, 0)
		before := s.f.Hits(t, 0)
		for _, b := range []Behavior{Succeed, Fail, NotFound, Hang} {
			require.ErrorIs(t, s.call(0, b), runtime.ErrOpen, "a %s call to an open circuit", b)
		}
		assert.Equal(t, before, s.f.Hits(t, 0), "no skipped call reached the server")
	}},
	{"SkippedErrorMatchesErrOpen", func(t *testing.T, s *suite) {
		s.trip(t, 0)
		s.requireSkipped(t, s.call(0, Succeed))
	}},
	{"SkippedErrorIsTheProtocols", func(t *testing.T, s *suite) {
		if s.h.Skipped == nil {
			t.Skip("the harness checks nothing protocol-specific")
		}
		s.trip(t, 0)
		s.h.Skipped(t, s.call(0, Succeed))
	}},
	{"SkippedErrorCarriesRetryAfter", func(t *testing.T, s *suite) {
		s.trip(t, 0)
		var open *runtime.OpenCircuitError
		require.ErrorAs(t, s.call(0, Succeed), &open)
		assert.Equal(t, coolDown, open.RetryAfter())
		assert.Equal(t, s.name(0), open.Circuit)

		s.kit.Clock.Advance(20 * time.Second)
		open = nil
		require.ErrorAs(t, s.call(0, Succeed), &open)
		assert.Equal(t, coolDown-20*time.Second, open.RetryAfter())
	}},
	{"SkippedCallIsNotRecorded", func(t *testing.T, s *suite) {
		s.trip(t, 0)
		samples := s.status(t, 0).SampleSize
		for range 5 {
			require.ErrorIs(t, s.call(0, Fail), runtime.ErrOpen)
		}
		assert.Equal(t, samples, s.status(t, 0).SampleSize)
		s.kit.Events.AssertCount(t, s.name(0), runtime.EventSkipped, 5)
		s.kit.Events.AssertTransitions(t, s.name(0), runtime.EventOpened)
	}},
	{"SkippedCallLeavesNothingOpen", func(t *testing.T, s *suite) {
		s.trip(t, 0)
		for _, b := range []Behavior{Succeed, NotFound, Fail, Hang, Panic} {
			require.ErrorIs(t, s.call(0, b), runtime.ErrOpen)
		}
		assert.Zero(t, s.f.Open(t), "bodies, streams and connections of skipped calls are closed")
	}},
	{"SkippedWhileCoolingDown", func(t *testing.T, s *suite) {
		s.trip(t, 0)
		hits := s.f.Hits(t, 0)
		s.kit.Clock.Advance(coolDown - time.Millisecond)
		require.ErrorIs(t, s.call(0, Succeed), runtime.ErrOpen)
		assert.Equal(t, hits, s.f.Hits(t, 0))
	}},
	{"CallsLeaveNothingOpen", func(t *testing.T, s *suite) {
		for _, b := range []Behavior{Succeed, Succeed, NotFound, Fail, Panic} {
			err := s.call(0, b)
			assert.False(t, errors.Is(err, runtime.ErrOpen))
		}
		assert.Zero(t, s.f.Open(t), "every call closed what it opened")
	}},
}
