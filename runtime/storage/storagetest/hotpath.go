package storagetest

import (
	"time"

	"github.com/breakergen/breakergen/runtime/storage"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// testHotPath checks that a handle's hot path, when it has one, agrees with its
// decision path: it runs what is closed, skips what is open and cooling down,
// asks about what is half-open or locked closed, counts what it is given, and
// refuses a failure that would fail the threshold, counting nothing.
func testHotPath(e *env) {
	hot, ok := e.handle("c", standard).(storage.HotPath)
	if !ok {
		e.t.Skip("the handle has no hot path")
	}
	now := func() int64 { return e.now.UnixNano() }
	// admit is Admit as the runtime reads it: a skip ends at Until.
	admit := func() storage.Admission {
		a := hot.Admit()
		if a.Verdict == storage.AdmitSkip && !e.ownClock() && e.now.UnixNano() >= a.Until {
			return storage.Admission{Verdict: storage.AdmitAsk}
		}
		return a
	}
	if admit().Verdict == storage.AdmitAsk {
		e.t.Skip("the hot path asks about a fresh circuit: it decides nothing")
	}
	hot.Succeeded(now())
	assert.True(e.t, hot.Failed(now()), "a failure with 2 samples of 3 needed")
	e.checkCounts("after a hot success and failure", e.status("c", standard), 1, 2)
	assert.False(e.t, hot.Failed(now()), "a failure that fails the threshold")
	e.checkCounts("after a refused hot failure", e.status("c", standard), 1, 2)
	r := e.record("c", standard, failure)
	require.Equal(e.t, storage.TransitionOpened, r.Transition, "recording the refused failure")
	skip := admit()
	assert.Equal(e.t, storage.AdmitSkip, skip.Verdict, "Admit while open and cooling down")
	assert.Equal(e.t, skip.Version, admit().Version, "the version of an unchanged skip")
	e.advance(coolDown + time.Second)
	assert.Equal(e.t, storage.AdmitAsk, admit().Verdict, "Admit while half-open")
	at := e.mustReserve("c", standard)
	reserved := admit()
	assert.Equal(e.t, storage.AdmitSkip, reserved.Verdict, "Admit while another caller's probe is reserved")
	assert.NotEqual(e.t, skip.Version, reserved.Version, "the version after a reservation")
	require.True(e.t, e.release("c", standard, at))
	e.lock("c", storage.LockClosed)
	assert.Equal(e.t, storage.AdmitAsk, admit().Verdict, "Admit while locked closed")
	e.lock("c", storage.LockOpen)
	assert.Equal(e.t, storage.AdmitSkip, admit().Verdict, "Admit while locked open")
	e.reset("c")
	assert.Equal(e.t, storage.AdmitRun, admit().Verdict, "Admit after Reset")
}
