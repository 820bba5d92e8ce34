// Package storagetest is a conformance suite for implementations of
// storage.Storage. A backend's tests call Run with a Harness that makes fresh,
// empty storages; every storage-level rule of breakergen's design is checked in a
// subtest of its own: counting and window expiry, threshold opening, Open,
// Reopen, Close, the probe reservation's compare-and-set, Release, probe
// outcomes, locks, Reset, History, List and Clear, races between goroutines, and
// the independence of circuits whatever their names.
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
	"testing"
	"time"

	"github.com/breakergen/breakergen/runtime/storage"
)

// Harness tells Run how to make the storage under test.
type Harness struct {
	// New returns a fresh, empty storage.
	New func(t *testing.T) storage.Storage
	// Advance moves the storage's own clock forward by d, for a storage that
	// ignores the now it is given (e.g. Redis uses server TIME). Nil for
	// storages that use now.
	Advance func(t *testing.T, s storage.Storage, d time.Duration)
}

// Run runs the conformance suite against storages made by h, one fresh storage
// per subtest. It fails t at once if h.New is nil.
func Run(t *testing.T, h Harness) {
	t.Helper()
	if h.New == nil {
		t.Fatal("storagetest: Harness.New is nil")
	}
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
	t   *testing.T
	h   Harness
	s   storage.Storage
	ctx context.Context
	now time.Time
}

