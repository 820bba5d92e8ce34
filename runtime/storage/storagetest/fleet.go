package storagetest

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/breakergen/breakergen/runtime/storage"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// FleetHarness tells RunFleet how to make a fleet: storages that share their
// circuits, each the storage of a process of its own, as the processes of a
// fleet sharing one Redis do.
type FleetHarness struct {
	// New returns n fresh storages of one fleet, empty, whose circuits open
	// with a quorum of quorum processes.
	New func(t *testing.T, n, quorum int) []storage.Storage
	// Advance moves the clock of one process's storage forward by d, for
	// storages that ignore the now they are given; nil otherwise.
	Advance func(t *testing.T, s storage.Storage, d time.Duration)
	// Sync sends what the storage counted and has not yet shared with the
	// fleet (a Redis fleet store's Flush); nil when every Record shares it.
	Sync func(t *testing.T, s storage.Storage)
}

// RunFleet runs the part of the suite about a fleet's two verdicts, for
// storages shared by processes that each keep a verdict of their own: a
// process whose own outcomes fail a circuit's thresholds while the fleet's
// circuit is closed opens it in its own process only (Scope ScopeProcess),
// probes it alone and closes it alone; the fleet's circuit opens only when a
// quorum of processes votes for it, or every process that reported does when
// fewer did.
func RunFleet(t *testing.T, h FleetHarness) {
	t.Helper()
	require.NotNil(t, h.New, "storagetest: FleetHarness.New is nil")
	for _, c := range fleetCases {
		t.Run(c.name, func(t *testing.T) { c.run(newFleetEnv(t, h, c.procs, c.quorum)) })
	}
}

type fleetCase struct {
	name          string
	procs, quorum int
	run           func(f *fleetEnv)
}

var fleetCases = []fleetCase{
	{"OneBadProcessOpensLocally", 3, 2, testOneBadProcess},
	{"QuorumOpensTheFleet", 3, 2, testQuorumOpens},
	{"AloneOpensTheFleet", 3, 2, testAloneOpens},
	{"QuorumOfOne", 3, 1, testQuorumOfOne},
	{"LocalProbeClosesHereOnly", 2, 2, testLocalProbeCloses},
	{"LocalProbeFailureReopens", 2, 2, testLocalProbeReopens},
	{"LocalProbeReleases", 2, 2, testLocalProbeReleases},
	{"LocalOpeningLocks", 2, 2, testLocalOpeningLocks},
	{"ResetEndsLocalOpening", 2, 2, testResetEndsLocal},
}

// fleetEnv is one subtest's fleet: an env per process, on one backend.
type fleetEnv struct {
	t     *testing.T
	h     FleetHarness
	procs []*env
}

func newFleetEnv(t *testing.T, h FleetHarness, n, quorum int) *fleetEnv {
	stores := h.New(t, n, quorum)
	require.Len(t, stores, n, "storagetest: FleetHarness.New returned %d storages, want %d", len(stores), n)
	f := &fleetEnv{t: t, h: h}
	for i, s := range stores {
		require.NotNil(t, s, "storagetest: FleetHarness.New returned a nil storage %d", i)
		var advance func(*testing.T, storage.Storage, time.Duration)
		if h.Advance != nil {
			advance = h.Advance
		}
		e := &env{t: t, h: Harness{Advance: advance}, s: s, ctx: t.Context(), now: start, handles: make(map[string]storage.Handle)}
		t.Cleanup(func() {
			for _, hd := range e.handles {
				if u, ok := hd.(storage.Unbinder); ok {
					u.Unbind()
				}
			}
		})
		f.procs = append(f.procs, e)
	}
	return f
}

// sync shares what process i counted with the fleet.
func (f *fleetEnv) sync(i int) {
	f.t.Helper()
	if f.h.Sync != nil {
		f.h.Sync(f.t, f.procs[i].s)
	}
}

// advance moves every process's clock forward by d.
func (f *fleetEnv) advance(d time.Duration) {
	for _, e := range f.procs {
		e.advance(d)
	}
}

// report records n outcomes o in process i and shares them.
func (f *fleetEnv) report(i int, o storage.Outcome, n int) []storage.Result {
	f.t.Helper()
	var out []storage.Result
	for range n {
		out = append(out, f.procs[i].record("c", standard, o))
	}
	f.sync(i)
	return out
}

// opened returns the results of rs that opened the circuit.
func opened(rs []storage.Result) []storage.Result {
	var out []storage.Result
	for _, r := range rs {
		if r.Transition == storage.TransitionOpened {
			out = append(out, r)
		}
	}
	return out
}

