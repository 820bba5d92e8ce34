package adaptertest

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/breakergen/breakergen/breakertest"
	"github.com/breakergen/breakergen/runtime"
)

const (
	coolDown = time.Minute
	window   = time.Minute
	// deadline is the real-time deadline of the one scenario in which the
	// dependency misses the caller's deadline; every other time is the
	// suite's clock.
	deadline = 200 * time.Millisecond
	// concurrency is how many goroutines the concurrent scenarios run.
	concurrency = 4
)

// scenario is one check of the suite.
type scenario struct {
	name string
	run  func(t *testing.T, s *suite)
}

// scenarios lists every scenario, in the order Run plays them.
func scenarios() []scenario {
	var all []scenario
	for _, group := range [][]scenario{recording, notRecorded, skipping, probing, targets, serverFaults, concurrent, operators} {
		all = append(all, group...)
	}
	return all
}

// Scenarios returns the names of the suite's scenarios, in the order Run plays
// them.
func Scenarios() []string {
	var names []string
	for _, sc := range scenarios() {
		names = append(names, sc.name)
	}
	return names
}

// Run plays every scenario against the adapter h describes, each as a subtest
// with a fresh breaker (a breakertest.Kit with Defaults) and fixture.
func Run(t *testing.T, h Harness) {
	require.NotNil(t, h.Setup, "Harness.Setup")
	for _, sc := range scenarios() {
		t.Run(sc.name, func(t *testing.T) {
			kit := breakertest.New(t, runtime.WithDefaults(Defaults))
			f := h.Setup(t, kit.Breaker)
			require.NotNil(t, f, "%s: Setup returned no fixture", h.Name)
			s := &suite{h: h, kit: kit, f: f}
			sc.run(t, s)
			if !t.Failed() {
				assert.Zero(t, f.Open(t), "%s: resources left open after the scenario", h.Name)
			}
		})
	}
}

// suite is what a scenario works with.
type suite struct {
	h   Harness
	kit *breakertest.Kit
	f   Fixture
}

func (s *suite) call(target int, b Behavior) error {
	return s.f.Call(context.Background(), target, b)
}

// calls makes n calls and requires each to reach the server and return as b
// says: nil for Succeed, an error for Fail and Panic.
func (s *suite) calls(t *testing.T, target int, b Behavior, n int) {
	t.Helper()
	for range n {
		err := s.call(target, b)
		require.NotErrorIs(t, err, runtime.ErrOpen, "%s: %s call to target %d was skipped", s.h.Name, b, target)
		switch b {
		case Succeed:
			require.NoError(t, err, "%s: a succeeding call", s.h.Name)
		case Fail, Panic:
			require.Error(t, err, "%s: a %s call returned no error", s.h.Name, b)
		}
	}
}

// name returns the circuit name of target.
func (s *suite) name(target int) string { return s.f.Circuit(target) }

// status returns the status of target's circuit, which must exist.
func (s *suite) status(t *testing.T, target int) runtime.Status {
	t.Helper()
	c, ok := s.kit.Breaker.Lookup(s.name(target))
	require.True(t, ok, "%s: no circuit %q after a call to target %d", s.h.Name, s.name(target), target)
	st, err := c.Status(context.Background())
	require.NoError(t, err)
	return st
}

// trip opens target's circuit with failures and requires it open.
func (s *suite) trip(t *testing.T, target int) {
	t.Helper()
	s.calls(t, target, Fail, Defaults.SampleThreshold)
	require.True(t, s.status(t, target).Open(), "%s: %d failures did not open the circuit", s.h.Name, Defaults.SampleThreshold)
}

// requireSkipped requires err to be a skipped call's error, whole.
func (s *suite) requireSkipped(t *testing.T, err error) {
	t.Helper()
	require.ErrorIs(t, err, runtime.ErrOpen, "%s: a skipped call's error", s.h.Name)
	var open *runtime.OpenCircuitError
	require.ErrorAs(t, err, &open, "%s: a skipped call's error carries *runtime.OpenCircuitError", s.h.Name)
	if s.h.Skipped != nil {
		s.h.Skipped(t, err)
	}
}

// hang starts a Hang call to target with ctx and returns where its error
// arrives.
func (s *suite) hang(ctx context.Context, target int) <-chan error {
	done := make(chan error, 1)
	go func() { done <- s.f.Call(ctx, target, Hang) }()
	return done
}

// wait returns the error of a call started by hang, failing the test when the
// call does not return within a generous real-time bound (a hung adapter).
func wait(t *testing.T, done <-chan error) error {
	t.Helper()
	select {
	case err := <-done:
		return err
	case <-time.After(30 * time.Second):
		require.FailNow(t, "a call did not return")
		return nil
	}
}

// isOpen reports whether err is a skipped call's.
func isOpen(err error) bool { return errors.Is(err, runtime.ErrOpen) }
