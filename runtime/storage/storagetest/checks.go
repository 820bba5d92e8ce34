package storagetest

import (
	"time"

	"github.com/breakergen/breakergen/runtime/storage"
	"github.com/stretchr/testify/assert"
)

// checkNow checks that got is the instant the storage took as now: the suite's
// now, or for a storage with its own clock, an instant at most slack before
// current, the CurrentTime of a status read after it.
func (e *env) checkNow(what string, got, current time.Time) {
	e.t.Helper()
	if !e.ownClock() {
		assert.True(e.t, got.Equal(e.now), "%s = %v, want now %v", what, got, e.now)
		return
	}
	assert.False(e.t, got.IsZero() || got.After(current) || current.Sub(got) > slack,
		"%s = %v, want the storage's current instant (status read after it: %v)", what, got, current)
}

// checkCurrent checks that st.CurrentTime is now, or set for a storage with its
// own clock.
func (e *env) checkCurrent(what string, st storage.Status) {
	e.t.Helper()
	if e.ownClock() {
		assert.False(e.t, st.CurrentTime.IsZero(), "%s: CurrentTime is zero", what)
		return
	}
	assert.True(e.t, st.CurrentTime.Equal(e.now), "%s: CurrentTime = %v, want now %v", what, st.CurrentTime, e.now)
}

// checkFresh checks that st is the status of a circuit never seen.
func (e *env) checkFresh(what string, st storage.Status) {
	e.t.Helper()
	assert.False(e.t, st.State != storage.StateClosed || st.Lock != storage.LockNone || !st.OpenedAt.IsZero() ||
		!st.ReservedAt.IsZero() || st.Failures != 0 || st.Samples != 0 || st.Stub,
		"%s: status = %+v, want closed, unlocked, never opened, unreserved, empty, not a stub", what, st)
	e.checkCurrent(what, st)
}

// checkCounts checks that st counts failures out of samples.
func (e *env) checkCounts(what string, st storage.Status, failures, samples int) {
	e.t.Helper()
	assert.Equal(e.t, [2]int{failures, samples}, [2]int{st.Failures, st.Samples}, "%s: [failures samples]", what)
}

// checkState checks that st is in state s.
func (e *env) checkState(what string, st storage.Status, s storage.State) {
	e.t.Helper()
	assert.Equal(e.t, s, st.State, "%s: state", what)
}

// sums adds up the buckets' counts.
func sums(b []storage.Bucket) (successes, failures int) {
	for _, x := range b {
		successes += x.Successes
		failures += x.Failures
	}
	return successes, failures
}
