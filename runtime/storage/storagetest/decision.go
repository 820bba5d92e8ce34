package storagetest

import (
	"time"

	"github.com/breakergen/breakergen/runtime/storage"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// decisionCases check the decision path: Bind and the Handle methods.
var decisionCases = []testCase{
	{"NeverSeen", testNeverSeen},
	{"CurrentTime", testCurrentTime},
	{"RecordCounts", testRecordCounts},
	{"WindowExpiry", testWindowExpiry},
	{"ThresholdOpensOnce", testThresholdOpensOnce},
	{"RateThresholdInclusive", testRateThresholdInclusive},
	{"SampleThreshold", testSampleThreshold},
	{"OutcomesWhileOpen", testOutcomesWhileOpen},
	{"Reserve", testReserve},
	{"ReserveComparesOpenedAt", testReserveComparesOpenedAt},
	{"Release", testRelease},
	{"ProbeSuccessCloses", testProbeSuccessCloses},
	{"ProbeFailureReopens", testProbeFailureReopens},
	{"Lock", testLock},
	{"LockSurvivesTransitions", testLockSurvivesTransitions},
	{"InvalidLock", testInvalidLock},
	{"Reset", testReset},
	{"InvalidPolicy", testInvalidPolicy},
	{"SecondBinding", testSecondBinding},
	{"IndependentCircuits", testIndependentCircuits},
	{"HotPath", testHotPath},
	{"ConcurrentReserve", testConcurrentReserve},
	{"ConcurrentRecord", testConcurrentRecord},
	{"ReservationModel", testReservationModel},
}

func testNeverSeen(e *env) {
	e.checkFresh("Status of a circuit never seen", e.status("never seen", standard))
}

func testCurrentTime(e *env) {
	before := e.status("c", standard)
	e.checkCurrent("first status", before)
	e.advance(time.Hour)
	after := e.status("c", standard)
	e.checkCurrent("status an hour later", after)
	d := after.CurrentTime.Sub(before.CurrentTime)
	assert.True(e.t, d >= time.Hour && d <= time.Hour+slack, "CurrentTime moved by %v after advancing an hour", d)
}

func testRecordCounts(e *env) {
	r := e.record("c", counting, success)
	assert.Equal(e.t, storage.TransitionNone, r.Transition, "Record(success) on a closed circuit")
	e.checkCounts("Result.Status after one success", r.Status, 0, 1)
	e.checkState("Result.Status after one success", r.Status, storage.StateClosed)
	e.checkCurrent("Result.Status after one success", r.Status)
	e.record("c", counting, failure)
	r = e.record("c", counting, success)
	e.checkCounts("Result.Status after success, failure, success", r.Status, 1, 3)
	st := e.status("c", counting)
	e.checkCounts("Status after success, failure, success", st, 1, 3)
	e.checkState("Status after success, failure, success", st, storage.StateClosed)
}

func testWindowExpiry(e *env) {
	e.recordN("c", standard, failure, 2)
	e.advance(window / 5)
	e.checkCounts("a fifth of a window later", e.status("c", standard), 2, 2)
	e.advance(3 * window)
	e.checkCounts("three windows later", e.status("c", standard), 0, 0)
	r := e.record("c", standard, failure)
	assert.Equal(e.t, storage.TransitionNone, r.Transition, "a failure after the window expired (expired failures must not count)")
	e.checkCounts("one failure after the window expired", r.Status, 1, 1)
}

func testThresholdOpensOnce(e *env) {
	assert.Empty(e.t, e.recordN("c", standard, success, 1), "a success")
	assert.Empty(e.t, e.recordN("c", standard, failure, 1), "1 failure of 2 samples (threshold 3)")
	r := e.record("c", standard, failure)
	require.Equal(e.t, storage.TransitionOpened, r.Transition, "2 failures of 3 samples")
	e.checkState("Result.Status of the opening record", r.Status, storage.StateOpen)
	e.checkCounts("Result.Status of the opening record", r.Status, 2, 3)
	st := e.status("c", standard)
	e.checkState("Status after opening", st, storage.StateOpen)
	e.checkNow("OpenedAt", st.OpenedAt, st.CurrentTime)
	assert.True(e.t, r.Status.OpenedAt.Equal(st.OpenedAt), "Result.Status.OpenedAt = %v, Status.OpenedAt = %v", r.Status.OpenedAt, st.OpenedAt)
	openedAt := st.OpenedAt
	e.advance(time.Second)
	assert.Empty(e.t, e.recordN("c", standard, failure, 5), "failures on an open circuit (one opened per transition)")
	st = e.status("c", standard)
	e.checkState("after more failures", st, storage.StateOpen)
	assert.True(e.t, st.OpenedAt.Equal(openedAt), "OpenedAt moved from %v to %v on failures that were not probes", openedAt, st.OpenedAt)
}

func testRateThresholdInclusive(e *env) {
	e.recordN("c", standard, success, 2)
	assert.Empty(e.t, e.recordN("c", standard, failure, 1), "1 failure of 3 (rate 0.33 < 0.5)")
	assert.Equal(e.t, []storage.Transition{storage.TransitionOpened}, e.recordN("c", standard, failure, 1),
		"2 failures of 4 (rate 0.5 = threshold)")
}

func testSampleThreshold(e *env) {
	p := standard
	p.SampleThreshold = 5
	assert.Empty(e.t, e.recordN("c", p, failure, 4), "4 failures of 4 samples (threshold 5)")
	assert.Equal(e.t, []storage.Transition{storage.TransitionOpened}, e.recordN("c", p, failure, 1), "5 failures of 5 samples")
	assert.Empty(e.t, e.recordN("c", p, success, 3), "successes on an open circuit")
}

func testOutcomesWhileOpen(e *env) {
	openedAt := e.trip("c")
	for _, o := range []storage.Outcome{success, failure, success} {
		r := e.record("c", standard, o)
		assert.Equal(e.t, storage.TransitionNone, r.Transition, "Record(%+v), not a probe, on an open circuit", o)
	}
	st := e.status("c", standard)
	e.checkState("after outcomes that were not probes", st, storage.StateOpen)
	assert.True(e.t, st.OpenedAt.Equal(openedAt), "OpenedAt moved from %v to %v", openedAt, st.OpenedAt)
}

func testReserve(e *env) {
	_, ok := e.reserve("never seen", standard, time.Time{}, time.Time{})
	assert.False(e.t, ok, "Reserve on a circuit never seen")
	e.record("c", standard, failure)
	_, ok = e.reserve("c", standard, time.Time{}, time.Time{})
	assert.False(e.t, ok, "Reserve on a closed circuit")
	e.recordN("c", standard, failure, 2)
	o1 := e.status("c", standard).OpenedAt
	e.advance(coolDown + time.Second)
	r1 := e.mustReserve("c", standard)
	_, ok = e.reserve("c", standard, o1, time.Time{})
	assert.False(e.t, ok, "a second Reserve against no reservation")
	_, ok = e.reserve("c", standard, o1, r1.Add(time.Millisecond))
	assert.False(e.t, ok, "Reserve against a wrong reservation")
	require.True(e.t, e.status("c", standard).ReservedAt.Equal(r1), "ReservedAt moved on lost Reserves")
	e.advance(time.Second)
	r2, ok := e.reserve("c", standard, o1, r1)
	require.True(e.t, ok, "Reserve against the current reservation")
	assert.True(e.t, r2.After(r1), "a Reserve a second later stored %v, want after %v", r2, r1)
	_, ok = e.reserve("c", standard, o1, r1)
	assert.False(e.t, ok, "a late Reserve against the replaced reservation")
	// The reservation expires for the runtime after the cool-down; whatever the
	// storage now shows, a Reserve against it wins.
	e.advance(coolDown + time.Second)
	stale := e.status("c", standard).ReservedAt
	r3 := e.mustReserve("c", standard)
	assert.True(e.t, r3.After(r2), "Reserve against a stale reservation stored %v, want after %v", r3, r2)
	_, ok = e.reserve("c", standard, o1, stale)
	assert.False(e.t, ok, "a second Reserve against the same stale reservation")
}

// testReserveComparesOpenedAt forces the interleaving of a stale caller: it saw
// the circuit half-open in one open period, and tries to reserve after another
// caller's probe closed it and failures opened it again. It must lose, or it
// would probe during the new period's cool-down.
func testReserveComparesOpenedAt(e *env) {
	o1 := e.trip("c")
	e.advance(coolDown + time.Second)
	stale := e.status("c", standard) // half-open, unreserved: what the slow caller saw
	e.mustReserve("c", standard)
	r := e.record("c", standard, storage.Outcome{Success: true, Probe: true, OpenedAt: o1})
	require.Equal(e.t, storage.TransitionClosed, r.Transition, "the probe's success")
	e.advance(time.Second)
	o2 := e.trip("c")
	require.False(e.t, o2.Equal(o1), "the second opening kept OpenedAt %v", o1)
	_, ok := e.reserve("c", standard, stale.OpenedAt, stale.ReservedAt)
	assert.False(e.t, ok, "a Reserve against the previous open period won the new one's reservation")
	st := e.status("c", standard)
	assert.True(e.t, st.ReservedAt.IsZero(), "ReservedAt = %v after the stale Reserve", st.ReservedAt)
	_, ok = e.reserve("c", standard, o2, time.Time{})
	assert.True(e.t, ok, "a Reserve against the current open period")
}

func testRelease(e *env) {
	assert.False(e.t, e.release("never seen", standard, start), "Release on a circuit never seen")
	e.trip("c")
	e.advance(coolDown + time.Second)
	r1 := e.mustReserve("c", standard)
	assert.False(e.t, e.release("c", standard, r1.Add(time.Millisecond)), "Release of another reservation")
	require.True(e.t, e.status("c", standard).ReservedAt.Equal(r1), "ReservedAt moved on a Release of another reservation")
	require.True(e.t, e.release("c", standard, r1), "Release of the current reservation")
	st := e.status("c", standard)
	assert.True(e.t, st.ReservedAt.IsZero(), "ReservedAt = %v after Release", st.ReservedAt)
	e.checkState("after Release", st, storage.StateOpen)
	assert.False(e.t, e.release("c", standard, r1), "a second Release")
	e.mustReserve("c", standard)
}

func testProbeSuccessCloses(e *env) {
	openedAt := e.trip("c")
	e.advance(coolDown + time.Second)
	e.mustReserve("c", standard)
	r := e.record("c", standard, storage.Outcome{Success: true, Probe: true, OpenedAt: openedAt})
	require.Equal(e.t, storage.TransitionClosed, r.Transition, "the probe's success")
	for what, st := range map[string]storage.Status{"Result.Status": r.Status, "Status": e.status("c", standard)} {
		e.checkState(what+" after the probe's success", st, storage.StateClosed)
		assert.True(e.t, st.ReservedAt.IsZero(), "%s after the probe's success: ReservedAt = %v", what, st.ReservedAt)
		assert.False(e.t, st.Failures != 0 || st.Samples > 1, "%s after the probe's success: %d failures of %d, want a fresh window", what, st.Failures, st.Samples)
	}
	r = e.record("c", standard, storage.Outcome{Success: true, Probe: true, OpenedAt: openedAt})
	assert.Equal(e.t, storage.TransitionNone, r.Transition, "a probe's success on a closed circuit (one closed per transition)")
	assert.Empty(e.t, e.recordN("c", standard, failure, 1), "one failure after closing (the window starts afresh)")
}

func testProbeFailureReopens(e *env) {
	o1 := e.trip("c")
	e.advance(coolDown + time.Second)
	r1 := e.mustReserve("c", standard)
	r := e.record("c", standard, storage.Outcome{Probe: true, OpenedAt: o1})
	require.Equal(e.t, storage.TransitionReopened, r.Transition, "the probe's failure")
	e.checkState("Result.Status after the probe's failure", r.Status, storage.StateOpen)
	st := e.status("c", standard)
	e.checkState("after the probe's failure", st, storage.StateOpen)
	e.checkNow("OpenedAt after the probe's failure", st.OpenedAt, st.CurrentTime)
	assert.True(e.t, st.OpenedAt.After(o1) && r.Status.OpenedAt.Equal(st.OpenedAt),
		"OpenedAt = %v (Result.Status %v) after the probe's failure, want a new one after %v", st.OpenedAt, r.Status.OpenedAt, o1)
	assert.True(e.t, st.ReservedAt.Equal(r1), "ReservedAt = %v after the probe's failure, want %v kept", st.ReservedAt, r1)
	_, ok := e.reserve("c", standard, o1, time.Time{})
	assert.False(e.t, ok, "a late Reserve against no reservation after the reopening")
	o2 := st.OpenedAt
	e.advance(time.Second)
	r = e.record("c", standard, storage.Outcome{Probe: true, OpenedAt: o1})
	assert.Equal(e.t, storage.TransitionNone, r.Transition, "a late probe's failure against a replaced OpenedAt")
	assert.True(e.t, e.status("c", standard).OpenedAt.Equal(o2), "OpenedAt moved on a late probe's failure")
	r = e.record("c", standard, storage.Outcome{Success: true, Probe: true, OpenedAt: o1})
	assert.Equal(e.t, storage.TransitionNone, r.Transition,
		"a late probe's success (it outlived its reservation) against a circuit reopened since")
	e.checkState("after a late probe's success", e.status("c", standard), storage.StateOpen)
}
