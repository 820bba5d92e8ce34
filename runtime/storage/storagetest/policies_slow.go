package storagetest

import (
	"github.com/breakergen/breakergen/runtime/storage"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

var (
	slowSuccess = storage.Outcome{Success: true, Slow: true}
	slowFailure = storage.Outcome{Slow: true}
)

// testSlowOutcomes: slow outcomes are counted, as outcomes and as slow, and
// open the circuit when their share reaches SlowRate.
func testSlowOutcomes(e *env) {
	p := slowPolicy
	e.supports(p)
	assert.Empty(e.t, e.recordN("c", p, success, 3), "three successes")
	assert.Empty(e.t, e.recordN("c", p, slowSuccess, 2), "2 slow of 5")
	st := e.status("c", p)
	e.checkCounts("after 3 successes and 2 slow ones", st, 0, 5)
	assert.Equal(e.t, 2, st.Slow, "Status.Slow")
	r := e.record("c", p, slowFailure)
	assert.Equal(e.t, storage.TransitionOpened, r.Transition, "3 slow of 6 reach SlowRate 0.5")
	assert.Equal(e.t, 3, r.Status.Slow, "Result.Status.Slow")
}

// testSlowProbeFails: a probe that succeeded slowly reopens the circuit.
func testSlowProbeFails(e *env) {
	p := slowPolicy
	e.supports(p)
	e.tripWith("c", p)
	e.advance(coolDown)
	r := e.probe("c", p, slowSuccess)
	assert.Equal(e.t, storage.TransitionReopened, r.Transition, "a slow probe's success")
}

// testHungCallsOpen: calls that never end open the circuit once they are past
// SlowCall, within one bucket, with no outcome counted, and the transition is
// told to the handle's notifier.
func testHungCallsOpen(e *env) {
	p := slowPolicy
	e.supports(p)
	told := e.transitions("c", p)
	run, _ := e.admitAt("c", p, 3)
	require.Equal(e.t, 3, run, "calls of a fresh circuit")
	e.advance(p.SlowCall + bucketMax)
	assert.GreaterOrEqual(e.t, e.status("c", p).Hung, 3, "Status.Hung of 3 calls in flight past SlowCall")
	e.admitAt("c", p, 1)
	st := e.status("c", p)
	assert.Equal(e.t, storage.StateOpen, st.State, "after 3 calls hung past SlowCall with no outcome")
	e.checkCounts("hung calls are no outcomes", st, 0, 0)
	if assert.Len(e.t, *told, 1, "transitions told") {
		assert.Equal(e.t, storage.TransitionOpened, (*told)[0].Transition)
	}
}

// testFinishedCallsNeverHang: calls that end in time are never hung, however
// many and however long ago they started.
func testFinishedCallsNeverHang(e *env) {
	p := slowPolicy
	e.supports(p)
	for range 200 {
		run, _ := e.admitAt("c", p, 1)
		require.Equal(e.t, 1, run)
		e.advance(p.SlowCall / 5)
		e.record("c", p, success)
	}
	e.advance(p.SlowCall + bucketMax)
	e.admitAt("c", p, 1)
	st := e.status("c", p)
	assert.Equal(e.t, storage.StateClosed, st.State, "after 200 calls that ended in time")
	assert.Zero(e.t, st.Hung, "Status.Hung")
}

// testAbandonedCallsNeverHang: calls whose outcome is not recorded
// (Gate.Abandoned) are no longer in flight.
func testAbandonedCallsNeverHang(e *env) {
	p := slowPolicy
	e.supports(p)
	g := e.gate("c", p)
	e.admitAt("c", p, 3)
	for range 3 {
		g.Abandoned(e.now.UnixNano())
	}
	e.advance(p.SlowCall + bucketMax)
	e.admitAt("c", p, 1)
	st := e.status("c", p)
	assert.Equal(e.t, storage.StateClosed, st.State, "after 3 abandoned calls")
	assert.Zero(e.t, st.Hung, "Status.Hung")
}
