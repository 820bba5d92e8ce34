package storagetest

import (
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"github.com/breakergen/breakergen/runtime/storage"
)

// cases are the suite's subtests, in the order they run.
var cases = []struct {
	name string
	run  func(e *env)
}{
	{"NeverSeen", testNeverSeen},
	{"CurrentTime", testCurrentTime},
	{"RecordCounts", testRecordCounts},
	{"WindowExpiry", testWindowExpiry},
	{"ThresholdOpensOnce", testThresholdOpensOnce},
	{"RateThresholdInclusive", testRateThresholdInclusive},
	{"SampleThreshold", testSampleThreshold},
	{"Open", testOpen},
	{"HalfOpenIsStoredOpen", testHalfOpenIsStoredOpen},
	{"OutcomesWhileOpen", testOutcomesWhileOpen},
	{"Reopen", testReopen},
	{"Close", testClose},
	{"Reserve", testReserve},
	{"ReopenKeepsReservation", testReopenKeepsReservation},
	{"Release", testRelease},
	{"ProbeSuccessCloses", testProbeSuccessCloses},
	{"ProbeFailureReopens", testProbeFailureReopens},
	{"Lock", testLock},
	{"LockSurvivesTransitions", testLockSurvivesTransitions},
	{"Reset", testReset},
	{"History", testHistory},
	{"ListAndClear", testListAndClear},
	{"IndependentCircuits", testIndependentCircuits},
	{"ConcurrentReserve", testConcurrentReserve},
	{"ConcurrentRecord", testConcurrentRecord},
	{"ConcurrentOpenClose", testConcurrentOpenClose},
}

// goroutines is how many goroutines race in the concurrency subtests.
const goroutines = 64

func testNeverSeen(e *env) {
	e.checkFresh("Status of a circuit never seen", e.status("never seen", standard))
	if s, f := sums(e.history("never seen", standard)); s != 0 || f != 0 {
		e.t.Errorf("History of a circuit never seen counts %d successes, %d failures, want none", s, f)
	}
	e.t.Logf("FaultTolerant() = %v", e.s.FaultTolerant())
}

func testCurrentTime(e *env) {
	before := e.status("c", standard)
	e.checkCurrent("first status", before)
	e.advance(time.Hour)
	after := e.status("c", standard)
	e.checkCurrent("status an hour later", after)
	if d := after.CurrentTime.Sub(before.CurrentTime); d < time.Hour || d > time.Hour+slack {
		e.t.Errorf("CurrentTime moved by %v after advancing an hour", d)
	}
}

func testRecordCounts(e *env) {
	r := e.record("c", counting, success)
	if r.Transition != storage.TransitionNone {
		e.t.Errorf("Record(success) on a closed circuit: transition %v, want none", r.Transition)
	}
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
	if r.Transition != storage.TransitionNone {
		e.t.Errorf("a failure after the window expired: transition %v, want none (expired failures must not count)", r.Transition)
	}
	e.checkCounts("one failure after the window expired", r.Status, 1, 1)
	if s, f := sums(e.history("c", standard)); s != 0 || f != 1 {
		e.t.Errorf("History after expiry counts %d successes, %d failures, want 0, 1", s, f)
	}
}

func testThresholdOpensOnce(e *env) {
	if ts := e.recordN("c", standard, success, 1); ts != nil {
		e.t.Errorf("a success: transitions %v, want none", ts)
	}
	if ts := e.recordN("c", standard, failure, 1); ts != nil {
		e.t.Errorf("1 failure of 2 samples (threshold 3): transitions %v, want none", ts)
	}
	r := e.record("c", standard, failure)
	if r.Transition != storage.TransitionOpened {
		e.t.Fatalf("2 failures of 3 samples: transition %v, want opened", r.Transition)
	}
	e.checkState("Result.Status of the opening record", r.Status, storage.StateOpen)
	e.checkCounts("Result.Status of the opening record", r.Status, 2, 3)
	st := e.status("c", standard)
	e.checkState("Status after opening", st, storage.StateOpen)
	e.checkNow("OpenedAt", st.OpenedAt, st.CurrentTime)
	if !r.Status.OpenedAt.Equal(st.OpenedAt) {
		e.t.Errorf("Result.Status.OpenedAt = %v, Status.OpenedAt = %v", r.Status.OpenedAt, st.OpenedAt)
	}
	openedAt := st.OpenedAt
	e.advance(time.Second)
	if ts := e.recordN("c", standard, failure, 5); ts != nil {
		e.t.Errorf("failures on an open circuit: transitions %v, want none (one opened per transition)", ts)
	}
	st = e.status("c", standard)
	e.checkState("after more failures", st, storage.StateOpen)
	if !st.OpenedAt.Equal(openedAt) {
		e.t.Errorf("OpenedAt moved from %v to %v on failures that were not probes", openedAt, st.OpenedAt)
	}
}