func newEnv(t *testing.T, h Harness) *env {
	s := h.New(t)
	if s == nil {
		t.Fatal("storagetest: Harness.New returned nil")
	}
	return &env{t: t, h: h, s: s, ctx: t.Context(), now: start}
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

// checkNow fails unless got is the instant the storage took as now: the suite's
// now, or for a storage with its own clock, an instant at most slack before
// current, the CurrentTime of a status read after it.
func (e *env) checkNow(what string, got, current time.Time) {
	e.t.Helper()
	if !e.ownClock() {
		if !got.Equal(e.now) {
			e.t.Errorf("%s = %v, want now %v", what, got, e.now)
		}
		return
	}
	if got.IsZero() || got.After(current) || current.Sub(got) > slack {
		e.t.Errorf("%s = %v, want the storage's current instant (status read after it: %v)", what, got, current)
	}
}

// checkCurrent fails unless st.CurrentTime is now, or set for a storage with its
// own clock.
func (e *env) checkCurrent(what string, st storage.Status) {
	e.t.Helper()
	if e.ownClock() {
		if st.CurrentTime.IsZero() {
			e.t.Errorf("%s: CurrentTime is zero", what)
		}
		return
	}
	if !st.CurrentTime.Equal(e.now) {
		e.t.Errorf("%s: CurrentTime = %v, want now %v", what, st.CurrentTime, e.now)
	}
}

// checkFresh fails unless st is the status of a circuit never seen.
func (e *env) checkFresh(what string, st storage.Status) {
	e.t.Helper()
	if st.State != storage.StateClosed || st.Lock != storage.LockNone || !st.OpenedAt.IsZero() ||
		!st.ReservedAt.IsZero() || st.Failures != 0 || st.Samples != 0 || st.Stub {
		e.t.Errorf("%s: status = %+v, want closed, unlocked, never opened, unreserved, empty, not a stub", what, st)
	}
	e.checkCurrent(what, st)
}

// checkCounts fails unless st counts failures out of samples.
func (e *env) checkCounts(what string, st storage.Status, failures, samples int) {
	e.t.Helper()
	if st.Failures != failures || st.Samples != samples {
		e.t.Errorf("%s: %d failures of %d samples, want %d of %d", what, st.Failures, st.Samples, failures, samples)
	}
}

// checkState fails unless st is in state s.
func (e *env) checkState(what string, st storage.Status, s storage.State) {
	e.t.Helper()
	if st.State != s {
		e.t.Errorf("%s: state %v, want %v", what, st.State, s)
	}
}

func (e *env) status(name string, p storage.Policy) storage.Status {
	e.t.Helper()
	st, err := e.s.Status(e.ctx, name, p, e.now)
	if err != nil {
		e.t.Fatalf("Status(%q): %v", name, err)
	}
	return st
}

func (e *env) record(name string, p storage.Policy, o storage.Outcome) storage.Result {
	e.t.Helper()
	r, err := e.s.Record(e.ctx, name, p, e.now, o)
	if err != nil {
		e.t.Fatalf("Record(%q, %+v): %v", name, o, err)
	}
	return r
}

// recordN records o n times and returns the transitions, in order, that were not
// TransitionNone.
func (e *env) recordN(name string, p storage.Policy, o storage.Outcome, n int) []storage.Transition {
	e.t.Helper()
	var ts []storage.Transition
	for range n {
		if r := e.record(name, p, o); r.Transition != storage.TransitionNone {
			ts = append(ts, r.Transition)
		}
	}
	return ts
}

func (e *env) open(name string, p storage.Policy) bool {
	e.t.Helper()
	ok, err := e.s.Open(e.ctx, name, p, e.now)
	if err != nil {
		e.t.Fatalf("Open(%q): %v", name, err)
	}
	return ok
}

// mustOpen opens the circuit and returns its OpenedAt.
func (e *env) mustOpen(name string, p storage.Policy) time.Time {
	e.t.Helper()
	if !e.open(name, p) {
		e.t.Fatalf("Open(%q) on a closed circuit = false", name)
	}
	st := e.status(name, p)
	e.checkState("after Open", st, storage.StateOpen)
	e.checkNow("OpenedAt after Open", st.OpenedAt, st.CurrentTime)
	return st.OpenedAt
}

func (e *env) reopen(name string, p storage.Policy, previous time.Time) bool {
	e.t.Helper()
	ok, err := e.s.Reopen(e.ctx, name, p, e.now, previous)
	if err != nil {
		e.t.Fatalf("Reopen(%q, %v): %v", name, previous, err)
	}
	return ok
}

func (e *env) close(name string, p storage.Policy) bool {
	e.t.Helper()
	ok, err := e.s.Close(e.ctx, name, p, e.now)
	if err != nil {
		e.t.Fatalf("Close(%q): %v", name, err)
	}
	return ok
}

func (e *env) reserve(name string, p storage.Policy, previous time.Time) (time.Time, bool) {
	e.t.Helper()
	at, ok, err := e.s.Reserve(e.ctx, name, p, e.now, previous)
	if err != nil {
		e.t.Fatalf("Reserve(%q, %v): %v", name, previous, err)
	}
	return at, ok
}

// mustReserve reserves the probe against previous, failing the test unless the
// reservation is won, stamped now and shown by Status.
func (e *env) mustReserve(name string, p storage.Policy, previous time.Time) time.Time {
	e.t.Helper()
	at, ok := e.reserve(name, p, previous)
	if !ok {
		e.t.Fatalf("Reserve(%q, previous %v) = false, want true", name, previous)
	}
	st := e.status(name, p)
	e.checkNow("reservation", at, st.CurrentTime)
	if !st.ReservedAt.Equal(at) {
		e.t.Errorf("ReservedAt = %v after Reserve returned %v", st.ReservedAt, at)
	}
	return at
}

func (e *env) release(name string, p storage.Policy, reservedAt time.Time) bool {
	e.t.Helper()
	ok, err := e.s.Release(e.ctx, name, p, reservedAt)
	if err != nil {
		e.t.Fatalf("Release(%q, %v): %v", name, reservedAt, err)
	}
	return ok
}

func (e *env) lock(name string, l storage.Lock) {
	e.t.Helper()
	if err := e.s.Lock(e.ctx, name, l); err != nil {
		e.t.Fatalf("Lock(%q, %v): %v", name, l, err)
	}
}

func (e *env) unlock(name string) {
	e.t.Helper()
	if err := e.s.Unlock(e.ctx, name); err != nil {
		e.t.Fatalf("Unlock(%q): %v", name, err)
	}
}

func (e *env) reset(name string) {
	e.t.Helper()
	if err := e.s.Reset(e.ctx, name); err != nil {
		e.t.Fatalf("Reset(%q): %v", name, err)
	}
}

func (e *env) history(name string, p storage.Policy) []storage.Bucket {
	e.t.Helper()
	b, err := e.s.History(e.ctx, name, p, e.now)
	if err != nil {
		e.t.Fatalf("History(%q): %v", name, err)
	}
	return b
}

func (e *env) list() []string {
	e.t.Helper()
	names, err := e.s.List(e.ctx)
	if err != nil {
		e.t.Fatalf("List: %v", err)
	}
	return names
}

func (e *env) clear() {
	e.t.Helper()
	if err := e.s.Clear(e.ctx); err != nil {
		e.t.Fatalf("Clear: %v", err)
	}
}

// sums adds up the buckets' counts.
func sums(b []storage.Bucket) (successes, failures int) {
	for _, x := range b {
		successes += x.Successes
		failures += x.Failures
	}
	return successes, failures
}
