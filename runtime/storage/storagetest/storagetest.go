// Package storagetest is a conformance suite for implementations of
// storage.Storage. A backend's tests call Run (or RunDecision) with a Harness
// that makes fresh, empty storages; every storage-level rule of breakergen's
// design is checked in a subtest of its own.
//
// RunDecision checks the decision path, all a backend must implement to run a
// breaker: Bind and the Handle methods (counting and window expiry, threshold
// opening, the probe reservation's compare-and-set on both OpenedAt and
// ReservedAt, Release, probe outcomes, locks, Reset, races between goroutines,
// independent circuits, a second binding with another window geometry) and,
// when a handle implements storage.HotPath, that the hot path agrees with it.
// Run checks all that and the optional operator interfaces, storage.Operator
// (Open, Reopen, Close, History) and storage.Admin (List, Clear), failing when
// a storage lacks them: every backend of this module runs Run.
//
// The suite keeps its own clock, starting at a fixed instant and moved forward
// only by the suite, so it never sleeps. A storage with a clock of its own (Redis
// uses the server's TIME) provides Harness.Advance to move that clock with the
// suite's; the suite then checks instants against Status.CurrentTime rather
// than against the now it passes. Policies use cool-downs and windows of a
// minute, so a real clock running during the suite changes no result.
package storagetest

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/breakergen/breakergen/runtime/storage"
	"github.com/stretchr/testify/require"
)

// Harness tells Run how to make the storage under test.
type Harness struct {
	// New returns a fresh, empty storage.
	New func(t *testing.T) storage.Storage
	// Advance moves the storage's own clock forward by d, for a storage that
	// ignores the now it is given (e.g. Redis uses server TIME). Nil for
	// storages that use now.
	Advance func(t *testing.T, s storage.Storage, d time.Duration)
	// Policies makes Run run the cases of the policies beyond the classic
	// ones too (see RunPolicies), each skipped unless the storage applies
	// its policy. Off, Run makes no storage for them, so a backend that
	// applies none runs exactly the classic suite.
	Policies bool
}

// Run runs the whole conformance suite against storages made by h, one fresh
// storage per subtest: the decision path, and the Operator and Admin
// interfaces, which the storage must implement; with Harness.Policies, the
// policies it says it applies too (RunPolicies).
func Run(t *testing.T, h Harness) {
	t.Helper()
	run(t, h, decisionCases)
	run(t, h, operatorCases)
	if h.Policies {
		run(t, h, policyCases)
	}
}

// RunDecision runs the part of the suite that a storage must pass to run a
// breaker: the decision path of its handles (and their hot path, if any).
func RunDecision(t *testing.T, h Harness) {
	t.Helper()
	run(t, h, decisionCases)
}

type testCase struct {
	name string
	run  func(e *env)
}

func run(t *testing.T, h Harness, cases []testCase) {
	t.Helper()
	require.NotNil(t, h.New, "storagetest: Harness.New is nil")
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			c.run(newEnv(t, h))
		})
	}
}

// start is the suite's first instant.
var start = time.Date(2030, time.March, 4, 5, 6, 7, 0, time.UTC)

// slack is how far, for a storage with its own clock, an instant the storage
// stamped may lie before the CurrentTime of a status read just after it.
const slack = 10 * time.Second

const (
	coolDown = time.Minute
	window   = time.Minute
)

// standard opens at 3 samples with half of them failures.
var standard = storage.Policy{
	CoolDown:         coolDown,
	EvaluationWindow: window,
	RateThreshold:    0.5,
	SampleThreshold:  3,
}

// counting never opens, so outcomes can be counted freely.
var counting = storage.Policy{
	CoolDown:         coolDown,
	EvaluationWindow: window,
	RateThreshold:    1,
	SampleThreshold:  1 << 30,
}

var (
	success = storage.Outcome{Success: true}
	failure = storage.Outcome{}
)

// env is one subtest's storage and clock. Its methods fail the test on any error.
type env struct {
	t       *testing.T
	h       Harness
	s       storage.Storage
	ctx     context.Context
	now     time.Time
	handles map[string]storage.Handle
}

func newEnv(t *testing.T, h Harness) *env {
	s := h.New(t)
	require.NotNil(t, s, "storagetest: Harness.New returned nil")
	e := &env{t: t, h: h, s: s, ctx: t.Context(), now: start, handles: make(map[string]storage.Handle)}
	t.Cleanup(func() {
		for _, hd := range e.handles {
			if u, ok := hd.(storage.Unbinder); ok {
				u.Unbind()
			}
		}
	})
	return e
}

// handle returns the handle of name bound with p, binding it on first use.
func (e *env) handle(name string, p storage.Policy) storage.Handle {
	e.t.Helper()
	key := fmt.Sprintf("%q %+v", name, p)
	if h, ok := e.handles[key]; ok {
		return h
	}
	h, err := e.s.Bind(name, p)
	require.NoError(e.t, err, "Bind(%q, %+v)", name, p)
	require.NotNil(e.t, h, "Bind(%q) returned a nil handle", name)
	e.handles[key] = h
	return h
}

// operator returns the handle of name as a storage.Operator.
func (e *env) operator(name string, p storage.Policy) storage.Operator {
	e.t.Helper()
	h := e.handle(name, p)
	o, ok := h.(storage.Operator)
	require.True(e.t, ok, "the handle %T does not implement storage.Operator", h)
	return o
}

// admin returns the storage as a storage.Admin.
func (e *env) admin() storage.Admin {
	e.t.Helper()
	a, ok := e.s.(storage.Admin)
	require.True(e.t, ok, "the storage %T does not implement storage.Admin", e.s)
	return a
}

// ownClock reports whether the storage ignores the now it is given.
func (e *env) ownClock() bool { return e.h.Advance != nil }

// advance moves the suite's clock, and the storage's own, forward by d.
func (e *env) advance(d time.Duration) {
	e.t.Helper()
	e.now = e.now.Add(d)
	if e.h.Advance != nil {
		e.h.Advance(e.t, e.s, d)
	}
}