// checkScope fails unless st is of scope want and state state.
func (f *fleetEnv) checkScope(what string, st storage.Status, state storage.State, want storage.Scope) {
	f.t.Helper()
	assert.Equal(f.t, state, st.State, "%s: state", what)
	assert.Equal(f.t, want, st.Scope, "%s: scope", what)
}

// openLocally makes process 1 fail alone among healthy processes, so that its
// own verdict opens the circuit there and the fleet's stays closed, and
// returns its local OpenedAt.
func (f *fleetEnv) openLocally() time.Time {
	f.t.Helper()
	f.report(0, success, 1)
	rs := opened(f.report(1, failure, 4))
	require.Len(f.t, rs, 1, "process 1 failing alone: openings")
	require.Equal(f.t, storage.ScopeProcess, rs[0].Status.Scope, "process 1 failing alone opens it locally")
	st := f.procs[1].status("c", standard)
	f.checkScope("process 1 after its local opening", st, storage.StateOpen, storage.ScopeProcess)
	f.checkScope("process 0 while process 1 is open locally", f.procs[0].status("c", standard), storage.StateClosed, storage.ScopeFleet)
	return st.OpenedAt
}

func testOneBadProcess(f *fleetEnv) {
	f.report(0, success, 1)
	f.report(2, success, 1)
	// The shared window fails the thresholds (3 failures of 5), but only one
	// process votes: the circuit opens in process 1 alone.
	rs := opened(f.report(1, failure, 3))
	require.Len(f.t, rs, 1, "openings of process 1, failing alone")
	f.checkScope("process 1's opening", rs[0].Status, storage.StateOpen, storage.ScopeProcess)
	for _, i := range []int{0, 2} {
		f.checkScope(fmt.Sprintf("process %d", i), f.procs[i].status("c", standard), storage.StateClosed, storage.ScopeFleet)
		checkAdmits(f.procs[i], storage.AdmitRun, "a healthy process")
	}
	checkAdmits(f.procs[1], storage.AdmitSkip, "the process open locally")
	// Its outcomes still reach the fleet: the shared window counts them.
	f.sync(1)
	st := f.procs[0].status("c", standard)
	assert.Equal(f.t, 3, st.Failures, "the fleet's failures, counted by process 0's status")
}

func testQuorumOpens(f *fleetEnv) {
	f.report(0, success, 1)
	rs := opened(f.report(1, failure, 3))
	require.Len(f.t, rs, 1, "openings of process 1, failing alone")
	require.Equal(f.t, storage.ScopeProcess, rs[0].Status.Scope, "process 1 failing alone")
	rs = opened(f.report(2, failure, 3))
	require.Len(f.t, rs, 1, "openings of process 2, failing with process 1")
	f.checkScope("the opening of a second voter", rs[0].Status, storage.StateOpen, storage.ScopeFleet)
	f.checkScope("process 0, after a quorum opened the fleet's circuit", f.procs[0].status("c", standard), storage.StateOpen, storage.ScopeFleet)
}

func testAloneOpens(f *fleetEnv) {
	rs := opened(f.report(0, failure, 3))
	require.Len(f.t, rs, 1, "openings of the only process that reports")
	f.checkScope("the opening of a process alone", rs[0].Status, storage.StateOpen, storage.ScopeFleet)
	f.checkScope("another process, which never reported", f.procs[1].status("c", standard), storage.StateOpen, storage.ScopeFleet)
}

func testQuorumOfOne(f *fleetEnv) {
	f.report(0, success, 1)
	f.report(2, success, 1)
	rs := opened(f.report(1, failure, 3))
	require.Len(f.t, rs, 1, "openings of process 1 with a quorum of one")
	f.checkScope("a quorum of one", rs[0].Status, storage.StateOpen, storage.ScopeFleet)
}

// halfOpen advances past the cool-down and returns process 1's status.
func (f *fleetEnv) halfOpen() storage.Status {
	f.advance(coolDown + time.Second)
	st := f.procs[1].status("c", standard)
	f.checkScope("process 1 after its cool-down", st, storage.StateOpen, storage.ScopeProcess)
	return st
}