func testRateThresholdInclusive(e *env) {
	e.recordN("c", standard, success, 2)
	if ts := e.recordN("c", standard, failure, 1); ts != nil {
		e.t.Errorf("1 failure of 3 (rate 0.33 < 0.5): transitions %v, want none", ts)
	}
	if ts := e.recordN("c", standard, failure, 1); !slices.Equal(ts, []storage.Transition{storage.TransitionOpened}) {
		e.t.Errorf("2 failures of 4 (rate 0.5 = threshold): transitions %v, want [opened]", ts)
	}
}

func testSampleThreshold(e *env) {
	p := standard
	p.SampleThreshold = 5
	if ts := e.recordN("c", p, failure, 4); ts != nil {
		e.t.Errorf("4 failures of 4 samples (threshold 5): transitions %v, want none", ts)
	}
	if ts := e.recordN("c", p, failure, 1); !slices.Equal(ts, []storage.Transition{storage.TransitionOpened}) {
		e.t.Errorf("5 failures of 5 samples: transitions %v, want [opened]", ts)
	}
	if ts := e.recordN("c", p, success, 3); ts != nil {
		e.t.Errorf("successes on an open circuit: transitions %v, want none", ts)
	}
}

func testOpen(e *env) {
	openedAt := e.mustOpen("c", standard)
	e.advance(time.Second)
	if e.open("c", standard) {
		e.t.Error("Open on an open circuit = true, want false")
	}
	if st := e.status("c", standard); !st.OpenedAt.Equal(openedAt) {
		e.t.Errorf("OpenedAt moved from %v to %v on a second Open", openedAt, st.OpenedAt)
	}
}

func testHalfOpenIsStoredOpen(e *env) {
	openedAt := e.mustOpen("c", standard)
	e.advance(coolDown + time.Second)
	st := e.status("c", standard)
	e.checkState("a cool-down after opening (half-open)", st, storage.StateOpen)
	if !st.OpenedAt.Equal(openedAt) {
		e.t.Errorf("OpenedAt moved from %v to %v while the cool-down elapsed", openedAt, st.OpenedAt)
	}
	if d := st.CurrentTime.Sub(st.OpenedAt); d < coolDown {
		e.t.Errorf("CurrentTime - OpenedAt = %v after advancing past the cool-down %v", d, coolDown)
	}
}

func testOutcomesWhileOpen(e *env) {
	openedAt := e.mustOpen("c", standard)
	for _, o := range []storage.Outcome{success, failure, success} {
		if r := e.record("c", standard, o); r.Transition != storage.TransitionNone {
			e.t.Errorf("Record(%+v), not a probe, on an open circuit: transition %v, want none", o, r.Transition)
		}
	}
	st := e.status("c", standard)
	e.checkState("after outcomes that were not probes", st, storage.StateOpen)
	if !st.OpenedAt.Equal(openedAt) {
		e.t.Errorf("OpenedAt moved from %v to %v", openedAt, st.OpenedAt)
	}
}

