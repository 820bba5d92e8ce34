package adaptertest

import (
	"context"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/breakergen/breakergen/runtime"
)

// probing: the half-open probe after the cool-down.
var probing = []scenario{
	{"OneProbeAfterCoolDown", func(t *testing.T, s *suite) {
		s.trip(t, 0)
		hits := s.f.Hits(t, 0)
		s.kit.Clock.Advance(coolDown)
		probe := s.hang(context.Background(), 0)
		s.f.AwaitHeld(t, 0, 1)
		for range 3 {
			require.ErrorIs(t, s.call(0, Succeed), runtime.ErrOpen, "calls while the probe runs are skipped")
		}
		assert.Equal(t, hits+1, s.f.Hits(t, 0), "only the probe reached the server")
		s.f.Release(t, 0)
		require.NoError(t, wait(t, probe))
		s.kit.Events.AssertCount(t, s.name(0), runtime.EventProbe, 1)
	}},
	{"ProbeSuccessCloses", func(t *testing.T, s *suite) {
		s.trip(t, 0)
		s.kit.Clock.Advance(coolDown)
		require.NoError(t, s.call(0, Succeed))
		assert.True(t, s.status(t, 0).Closed())
		s.kit.Events.AssertTransitions(t, s.name(0), runtime.EventOpened, runtime.EventClosed)
		s.calls(t, 0, Succeed, 3)
	}},
	{"ProbeFailureReopens", func(t *testing.T, s *suite) {
		s.trip(t, 0)
		s.kit.Clock.Advance(coolDown)
		require.Error(t, s.call(0, Fail))
		s.kit.Events.AssertTransitions(t, s.name(0), runtime.EventOpened, runtime.EventReopened)
		var open *runtime.OpenCircuitError
		require.ErrorAs(t, s.call(0, Succeed), &open)
		assert.Equal(t, coolDown, open.RetryAfter(), "a new cool-down from the failed probe")
	}},
	{"ProbeNotFound", func(t *testing.T, s *suite) {
		s.trip(t, 0)
		s.kit.Clock.Advance(coolDown)
		require.NotErrorIs(t, s.call(0, NotFound), runtime.ErrOpen)
		if s.h.NotFound == NotFoundSuccess {
			s.kit.Events.AssertTransitions(t, s.name(0), runtime.EventOpened, runtime.EventClosed)
			return
		}
		// Not recorded: the reservation is released, so the next call probes.
		hits := s.f.Hits(t, 0)
		require.NoError(t, s.call(0, Succeed))
		assert.Equal(t, hits+1, s.f.Hits(t, 0))
		s.kit.Events.AssertTransitions(t, s.name(0), runtime.EventOpened, runtime.EventClosed)
	}},
	{"CancelledProbeReleases", func(t *testing.T, s *suite) {
		s.trip(t, 0)
		s.kit.Clock.Advance(coolDown)
		ctx, cancel := context.WithCancel(context.Background())
		probe := s.hang(ctx, 0)
		s.f.AwaitHeld(t, 0, 1)
		cancel()
		require.Error(t, wait(t, probe))
		s.f.Release(t, 0)
		require.NoError(t, s.call(0, Succeed), "the next call probes at once, not a cool-down later")
		s.kit.Events.AssertTransitions(t, s.name(0), runtime.EventOpened, runtime.EventClosed)
	}},
	{"ClosedCircuitStartsAFreshWindow", func(t *testing.T, s *suite) {
		s.trip(t, 0)
		s.kit.Clock.Advance(coolDown)
		require.NoError(t, s.call(0, Succeed))
		s.calls(t, 0, Fail, Defaults.SampleThreshold-1)
		st := s.status(t, 0)
		assert.True(t, st.Closed(), "the failures before the opening no longer count")
		assert.Equal(t, Defaults.SampleThreshold-1, st.SampleSize)
	}},
	{"ForcedHalfOpenProbes", func(t *testing.T, s *suite) {
		s.kit.ForceHalfOpen(s.name(0))
		require.NoError(t, s.call(0, Succeed))
		assert.Equal(t, 1, s.f.Hits(t, 0))
		s.kit.Events.AssertTransitions(t, s.name(0), runtime.EventClosed)
	}},
}
