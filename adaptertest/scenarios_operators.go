package adaptertest

import (
	"context"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// operators: locks, resets and forced states reach the adapter's calls.
var operators = []scenario{
	{"LockedOpenSkips", func(t *testing.T, s *suite) {
		require.NoError(t, s.call(0, Succeed))
		require.NoError(t, s.kit.Circuit(s.name(0)).LockOpen(context.Background()))
		s.requireSkipped(t, s.call(0, Succeed))
		assert.Equal(t, 1, s.f.Hits(t, 0))
	}},
	{"LockedClosedRuns", func(t *testing.T, s *suite) {
		s.trip(t, 0)
		require.NoError(t, s.kit.Circuit(s.name(0)).LockClosed(context.Background()))
		hits := s.f.Hits(t, 0)
		s.calls(t, 0, Succeed, 2)
		assert.Equal(t, hits+2, s.f.Hits(t, 0))
	}},
	{"ResetCloses", func(t *testing.T, s *suite) {
		s.trip(t, 0)
		require.NoError(t, s.kit.Circuit(s.name(0)).Reset(context.Background()))
		s.calls(t, 0, Succeed, 1)
		assert.True(t, s.status(t, 0).Closed())
	}},
	{"ForcedOpenSkips", func(t *testing.T, s *suite) {
		s.kit.ForceOpen(s.name(0))
		s.requireSkipped(t, s.call(0, Succeed))
		assert.Zero(t, s.f.Hits(t, 0))
		s.calls(t, 1, Succeed, 1)
	}},
}
