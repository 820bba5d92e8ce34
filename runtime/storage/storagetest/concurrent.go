package storagetest

import (
	"math/rand/v2"
	"sync"
	"sync/atomic"
	"time"

	"github.com/breakergen/breakergen/runtime/storage"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// goroutines is how many goroutines race in the concurrency subtests.
const goroutines = 64

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
	openedAt := e.trip("c")
	e.advance(coolDown + time.Second)
	h := e.handle("c", standard)
	var won atomic.Pointer[time.Time]
	wins := race(func() bool {
		at, ok, err := h.Reserve(e.ctx, e.now, openedAt, time.Time{})
		assert.NoError(e.t, err, "Reserve")
		if ok {
			won.Store(&at)
		}
		return ok
	})
	require.Equal(e.t, 1, wins, "goroutines racing Reserve against the same status that won")
	assert.True(e.t, e.status("c", standard).ReservedAt.Equal(*won.Load()), "ReservedAt is not what the winner stored")
}

func testConcurrentRecord(e *env) {
	const each = 8
	h := e.handle("c", standard)
	var opened, other atomic.Int64
	race(func() bool {
		for range each {
			r, err := h.Record(e.ctx, e.now, failure)
			switch {
			case err != nil:
				assert.NoError(e.t, err, "Record")
			case r.Transition == storage.TransitionOpened:
				opened.Add(1)
			case r.Transition != storage.TransitionNone:
				other.Add(1)
			}
		}
		return false
	})
	assert.Equal(e.t, [2]int64{1, 0}, [2]int64{opened.Load(), other.Load()}, "[openings, other transitions] of racing failures")
	st := e.status("c", standard)
	e.checkState("after racing failures", st, storage.StateOpen)
	e.checkCounts("after racing failures", st, goroutines*each, goroutines*each)
}

// testReservationModel checks the reservation against a model of the runtime's
// callers. Each round the circuit is half-open; goroutines read its status and
// reserve against what they read, as the runtime does, and some of them use a
// status kept from an earlier round, as a caller descheduled for a while would.
// Every winner ends its open period (its probe closes the circuit and failures
// open it again, or its probe fails and reopens it), so every OpenedAt may be
// won at most once, and no stale status may ever win.
func testReservationModel(e *env) {
	h := e.handle("c", standard)
	e.trip("c")
	var stale []storage.Status
	won := make(map[int64]int)
	rng := rand.New(rand.NewPCG(1, 2))
	for round := range 12 {
		e.advance(coolDown + time.Second)
		seen := append([]storage.Status(nil), stale...)
		var mu sync.Mutex
		var winners []storage.Status
		race(func() bool {
			st, err := h.Status(e.ctx, e.now)
			if !assert.NoError(e.t, err) {
				return false
			}
			for _, s := range append([]storage.Status{st}, seen...) {
				if !free(s) {
					continue // the runtime skips a reserved circuit
				}
				if _, ok, err := h.Reserve(e.ctx, e.now, s.OpenedAt, s.ReservedAt); err == nil && ok {
					mu.Lock()
					winners = append(winners, s)
					mu.Unlock()
				}
			}
			return false
		})
		require.Len(e.t, winners, 1, "round %d: winners %+v", round, winners)
		w := winners[0]
		won[w.OpenedAt.UnixNano()]++
		for _, s := range stale {
			assert.False(e.t, s.OpenedAt.Equal(w.OpenedAt) && s.ReservedAt.Equal(w.ReservedAt),
				"round %d: a status kept from an earlier round won: %+v", round, s)
		}
		stale = append(stale, w)
		e.endProbe(h, w, rng.IntN(2) == 0)
	}
	for at, n := range won {
		assert.Equal(e.t, 1, n, "OpenedAt %v was won %d times", time.Unix(0, at), n)
	}
}

// free reports whether the runtime would race for the probe on a status: open,
// and no reservation or one older than the cool-down.
func free(s storage.Status) bool {
	return s.State == storage.StateOpen &&
		(s.ReservedAt.IsZero() || !s.ReservedAt.Add(coolDown).After(s.CurrentTime))
}

// endProbe ends the probe of a winner that saw w: closing and tripping again,
// or reopening.
func (e *env) endProbe(h storage.Handle, w storage.Status, succeed bool) {
	e.t.Helper()
	r, err := h.Record(e.ctx, e.now, storage.Outcome{Success: succeed, Probe: true, OpenedAt: w.OpenedAt})
	require.NoError(e.t, err)
	e.advance(time.Second)
	if !succeed {
		require.Equal(e.t, storage.TransitionReopened, r.Transition)
		return
	}
	require.Equal(e.t, storage.TransitionClosed, r.Transition)
	e.trip("c")
}