func testReopen(e *env) {
	if e.reopen("never seen", standard, time.Time{}) {
		e.t.Error("Reopen on a circuit never seen = true, want false")
	}
	e.record("closed", standard, success)
	if e.reopen("closed", standard, time.Time{}) {
		e.t.Error("Reopen on a closed circuit = true, want false")
	}
	o1 := e.mustOpen("c", standard)
	e.advance(coolDown + time.Second)
	for _, stale := range []time.Time{{}, o1.Add(-time.Second), o1.Add(time.Second)} {
		if e.reopen("c", standard, stale) {
			e.t.Errorf("Reopen with previous %v, not the current OpenedAt %v = true, want false", stale, o1)
		}
	}
	if st := e.status("c", standard); !st.OpenedAt.Equal(o1) {
		e.t.Fatalf("OpenedAt moved from %v to %v on failed Reopens", o1, st.OpenedAt)
	}
	if !e.reopen("c", standard, o1) {
		e.t.Fatal("Reopen with the current OpenedAt = false, want true")
	}
	st := e.status("c", standard)
	e.checkState("after Reopen", st, storage.StateOpen)
	e.checkNow("OpenedAt after Reopen", st.OpenedAt, st.CurrentTime)
	if !st.OpenedAt.After(o1) {
		e.t.Errorf("OpenedAt after Reopen = %v, want after %v", st.OpenedAt, o1)
	}
	o2 := st.OpenedAt
	e.advance(time.Second)
	if e.reopen("c", standard, o1) {
		e.t.Error("a late Reopen against the replaced OpenedAt = true, want false")
	}
	if st := e.status("c", standard); !st.OpenedAt.Equal(o2) {
		e.t.Errorf("OpenedAt moved from %v to %v on a late Reopen", o2, st.OpenedAt)
	}
}

func testClose(e *env) {
	if e.close("never seen", standard) {
		e.t.Error("Close on a circuit never seen = true, want false")
	}
	e.record("c", standard, failure)
	if e.close("c", standard) {
		e.t.Error("Close on a closed circuit = true, want false")
	}
	if ts := e.recordN("c", standard, failure, 2); !slices.Equal(ts, []storage.Transition{storage.TransitionOpened}) {
		e.t.Fatalf("3 failures: transitions %v, want [opened]", ts)
	}
	e.advance(coolDown + time.Second)
	e.mustReserve("c", standard, time.Time{})
	if !e.close("c", standard) {
		e.t.Fatal("Close on an open circuit = false, want true")
	}
	st := e.status("c", standard)
	e.checkState("after Close", st, storage.StateClosed)
	if !st.ReservedAt.IsZero() {
		e.t.Errorf("ReservedAt = %v after Close, want zero (Close clears the reservation)", st.ReservedAt)
	}
	e.checkCounts("after Close (a fresh window)", st, 0, 0)
	if e.close("c", standard) {
		e.t.Error("a second Close = true, want false")
	}
	if r := e.record("c", standard, failure); r.Transition != storage.TransitionNone {
		e.t.Errorf("one failure after Close: transition %v, want none (the window starts afresh)", r.Transition)
	}
}

func testReserve(e *env) {
	if _, ok := e.reserve("never seen", standard, time.Time{}); ok {
		e.t.Error("Reserve on a circuit never seen = true, want false")
	}
	e.record("c", standard, failure)
	if _, ok := e.reserve("c", standard, time.Time{}); ok {
		e.t.Error("Reserve on a closed circuit = true, want false")
	}
	e.recordN("c", standard, failure, 2)
	e.advance(coolDown + time.Second)
	r1 := e.mustReserve("c", standard, time.Time{})
	if _, ok := e.reserve("c", standard, time.Time{}); ok {
		e.t.Error("a second Reserve against zero = true, want false")
	}
	if _, ok := e.reserve("c", standard, r1.Add(time.Millisecond)); ok {
		e.t.Error("Reserve against a wrong previous = true, want false")
	}
	if st := e.status("c", standard); !st.ReservedAt.Equal(r1) {
		e.t.Fatalf("ReservedAt moved from %v to %v on lost Reserves", r1, st.ReservedAt)
	}
	e.advance(time.Second)
	r2 := e.mustReserve("c", standard, r1)
	if !r2.After(r1) {
		e.t.Errorf("a Reserve a second later stored %v, want after %v", r2, r1)
	}
	if _, ok := e.reserve("c", standard, r1); ok {
		e.t.Error("a late Reserve against the replaced reservation = true, want false")
	}
	// The reservation expires for the runtime after the cool-down; whatever the
	// storage now shows, a Reserve against it wins.
	e.advance(coolDown + time.Second)
	stale := e.status("c", standard).ReservedAt
	r3 := e.mustReserve("c", standard, stale)
	if !r3.After(r2) {
		e.t.Errorf("Reserve against a stale reservation stored %v, want after %v", r3, r2)
	}
	if _, ok := e.reserve("c", standard, stale); ok {
		e.t.Error("a second Reserve against the same stale reservation = true, want false")
	}
}

