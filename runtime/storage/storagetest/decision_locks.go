package storagetest

import (
	"errors"
	"slices"
	"time"

	"github.com/breakergen/breakergen/runtime/storage"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func testLock(e *env) {
	for _, l := range []storage.Lock{storage.LockOpen, storage.LockClosed, storage.LockOpen} {
		e.lock("c", l)
		st := e.status("c", standard)
		assert.Equal(e.t, l, st.Lock, "Lock after Lock(%v)", l)
		e.checkState("a locked circuit", st, storage.StateClosed)
	}
	e.lock("c", storage.LockNone)
	assert.Equal(e.t, storage.LockNone, e.status("c", standard).Lock, "Lock after Lock(LockNone)")
	e.lock("never seen", storage.LockNone)
	e.checkFresh("after unlocking a circuit never seen", e.status("never seen", standard))
	e.lock("other", storage.LockClosed)
	assert.Equal(e.t, storage.LockNone, e.status("c", standard).Lock, "Lock of c after locking another circuit")
}

func testLockSurvivesTransitions(e *env) {
	e.lock("c", storage.LockClosed)
	assert.Equal(e.t, []storage.Transition{storage.TransitionOpened}, e.recordN("c", standard, failure, 3),
		"3 failures under a closed lock (outcomes still count)")
	st := e.status("c", standard)
	assert.Equal(e.t, storage.LockClosed, st.Lock, "Lock after opening")
	r := e.record("c", standard, storage.Outcome{Success: true, Probe: true, OpenedAt: st.OpenedAt})
	assert.Equal(e.t, storage.TransitionClosed, r.Transition, "a success under a closed lock on an open circuit")
	assert.Equal(e.t, storage.LockClosed, r.Status.Lock, "Lock in the result of the closing")
	assert.Equal(e.t, storage.LockClosed, e.status("c", standard).Lock, "Lock after closing")
	e.lock("c", storage.LockOpen)
	o := e.trip("c")
	e.advance(time.Second)
	r = e.record("c", standard, storage.Outcome{Probe: true, OpenedAt: o})
	assert.Equal(e.t, storage.TransitionReopened, r.Transition, "a probe's failure on a circuit locked open")
	assert.Equal(e.t, storage.LockOpen, e.status("c", standard).Lock, "Lock after opening and reopening (locks outlive transitions)")
}

func testInvalidLock(e *env) {
	err := e.handle("c", standard).Lock(e.ctx, e.now, storage.Lock(9))
	assert.True(e.t, errors.Is(err, storage.ErrInvalid), "Lock(9) = %v, want an error wrapping storage.ErrInvalid", err)
	assert.Equal(e.t, storage.LockNone, e.status("c", standard).Lock, "Lock after an invalid Lock")
}

func testReset(e *env) {
	e.trip("c")
	e.advance(coolDown + time.Second)
	e.mustReserve("c", standard)
	e.lock("c", storage.LockOpen)
	e.reset("c")
	e.checkFresh("after Reset", e.status("c", standard))
	_, ok := e.reserve("c", standard, time.Time{}, time.Time{})
	assert.False(e.t, ok, "Reserve after Reset (the circuit is closed)")
	r := e.record("c", standard, failure)
	assert.False(e.t, r.Transition != storage.TransitionNone || r.Status.Samples != 1,
		"one failure after Reset: transition %v, %d samples, want none and 1", r.Transition, r.Status.Samples)
	e.reset("never seen")
	e.checkFresh("after Reset of a circuit never seen", e.status("never seen", standard))
}

func testInvalidPolicy(e *env) {
	for _, p := range []storage.Policy{
		{},
		{CoolDown: time.Minute, EvaluationWindow: 0, RateThreshold: 0.5, SampleThreshold: 3},
		{CoolDown: time.Minute, EvaluationWindow: storage.MaxWindow + 1, RateThreshold: 0.5, SampleThreshold: 3},
		{CoolDown: storage.MaxCoolDown + 1, EvaluationWindow: time.Minute, RateThreshold: 0.5, SampleThreshold: 3},
		{CoolDown: time.Minute, EvaluationWindow: time.Minute, RateThreshold: 1.5, SampleThreshold: 3},
		{CoolDown: time.Minute, EvaluationWindow: time.Minute, RateThreshold: 0.5, SampleThreshold: 0},
	} {
		h, err := e.s.Bind("c", p)
		assert.True(e.t, errors.Is(err, storage.ErrInvalid) && h == nil,
			"Bind with %+v = %v, %v; want nil and an error wrapping storage.ErrInvalid", p, h, err)
	}
}

// testSecondBinding binds one circuit twice with different windows, as two
// Breakers sharing a storage (or two processes of a rolling deploy) do: neither
// may erase or hide the other's outcomes.
func testSecondBinding(e *env) {
	long := counting
	long.EvaluationWindow = 4 * window
	e.recordN("c", counting, failure, 4)
	e.checkCounts("through the first binding", e.status("c", counting), 4, 4)
	e.checkCounts("through a binding with a longer window", e.status("c", long), 4, 4)
	e.checkCounts("through the first binding after the second read", e.status("c", counting), 4, 4)
	e.recordN("c", long, success, 2)
	e.checkCounts("through the first binding after the second recorded", e.status("c", counting), 4, 6)
	e.checkCounts("through the second binding", e.status("c", long), 4, 6)
	o := e.record("c", standard, failure)
	require.Equal(e.t, storage.TransitionOpened, o.Transition, "a failure through a binding that opens at 3 samples")
	e.checkState("the first binding sees the opening", e.status("c", counting), storage.StateOpen)
}

// names are circuit names that a backend must keep apart.
var names = []string{
	"plain", "with space", "with:colon", "with:colon:state", "with", "{braces}", "}{", "a{b}c",
	"ünïcødé ✓", "日本語", "tab\there", "line\nbreak", "x", "x:", "%7B", "a%b",
}

func testIndependentCircuits(e *env) {
	for i, name := range names {
		e.recordN(name, counting, success, i+1)
	}
	e.lock(names[0], storage.LockOpen)
	e.recordN(names[1], standard, failure, 3)
	for i, name := range names {
		st := e.status(name, counting)
		wantLock, wantState, failures := storage.LockNone, storage.StateClosed, 0
		if i == 0 {
			wantLock = storage.LockOpen
		}
		if i == 1 {
			wantState, failures = storage.StateOpen, 3
		}
		e.checkCounts(name, st, failures, i+1+failures)
		assert.Equal(e.t, wantLock, st.Lock, "%q: lock", name)
		e.checkState(name, st, wantState)
	}
	e.reset(names[2])
	e.checkFresh(names[2]+" after its Reset", e.status(names[2], counting))
	e.checkCounts(names[3]+" after another circuit's Reset", e.status(names[3], counting), 0, 4)
	if a, ok := e.s.(storage.Admin); ok {
		got, err := a.List(e.ctx)
		require.NoError(e.t, err)
		want := slices.Sorted(slices.Values(names))
		want = slices.DeleteFunc(want, func(n string) bool { return n == names[2] })
		assert.Equal(e.t, want, got, "List keeps every name apart")
	}
}
