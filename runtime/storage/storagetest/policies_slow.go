package storagetest

import (
	"time"

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

// call is a call a gate let run: when it started and whether the gate
// tracks it in flight.
type call struct {
	start   time.Time
	tracked bool
}

// startCalls starts n calls of name, a millisecond apart (a gate tracks at
// least the first call of each millisecond), and returns them.
func (e *env) startCalls(name string, p storage.Policy, n int) []call {
	e.t.Helper()
	g := e.gate(name, p)
	var calls []call
	for range n {
		adm := g.AdmitAt(e.now.UnixNano())
		require.Contains(e.t, []storage.Verdict{storage.AdmitRun, storage.AdmitTrack}, adm.Verdict, "a call of a closed circuit")
		calls = append(calls, call{e.now, adm.Verdict == storage.AdmitTrack})
		e.advance(time.Millisecond)
	}
	return calls
}

// end ends c at now, as the runtime does: a tracked call's end goes to
// Gate.Ended, then its outcome o is recorded, or, with no outcome, the call
// is abandoned.
func (e *env) end(name string, p storage.Policy, c call, o *storage.Outcome) {
	e.t.Helper()
	g := e.gate(name, p)
	if c.tracked {
		g.Ended(e.now.UnixNano())
	}
	if o == nil {
		g.Abandoned(e.now.UnixNano())
		return
	}
	e.record(name, p, *o)
}

// testHungCallsOpen: calls that never end open the circuit once they are past
// SlowCall, within one bucket, with no outcome counted, and the transition is
// told to the handle's notifier.
func testHungCallsOpen(e *env) {
	p := slowPolicy
	e.supports(p)
	for i, c := range e.startCalls("c", p, 3) {
		assert.True(e.t, c.tracked, "call %d, the first of its millisecond, is tracked", i+1)
	}
	e.advance(p.SlowCall + bucketMax)
	assert.Equal(e.t, 3, e.status("c", p).Hung, "Status.Hung of 3 tracked calls in flight past SlowCall")
	adm := e.gate("c", p).AdmitAt(e.now.UnixNano())
	assert.Equal(e.t, storage.AdmitOpened, adm.Verdict, "the call that found the hung calls")
	st := e.status("c", p)
	assert.Equal(e.t, storage.StateOpen, st.State, "after 3 calls hung past SlowCall with no outcome")
	e.checkCounts("hung calls are no outcomes", st, 0, 0)
}

// testFinishedCallsNeverHang: calls that end in time are never hung, however
// many and however long ago they started.
func testFinishedCallsNeverHang(e *env) {
	p := slowPolicy
	e.supports(p)
	for range 200 {
		c := e.startCalls("c", p, 1)[0]
		e.advance(p.SlowCall / 5)
		e.end("c", p, c, &success)
	}
	e.advance(p.SlowCall + bucketMax)
	e.admitAt("c", p, 1)
	st := e.status("c", p)
	assert.Equal(e.t, storage.StateClosed, st.State, "after 200 calls that ended in time")
	assert.Zero(e.t, st.Hung, "Status.Hung")
}

// testAbandonedCallsNeverHang: calls whose outcome is not recorded are no
// longer in flight once they end.
func testAbandonedCallsNeverHang(e *env) {
	p := slowPolicy
	e.supports(p)
	for _, c := range e.startCalls("c", p, 3) {
		e.end("c", p, c, nil)
	}
	e.advance(p.SlowCall + bucketMax)
	e.admitAt("c", p, 1)
	st := e.status("c", p)
	assert.Equal(e.t, storage.StateClosed, st.State, "after 3 abandoned calls")
	assert.Zero(e.t, st.Hung, "Status.Hung")
}

// testHungAfterHealthyHistory: a dependency that starts hanging after a
// healthy stretch opens the circuit within SlowCall and a bucket too, though
// its hung calls are few beside the window's outcomes: SlowRate of the calls
// that started in a bucket are still in flight.
func testHungAfterHealthyHistory(e *env) {
	p := slowPolicy
	e.supports(p)
	for range 300 {
		c := e.startCalls("c", p, 1)[0]
		e.end("c", p, c, &success)
	}
	e.advance(bucketMax)
	e.startCalls("c", p, 20)
	e.advance(p.SlowCall + bucketMax)
	e.admitAt("c", p, 1)
	st := e.status("c", p)
	assert.Equal(e.t, storage.StateOpen, st.State, "20 calls hung after 300 that succeeded")
}