func testReopenKeepsReservation(e *env) {
	o1 := e.mustOpen("c", standard)
	e.advance(coolDown + time.Second)
	r1 := e.mustReserve("c", standard, time.Time{})
	e.advance(time.Second)
	if !e.reopen("c", standard, o1) {
		e.t.Fatal("Reopen with the current OpenedAt = false, want true")
	}
	st := e.status("c", standard)
	if !st.ReservedAt.Equal(r1) {
		e.t.Errorf("ReservedAt = %v after Reopen, want %v kept", st.ReservedAt, r1)
	}
	if _, ok := e.reserve("c", standard, time.Time{}); ok {
		e.t.Error("a late Reserve against zero after Reopen = true, want false")
	}
}

func testRelease(e *env) {
	if e.release("never seen", standard, start) {
		e.t.Error("Release on a circuit never seen = true, want false")
	}
	e.mustOpen("c", standard)
	e.advance(coolDown + time.Second)
	r1 := e.mustReserve("c", standard, time.Time{})
	if e.release("c", standard, r1.Add(time.Millisecond)) {
		e.t.Error("Release of another reservation = true, want false")
	}
	if st := e.status("c", standard); !st.ReservedAt.Equal(r1) {
		e.t.Fatalf("ReservedAt moved from %v to %v on a Release of another reservation", r1, st.ReservedAt)
	}
	if !e.release("c", standard, r1) {
		e.t.Fatal("Release of the current reservation = false, want true")
	}
	st := e.status("c", standard)
	if !st.ReservedAt.IsZero() {
		e.t.Errorf("ReservedAt = %v after Release, want zero", st.ReservedAt)
	}
	e.checkState("after Release", st, storage.StateOpen)
	if e.release("c", standard, r1) {
		e.t.Error("a second Release = true, want false")
	}
	e.mustReserve("c", standard, time.Time{})
}

func testProbeSuccessCloses(e *env) {
	if ts := e.recordN("c", standard, failure, 3); !slices.Equal(ts, []storage.Transition{storage.TransitionOpened}) {
		e.t.Fatalf("3 failures: transitions %v, want [opened]", ts)
	}
	openedAt := e.status("c", standard).OpenedAt
	e.advance(coolDown + time.Second)
	e.mustReserve("c", standard, time.Time{})
	r := e.record("c", standard, storage.Outcome{Success: true, Probe: true, OpenedAt: openedAt})
	if r.Transition != storage.TransitionClosed {
		e.t.Fatalf("the probe's success: transition %v, want closed", r.Transition)
	}
	for what, st := range map[string]storage.Status{"Result.Status": r.Status, "Status": e.status("c", standard)} {
		e.checkState(what+" after the probe's success", st, storage.StateClosed)
		if !st.ReservedAt.IsZero() {
			e.t.Errorf("%s after the probe's success: ReservedAt = %v, want zero", what, st.ReservedAt)
		}
		if st.Failures != 0 || st.Samples > 1 {
			e.t.Errorf("%s after the probe's success: %d failures of %d, want a fresh window", what, st.Failures, st.Samples)
		}
	}
	r = e.record("c", standard, storage.Outcome{Success: true, Probe: true, OpenedAt: openedAt})
	if r.Transition != storage.TransitionNone {
		e.t.Errorf("a probe's success on a closed circuit: transition %v, want none (one closed per transition)", r.Transition)
	}
}

