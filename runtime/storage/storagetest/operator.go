package storagetest

import (
	"slices"
	"time"

	"github.com/breakergen/breakergen/runtime/storage"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// operatorCases check the optional interfaces every backend of this module
// implements: storage.Operator and storage.Admin.
var operatorCases = []testCase{
	{"Open", testOpen},
	{"HalfOpenIsStoredOpen", testHalfOpenIsStoredOpen},
	{"Reopen", testReopen},
	{"Close", testClose},
	{"History", testHistory},
	{"ListAndClear", testListAndClear},
	{"ConcurrentOpenClose", testConcurrentOpenClose},
}

func testOpen(e *env) {
	openedAt := e.mustOpen("c", standard)
	e.advance(time.Second)
	assert.False(e.t, e.open("c", standard), "Open on an open circuit")
	assert.True(e.t, e.status("c", standard).OpenedAt.Equal(openedAt), "OpenedAt moved on a second Open")
}

func testHalfOpenIsStoredOpen(e *env) {
	openedAt := e.mustOpen("c", standard)
	e.advance(coolDown + time.Second)
	st := e.status("c", standard)
	e.checkState("a cool-down after opening (half-open)", st, storage.StateOpen)
	assert.True(e.t, st.OpenedAt.Equal(openedAt), "OpenedAt moved while the cool-down elapsed")
	assert.GreaterOrEqual(e.t, st.CurrentTime.Sub(st.OpenedAt), coolDown, "CurrentTime - OpenedAt after advancing past the cool-down")
}

func testReopen(e *env) {
	assert.False(e.t, e.reopen("never seen", standard, time.Time{}), "Reopen on a circuit never seen")
	e.record("closed", standard, success)
	assert.False(e.t, e.reopen("closed", standard, time.Time{}), "Reopen on a closed circuit")
	o1 := e.mustOpen("c", standard)
	e.advance(coolDown + time.Second)
	for _, stale := range []time.Time{{}, o1.Add(-time.Second), o1.Add(time.Second)} {
		assert.False(e.t, e.reopen("c", standard, stale), "Reopen with previous %v, not the current OpenedAt %v", stale, o1)
	}
	require.True(e.t, e.status("c", standard).OpenedAt.Equal(o1), "OpenedAt moved on failed Reopens")
	require.True(e.t, e.reopen("c", standard, o1), "Reopen with the current OpenedAt")
	st := e.status("c", standard)
	e.checkState("after Reopen", st, storage.StateOpen)
	e.checkNow("OpenedAt after Reopen", st.OpenedAt, st.CurrentTime)
	assert.True(e.t, st.OpenedAt.After(o1), "OpenedAt after Reopen = %v, want after %v", st.OpenedAt, o1)
	o2 := st.OpenedAt
	e.advance(time.Second)
	assert.False(e.t, e.reopen("c", standard, o1), "a late Reopen against the replaced OpenedAt")
	assert.True(e.t, e.status("c", standard).OpenedAt.Equal(o2), "OpenedAt moved on a late Reopen")
}

func testClose(e *env) {
	assert.False(e.t, e.close("never seen", standard), "Close on a circuit never seen")
	e.record("c", standard, failure)
	assert.False(e.t, e.close("c", standard), "Close on a closed circuit")
	e.recordN("c", standard, failure, 2)
	e.advance(coolDown + time.Second)
	e.mustReserve("c", standard)
	require.True(e.t, e.close("c", standard), "Close on an open circuit")
	st := e.status("c", standard)
	e.checkState("after Close", st, storage.StateClosed)
	assert.True(e.t, st.ReservedAt.IsZero(), "ReservedAt = %v after Close (Close clears the reservation)", st.ReservedAt)
	e.checkCounts("after Close (a fresh window)", st, 0, 0)
	assert.False(e.t, e.close("c", standard), "a second Close")
	assert.Empty(e.t, e.recordN("c", standard, failure, 1), "one failure after Close (the window starts afresh)")
}

func testHistory(e *env) {
	s, f := sums(e.history("never seen", counting))
	assert.Equal(e.t, [2]int{0, 0}, [2]int{s, f}, "History of a circuit never seen")
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
	s, f = sums(b)
	assert.Equal(e.t, [2]int{2, 3}, [2]int{s, f}, "History [successes failures]: %+v", b)
	for i, x := range b {
		if i > 0 {
			assert.True(e.t, x.Start.After(b[i-1].Start), "History is not oldest first: %+v", b)
		}
		assert.False(e.t, x.Start.After(st.CurrentTime) || x.Start.Before(st.CurrentTime.Add(-2*window)),
			"bucket %d starts %v, want within two windows before %v", i, x.Start, st.CurrentTime)
	}
	e.advance(3 * window)
	s, f = sums(e.history("c", counting))
	assert.Equal(e.t, [2]int{0, 0}, [2]int{s, f}, "History three windows later")
}

func testListAndClear(e *env) {
	require.Empty(e.t, e.list(), "List of a fresh storage")
	for _, name := range []string{"b", "a", "c b", "a:b"} {
		e.record(name, counting, failure)
	}
	want := []string{"a", "a:b", "b", "c b"}
	assert.Equal(e.t, want, e.list(), "List")
	e.mustOpen("b", counting)
	e.lock("a", storage.LockOpen)
	e.clear()
	assert.Empty(e.t, e.list(), "List after Clear")
	for _, name := range want {
		e.checkFresh("Status of "+name+" after Clear", e.status(name, counting))
	}
	e.clear()
	assert.True(e.t, slices.Equal(e.list(), nil) || len(e.list()) == 0, "List after a second Clear")
}

func testConcurrentOpenClose(e *env) {
	o := e.operator("c", standard)
	wins := race(func() bool {
		ok, err := o.Open(e.ctx, e.now)
		assert.NoError(e.t, err)
		return ok
	})
	assert.Equal(e.t, 1, wins, "goroutines racing Open that won")
	e.advance(time.Second)
	wins = race(func() bool {
		ok, err := o.Close(e.ctx, e.now)
		assert.NoError(e.t, err)
		return ok
	})
	assert.Equal(e.t, 1, wins, "goroutines racing Close that won")
	e.checkState("after racing Close", e.status("c", standard), storage.StateClosed)
}
