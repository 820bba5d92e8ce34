package storagetest

import (
	"fmt"
	"time"

	"github.com/breakergen/breakergen/runtime/storage"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// failProbe waits out the cool-down of name and fails its probe, returning
// the status after the reopening.
func (e *env) failProbe(name string, p storage.Policy) storage.Status {
	e.t.Helper()
	e.advance(coolDownOf(e.status(name, p), p))
	r := e.probe(name, p, failure)
	require.Equal(e.t, storage.TransitionReopened, r.Transition, "a failed probe of %q", name)
	return r.Status
}

// checkBackoff checks that cool is nominal less a jitter of at most a fifth,
// and never below CoolDown.
func checkBackoff(e *env, what string, cool, nominal time.Duration) {
	e.t.Helper()
	lo := max(nominal-nominal/5, coolDown)
	assert.True(e.t, cool >= lo && cool <= nominal, "%s: cool-down %v outside [%v, %v]", what, cool, lo, nominal)
}

// testBackoffDoubles: each failed probe doubles the cool-down, with jitter,
// up to CoolDownMax.
func testBackoffDoubles(e *env) {
	p := backoffPolicy
	e.supports(p)
	e.tripWith("c", p)
	assert.Equal(e.t, coolDown, coolDownOf(e.status("c", p), p), "the first cool-down")
	for i, nominal := range []time.Duration{2 * coolDown, 4 * coolDown, 8 * coolDown, 8 * coolDown} {
		what := fmt.Sprintf("after failed probe %d", i+1)
		checkBackoff(e, what+", Result.Status", coolDownOf(e.failProbe("c", p), p), nominal)
		st := e.status("c", p)
		checkBackoff(e, what+", Status", coolDownOf(st, p), nominal)
		e.checkState(what, st, storage.StateOpen)
	}
}

// testBackoffJitters: two circuits that fail their probes at the same
// instants do not get the same cool-downs, so they do not probe together.
func testBackoffJitters(e *env) {
	p := backoffPolicy
	e.supports(p)
	e.tripWith("a", p)
	e.tripWith("b", p)
	same := 0
	for range 4 {
		e.advance(8 * coolDown)
		a, b := e.probe("a", p, failure), e.probe("b", p, failure)
		if coolDownOf(a.Status, p) == coolDownOf(b.Status, p) {
			same++
		}
	}
	assert.Less(e.t, same, 4, "two circuits got the same four backed-off cool-downs")
}

// testBackoffResetsOnClose: a probe's success closes the circuit, and the
// next opening lasts CoolDown again.
func testBackoffResetsOnClose(e *env) {
	p := backoffPolicy
	e.supports(p)
	e.tripWith("c", p)
	e.failProbe("c", p)
	e.failProbe("c", p)
	e.advance(8 * coolDown)
	r := e.probe("c", p, success)
	require.Equal(e.t, storage.TransitionClosed, r.Transition, "a successful probe")
	e.tripWith("c", p)
	assert.Equal(e.t, coolDown, coolDownOf(e.status("c", p), p), "the cool-down after a close")
}

// closeWithProbe trips name, waits out its cool-down and closes it with a
// successful probe, returning the instant it closed.
func (e *env) closeWithProbe(name string, p storage.Policy) time.Time {
	e.t.Helper()
	e.tripWith(name, p)
	e.advance(coolDownOf(e.status(name, p), p))
	r := e.probe(name, p, success)
	require.Equal(e.t, storage.TransitionClosed, r.Transition, "a successful probe of %q", name)
	return r.Status.ClosedAt
}

// testRampAdmitsTheSchedule: after a close, the share of calls admitted
// grows linearly over Ramp, within a tenth, and the rest are rejected.
func testRampAdmitsTheSchedule(e *env) {
	p := rampPolicy
	e.supports(p)
	closedAt := e.closeWithProbe("c", p)
	e.checkNow("Status.ClosedAt of a ramp", closedAt, e.status("c", p).CurrentTime)
	const calls = 200
	for step := 1; step <= 9; step++ {
		e.advance(p.Ramp / 10)
		run, rejected := e.admitAt("c", p, calls)
		want := calls * step / 10
		assert.Equal(e.t, calls, run+rejected, "every call of the ramp is run or rejected")
		assert.InDelta(e.t, want, run, calls/10, "calls admitted %d%% into the ramp", step*10)
	}
	e.advance(p.Ramp / 10)
	run, _ := e.admitAt("c", p, calls)
	assert.Equal(e.t, calls, run, "calls admitted once the ramp is over")
}

// testRampFailureReopens: failures that fail the threshold during the ramp
// open the circuit again, with the cool-down backed off as after a failed
// probe.
func testRampFailureReopens(e *env) {
	p := rampPolicy
	p.CoolDownMax = 8 * coolDown
	e.supports(p)
	e.closeWithProbe("c", p)
	e.advance(p.Ramp / 2)
	ts := e.recordN("c", p, failure, p.SampleThreshold)
	assert.Equal(e.t, []storage.Transition{storage.TransitionOpened}, ts, "failures during the ramp")
	checkBackoff(e, "after a failed ramp", coolDownOf(e.status("c", p), p), 2*coolDown)
}

// reserveAny reserves one of several probes of name.
func (e *env) reserveAny(name string, p storage.Policy) (time.Time, bool) {
	e.t.Helper()
	st := e.status(name, p)
	return e.reserve(name, p, st.OpenedAt, st.ReservedAt)
}

// testSeveralProbes: HalfOpenProbes reservations stand at once, no more,
// and the circuit closes after that many successes.
func testSeveralProbes(e *env) {
	p := probesPolicy
	e.supports(p)
	openedAt := e.tripWith("c", p)
	e.advance(coolDown)
	for i := range 3 {
		_, ok := e.reserveAny("c", p)
		require.True(e.t, ok, "reservation %d of 3", i+1)
	}
	_, ok := e.reserveAny("c", p)
	assert.False(e.t, ok, "a fourth reservation")
	assert.Equal(e.t, 3, e.status("c", p).Probes, "Status.Probes")
	passed := storage.Outcome{Success: true, Probe: true, OpenedAt: openedAt}
	for i := range 2 {
		r := e.record("c", p, passed)
		assert.Equal(e.t, storage.TransitionNone, r.Transition, "success %d of 3", i+1)
		assert.Equal(e.t, i+1, r.Status.Passed, "Status.Passed")
	}
	r := e.record("c", p, passed)
	assert.Equal(e.t, storage.TransitionClosed, r.Transition, "the third success")
}

// testSeveralProbesFailure: one failed probe of several reopens the circuit.
func testSeveralProbesFailure(e *env) {
	p := probesPolicy
	e.supports(p)
	openedAt := e.tripWith("c", p)
	e.advance(coolDown)
	for range 3 {
		e.reserveAny("c", p)
	}
	e.record("c", p, storage.Outcome{Success: true, Probe: true, OpenedAt: openedAt})
	r := e.record("c", p, storage.Outcome{Probe: true, OpenedAt: openedAt})
	assert.Equal(e.t, storage.TransitionReopened, r.Transition, "a failed probe of three")
	assert.Zero(e.t, r.Status.Passed, "Status.Passed after the reopening")
}

// testSeveralProbesRelease: a released reservation lets another probe in.
func testSeveralProbesRelease(e *env) {
	p := probesPolicy
	e.supports(p)
	e.tripWith("c", p)
	e.advance(coolDown)
	var first time.Time
	for i := range 3 {
		at, _ := e.reserveAny("c", p)
		if i == 0 {
			first = at
		}
	}
	assert.True(e.t, e.release("c", p, first), "releasing one of three")
	_, ok := e.reserveAny("c", p)
	assert.True(e.t, ok, "a reservation after a release")
}