func testProbeFailureReopens(e *env) {
	e.recordN("c", standard, failure, 3)
	o1 := e.status("c", standard).OpenedAt
	e.advance(coolDown + time.Second)
	r1 := e.mustReserve("c", standard, time.Time{})
	r := e.record("c", standard, storage.Outcome{Probe: true, OpenedAt: o1})
	if r.Transition != storage.TransitionReopened {
		e.t.Fatalf("the probe's failure: transition %v, want reopened", r.Transition)
	}
	e.checkState("Result.Status after the probe's failure", r.Status, storage.StateOpen)
	st := e.status("c", standard)
	e.checkState("after the probe's failure", st, storage.StateOpen)
	e.checkNow("OpenedAt after the probe's failure", st.OpenedAt, st.CurrentTime)
	if !st.OpenedAt.After(o1) || !r.Status.OpenedAt.Equal(st.OpenedAt) {
		e.t.Errorf("OpenedAt = %v (Result.Status %v) after the probe's failure, want a new one after %v",
			st.OpenedAt, r.Status.OpenedAt, o1)
	}
	if !st.ReservedAt.Equal(r1) {
		e.t.Errorf("ReservedAt = %v after the probe's failure, want %v kept", st.ReservedAt, r1)
	}
	o2 := st.OpenedAt
	e.advance(time.Second)
	r = e.record("c", standard, storage.Outcome{Probe: true, OpenedAt: o1})
	if r.Transition != storage.TransitionNone {
		e.t.Errorf("a late probe's failure against a replaced OpenedAt: transition %v, want none", r.Transition)
	}
	if st := e.status("c", standard); !st.OpenedAt.Equal(o2) {
		e.t.Errorf("OpenedAt moved from %v to %v on a late probe's failure", o2, st.OpenedAt)
	}
}

func testLock(e *env) {
	for _, l := range []storage.Lock{storage.LockOpen, storage.LockClosed, storage.LockOpen} {
		e.lock("c", l)
		st := e.status("c", standard)
		if st.Lock != l {
			e.t.Errorf("Lock after Lock(%v) = %v", l, st.Lock)
		}
		e.checkState("a locked circuit", st, storage.StateClosed)
	}
	e.unlock("c")
	if st := e.status("c", standard); st.Lock != storage.LockNone {
		e.t.Errorf("Lock after Unlock = %v, want none", st.Lock)
	}
	e.unlock("never seen")
	e.checkFresh("after Unlock of a circuit never seen", e.status("never seen", standard))
	e.lock("other", storage.LockClosed)
	if st := e.status("c", standard); st.Lock != storage.LockNone {
		e.t.Errorf("Lock of c = %v after locking another circuit", st.Lock)
	}
}

func testLockSurvivesTransitions(e *env) {
	e.lock("c", storage.LockClosed)
	if ts := e.recordN("c", standard, failure, 3); !slices.Equal(ts, []storage.Transition{storage.TransitionOpened}) {
		e.t.Errorf("3 failures under a closed lock: transitions %v, want [opened] (outcomes still count)", ts)
	}
	st := e.status("c", standard)
	if st.Lock != storage.LockClosed {
		e.t.Errorf("Lock after opening = %v, want closed", st.Lock)
	}
	r := e.record("c", standard, storage.Outcome{Success: true, Probe: true, OpenedAt: st.OpenedAt})
	if r.Transition != storage.TransitionClosed {
		e.t.Errorf("a success under a closed lock on an open circuit: transition %v, want closed", r.Transition)
	}
	if r.Status.Lock != storage.LockClosed {
		e.t.Errorf("Lock after closing = %v, want closed", r.Status.Lock)
	}
	e.lock("c", storage.LockOpen)
	o := e.mustOpen("c", standard)
	e.advance(time.Second)
	if !e.reopen("c", standard, o) {
		e.t.Error("Reopen on a circuit locked open = false, want true")
	}
	if !e.close("c", standard) {
		e.t.Error("Close on a circuit locked open = false, want true")
	}
	if st := e.status("c", standard); st.Lock != storage.LockOpen {
		e.t.Errorf("Lock after Open, Reopen and Close = %v, want open (locks outlive transitions)", st.Lock)
	}
}