func testLocalProbeCloses(f *fleetEnv) {
	openedAt := f.openLocally()
	checkAdmits(f.procs[1], storage.AdmitSkip, "cooling down locally")
	st := f.halfOpen()
	require.True(f.t, st.OpenedAt.Equal(openedAt), "OpenedAt %v, want %v", st.OpenedAt, openedAt)
	at, ok := f.procs[1].reserve("c", standard, st.OpenedAt, st.ReservedAt)
	require.True(f.t, ok, "the local probe's reservation")
	_, again := f.procs[1].reserve("c", standard, st.OpenedAt, st.ReservedAt)
	assert.False(f.t, again, "a second reservation of the same local half-open window")
	assert.True(f.t, f.procs[1].status("c", standard).ReservedAt.Equal(at), "the local reservation in the status")
	r := f.procs[1].record("c", standard, storage.Outcome{Success: true, Probe: true, OpenedAt: openedAt})
	assert.Equal(f.t, storage.TransitionClosed, r.Transition, "the local probe's success")
	assert.Equal(f.t, storage.ScopeProcess, r.Status.Scope, "the local closing's scope")
	f.checkScope("process 1 after its probe closed it", f.procs[1].status("c", standard), storage.StateClosed, storage.ScopeFleet)
	checkAdmits(f.procs[1], storage.AdmitRun, "closed again")
	f.checkScope("process 0", f.procs[0].status("c", standard), storage.StateClosed, storage.ScopeFleet)
}

func testLocalProbeReopens(f *fleetEnv) {
	openedAt := f.openLocally()
	st := f.halfOpen()
	_, ok := f.procs[1].reserve("c", standard, st.OpenedAt, st.ReservedAt)
	require.True(f.t, ok, "the local probe's reservation")
	r := f.procs[1].record("c", standard, storage.Outcome{Probe: true, OpenedAt: openedAt})
	assert.Equal(f.t, storage.TransitionReopened, r.Transition, "the local probe's failure")
	f.checkScope("after a failed local probe", r.Status, storage.StateOpen, storage.ScopeProcess)
	assert.True(f.t, r.Status.OpenedAt.After(openedAt), "a new OpenedAt: %v after %v", r.Status.OpenedAt, openedAt)
	late := f.procs[1].record("c", standard, storage.Outcome{Success: true, Probe: true, OpenedAt: openedAt})
	assert.Equal(f.t, storage.TransitionNone, late.Transition, "a late probe of the earlier opening")
	f.checkScope("process 0", f.procs[0].status("c", standard), storage.StateClosed, storage.ScopeFleet)
}

func testLocalProbeReleases(f *fleetEnv) {
	f.openLocally()
	st := f.halfOpen()
	at, ok := f.procs[1].reserve("c", standard, st.OpenedAt, st.ReservedAt)
	require.True(f.t, ok, "the local probe's reservation")
	assert.True(f.t, f.procs[1].release("c", standard, at), "releasing the local reservation")
	assert.True(f.t, f.procs[1].status("c", standard).ReservedAt.IsZero(), "no reservation after the release")
	_, ok = f.procs[1].reserve("c", standard, st.OpenedAt, time.Time{})
	assert.True(f.t, ok, "a reservation after the release")
}

func testLocalOpeningLocks(f *fleetEnv) {
	f.openLocally()
	f.procs[0].lock("c", storage.LockClosed)
	f.sync(1)
	st := f.procs[1].status("c", standard)
	waitFor(f.t, func() bool {
		st = f.procs[1].status("c", standard)
		return st.Lock == storage.LockClosed
	}, "process 1 learns the fleet's lock")
	assert.Equal(f.t, storage.LockClosed, st.Lock, "a lock of the fleet over a local opening")
}

func testResetEndsLocal(f *fleetEnv) {
	f.openLocally()
	f.procs[1].reset("c")
	f.checkScope("after Reset", f.procs[1].status("c", standard), storage.StateClosed, storage.ScopeFleet)
	checkAdmits(f.procs[1], storage.AdmitRun, "after Reset")
}

// checkAdmits checks the hot path's verdict of e's handle, if it has one.
func checkAdmits(e *env, want storage.Verdict, what string) {
	e.t.Helper()
	hp, ok := e.handle("c", standard).(storage.HotPath)
	if !ok {
		return
	}
	assert.Equal(e.t, want, hp.Admit().Verdict, "Admit: %s", what)
}

// waitFor polls cond for up to five seconds: for what another process learns
// by a broadcast, which this suite cannot hurry.
func waitFor(t *testing.T, cond func() bool, what string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(t.Context(), 5*time.Second)
	defer cancel()
	for !cond() {
		select {
		case <-ctx.Done():
			assert.Fail(t, "timed out", "waiting until %s", what)
			return
		case <-time.After(5 * time.Millisecond):
		}
	}
}
