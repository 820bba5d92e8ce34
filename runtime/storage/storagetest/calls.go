package storagetest

import (
	"time"

	"github.com/breakergen/breakergen/runtime/storage"
	"github.com/stretchr/testify/require"
)

func (e *env) status(name string, p storage.Policy) storage.Status {
	e.t.Helper()
	st, err := e.handle(name, p).Status(e.ctx, e.now)
	require.NoError(e.t, err, "Status(%q)", name)
	return st
}

func (e *env) record(name string, p storage.Policy, o storage.Outcome) storage.Result {
	e.t.Helper()
	r, err := e.handle(name, p).Record(e.ctx, e.now, o)
	require.NoError(e.t, err, "Record(%q, %+v)", name, o)
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

// trip opens a closed circuit of the standard policy through the decision path
// alone (three failures) and returns its OpenedAt.
func (e *env) trip(name string) time.Time {
	e.t.Helper()
	ts := e.recordN(name, standard, failure, standard.SampleThreshold)
	require.Equal(e.t, []storage.Transition{storage.TransitionOpened}, ts, "%d failures of %q", standard.SampleThreshold, name)
	st := e.status(name, standard)
	e.checkState("after tripping", st, storage.StateOpen)
	e.checkNow("OpenedAt after tripping", st.OpenedAt, st.CurrentTime)
	return st.OpenedAt
}

func (e *env) reserve(name string, p storage.Policy, openedAt, reservedAt time.Time) (time.Time, bool) {
	e.t.Helper()
	at, ok, err := e.handle(name, p).Reserve(e.ctx, e.now, openedAt, reservedAt)
	require.NoError(e.t, err, "Reserve(%q, %v, %v)", name, openedAt, reservedAt)
	return at, ok
}

// mustReserve reserves the probe against what a status read now shows, failing
// the test unless the reservation is won, stamped now and shown by Status.
func (e *env) mustReserve(name string, p storage.Policy) time.Time {
	e.t.Helper()
	seen := e.status(name, p)
	at, ok := e.reserve(name, p, seen.OpenedAt, seen.ReservedAt)
	require.True(e.t, ok, "Reserve(%q) against the current status %+v = false, want true", name, seen)
	st := e.status(name, p)
	e.checkNow("reservation", at, st.CurrentTime)
	require.True(e.t, st.ReservedAt.Equal(at), "ReservedAt = %v after Reserve returned %v", st.ReservedAt, at)
	return at
}

func (e *env) release(name string, p storage.Policy, reservedAt time.Time) bool {
	e.t.Helper()
	ok, err := e.handle(name, p).Release(e.ctx, e.now, reservedAt)
	require.NoError(e.t, err, "Release(%q, %v)", name, reservedAt)
	return ok
}

func (e *env) lock(name string, l storage.Lock) {
	e.t.Helper()
	require.NoError(e.t, e.handle(name, standard).Lock(e.ctx, e.now, l), "Lock(%q, %v)", name, l)
}

func (e *env) reset(name string) {
	e.t.Helper()
	require.NoError(e.t, e.handle(name, standard).Reset(e.ctx, e.now), "Reset(%q)", name)
}

func (e *env) open(name string, p storage.Policy) bool {
	e.t.Helper()
	ok, err := e.operator(name, p).Open(e.ctx, e.now)
	require.NoError(e.t, err, "Open(%q)", name)
	return ok
}

// mustOpen opens the circuit with Operator.Open and returns its OpenedAt.
func (e *env) mustOpen(name string, p storage.Policy) time.Time {
	e.t.Helper()
	require.True(e.t, e.open(name, p), "Open(%q) on a closed circuit = false", name)
	st := e.status(name, p)
	e.checkState("after Open", st, storage.StateOpen)
	e.checkNow("OpenedAt after Open", st.OpenedAt, st.CurrentTime)
	return st.OpenedAt
}

func (e *env) reopen(name string, p storage.Policy, previous time.Time) bool {
	e.t.Helper()
	ok, err := e.operator(name, p).Reopen(e.ctx, e.now, previous)
	require.NoError(e.t, err, "Reopen(%q, %v)", name, previous)
	return ok
}

func (e *env) close(name string, p storage.Policy) bool {
	e.t.Helper()
	ok, err := e.operator(name, p).Close(e.ctx, e.now)
	require.NoError(e.t, err, "Close(%q)", name)
	return ok
}

func (e *env) history(name string, p storage.Policy) []storage.Bucket {
	e.t.Helper()
	b, err := e.operator(name, p).History(e.ctx, e.now)
	require.NoError(e.t, err, "History(%q)", name)
	return b
}

func (e *env) list() []string {
	e.t.Helper()
	names, err := e.admin().List(e.ctx)
	require.NoError(e.t, err, "List")
	return names
}

func (e *env) clear() {
	e.t.Helper()
	require.NoError(e.t, e.admin().Clear(e.ctx), "Clear")
}