func testReset(e *env) {
	e.recordN("c", standard, failure, 3)
	e.advance(coolDown + time.Second)
	e.mustReserve("c", standard, time.Time{})
	e.lock("c", storage.LockOpen)
	e.reset("c")
	e.checkFresh("after Reset", e.status("c", standard))
	if s, f := sums(e.history("c", standard)); s != 0 || f != 0 {
		e.t.Errorf("History after Reset counts %d successes, %d failures, want none", s, f)
	}
	if _, ok := e.reserve("c", standard, time.Time{}); ok {
		e.t.Error("Reserve after Reset = true, want false (the circuit is closed)")
	}
	if r := e.record("c", standard, failure); r.Transition != storage.TransitionNone || r.Status.Samples != 1 {
		e.t.Errorf("one failure after Reset: transition %v, %d samples, want none and 1", r.Transition, r.Status.Samples)
	}
	e.reset("never seen")
	e.checkFresh("after Reset of a circuit never seen", e.status("never seen", standard))
}

func testHistory(e *env) {
	e.record("c", counting, success)
	e.record("c", counting, failure)
	e.advance(window / 5)
	e.record("c", counting, failure)
	e.record("c", counting, failure)
	e.advance(window / 5)
	e.record("c", counting, success)
	st := e.status("c", counting)
	e.checkCounts("Status", st, 3, 5)
	b := e.history("c", counting)
	if s, f := sums(b); s != 2 || f != 3 {
		e.t.Errorf("History counts %d successes, %d failures, want 2, 3: %+v", s, f, b)
	}
	if s, f := sums(b); f != st.Failures || s+f != st.Samples {
		e.t.Errorf("History sums to %d failures of %d, Status counts %d of %d", f, s+f, st.Failures, st.Samples)
	}
	for i, x := range b {
		if i > 0 && !x.Start.After(b[i-1].Start) {
			e.t.Errorf("History is not oldest first: bucket %d starts %v, bucket %d %v", i-1, b[i-1].Start, i, x.Start)
		}
		if x.Start.After(st.CurrentTime) || x.Start.Before(st.CurrentTime.Add(-2*window)) {
			e.t.Errorf("bucket %d starts %v, want within two windows before %v", i, x.Start, st.CurrentTime)
		}
		if x.Successes < 0 || x.Failures < 0 {
			e.t.Errorf("bucket %d has negative counts: %+v", i, x)
		}
	}
	e.advance(3 * window)
	if s, f := sums(e.history("c", counting)); s != 0 || f != 0 {
		e.t.Errorf("History three windows later counts %d successes, %d failures, want none", s, f)
	}
}

func testListAndClear(e *env) {
	if names := e.list(); len(names) != 0 {
		e.t.Fatalf("List of a fresh storage = %q, want empty", names)
	}
	for _, name := range []string{"b", "a", "c b", "a:b"} {
		e.record(name, counting, failure)
	}
	want := []string{"a", "a:b", "b", "c b"}
	if names := e.list(); !slices.Equal(names, want) {
		e.t.Errorf("List = %q, want %q", names, want)
	}
	e.mustOpen("b", counting)
	e.lock("a", storage.LockOpen)
	e.clear()
	if names := e.list(); len(names) != 0 {
		e.t.Errorf("List after Clear = %q, want empty", names)
	}
	for _, name := range want {
		e.checkFresh("Status of "+name+" after Clear", e.status(name, counting))
	}
	e.clear()
}

// names are circuit names that a backend must keep apart.
var names = []string{
	"plain", "with space", "with:colon", "with:colon:state", "with", "{braces}", "}{", "a{b}c",
	"ünïcødé ✓", "日本語", "tab\there", "line\nbreak", "x", "x:",
}

func testIndependentCircuits(e *env) {
	for i, name := range names {
		e.recordN(name, counting, success, i+1)
	}
	e.lock(names[0], storage.LockOpen)
	e.mustOpen(names[1], counting)
	for i, name := range names {
		st := e.status(name, counting)
		e.checkCounts(name, st, 0, i+1)
		wantLock, wantState := storage.LockNone, storage.StateClosed
		if i == 0 {
			wantLock = storage.LockOpen
		}
		if i == 1 {
			wantState = storage.StateOpen
		}
		if st.Lock != wantLock {
			e.t.Errorf("%q: lock %v, want %v", name, st.Lock, wantLock)
		}
		e.checkState(name, st, wantState)
	}
	want := slices.Sorted(slices.Values(names))
	if got := e.list(); !slices.Equal(got, want) {
		e.t.Errorf("List = %q, want %q", got, want)
	}
	e.reset(names[2])
	e.checkFresh(names[2]+" after its Reset", e.status(names[2], counting))
	e.checkCounts(names[3]+" after another circuit's Reset", e.status(names[3], counting), 0, 4)
}

// race runs fn in goroutines started together and returns how many returned true.
func race(fn func() bool) int {
	var wins atomic.Int64
	var ready, done sync.WaitGroup
	gate := make(chan struct{})
	for range goroutines {
		ready.Add(1)
		done.Add(1)
		go func() {
			defer done.Done()
			ready.Done()
			<-gate
			if fn() {
				wins.Add(1)
			}
		}()
	}
	ready.Wait()
	close(gate)
	done.Wait()
	return int(wins.Load())
}

func testConcurrentReserve(e *env) {
	e.mustOpen("c", standard)
	e.advance(coolDown + time.Second)
	var won atomic.Pointer[time.Time]
	wins := race(func() bool {
		at, ok, err := e.s.Reserve(e.ctx, "c", standard, e.now, time.Time{})
		if err != nil {
			e.t.Errorf("Reserve: %v", err)
		}
		if ok {
			won.Store(&at)
		}
		return ok
	})
	if wins != 1 {
		e.t.Fatalf("%d goroutines racing Reserve against zero won, want exactly 1", wins)
	}
	if st := e.status("c", standard); !st.ReservedAt.Equal(*won.Load()) {
		e.t.Errorf("ReservedAt = %v, the winner stored %v", st.ReservedAt, *won.Load())
	}
}

func testConcurrentRecord(e *env) {
	const each = 8
	var opened, other atomic.Int64
	race(func() bool {
		for range each {
			r, err := e.s.Record(e.ctx, "c", standard, e.now, failure)
			switch {
			case err != nil:
				e.t.Errorf("Record: %v", err)
			case r.Transition == storage.TransitionOpened:
				opened.Add(1)
			case r.Transition != storage.TransitionNone:
				other.Add(1)
			}
		}
		return false
	})
	if opened.Load() != 1 || other.Load() != 0 {
		e.t.Errorf("racing failures caused %d openings and %d other transitions, want exactly 1 and 0", opened.Load(), other.Load())
	}
	st := e.status("c", standard)
	e.checkState("after racing failures", st, storage.StateOpen)
	e.checkCounts("after racing failures", st, goroutines*each, goroutines*each)
}

func testConcurrentOpenClose(e *env) {
	call := func(op func(string, storage.Policy, time.Time) (bool, error)) func() bool {
		return func() bool {
			ok, err := op("c", standard, e.now)
			if err != nil {
				e.t.Errorf("%v", err)
			}
			return ok
		}
	}
	open := func(n string, p storage.Policy, now time.Time) (bool, error) { return e.s.Open(e.ctx, n, p, now) }
	closeC := func(n string, p storage.Policy, now time.Time) (bool, error) { return e.s.Close(e.ctx, n, p, now) }
	if wins := race(call(open)); wins != 1 {
		e.t.Errorf("%d goroutines racing Open won, want exactly 1", wins)
	}
	e.advance(time.Second)
	if wins := race(call(closeC)); wins != 1 {
		e.t.Errorf("%d goroutines racing Close won, want exactly 1", wins)
	}
	e.checkState("after racing Close", e.status("c", standard), storage.StateClosed)
}
