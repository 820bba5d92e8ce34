package engine

import (
	"math"

	"github.com/breakergen/breakergen/internal/hotpath/ring"
	"github.com/breakergen/breakergen/runtime/storage"
)

// This file holds a circuit's second verdict: the process's own. A process
// counts its own outcomes anyway (the ring, before they are flushed); the
// outcomes it has flushed stay counted in its own window, so that it can tell
// when its own calls fail the circuit's thresholds although the fleet's
// circuit is closed (its own network, DNS or connection pool is broken), and
// stop calling: a local opening, which it probes and closes by itself, one
// probe at a time in the process, while it keeps reporting its outcomes to
// the fleet. The same verdict is all a process has left when it is cut off
// from Redis (see fleet_stale.go).

// ownWindow holds the counts of a process's own outcomes that left the ring
// for a batch, by the epoch of their Redis bucket: with the ring's counts, the
// process's own window. Its slots hold the ring.Size buckets up to the newest
// counted, 32-bit counts each (a bucket's count saturates rather than wraps):
// 144 bytes a circuit, where a slot's epoch of its own and 64-bit counts took
// 392. It is guarded by its circuit's mu.
type ownWindow struct {
	span                int64
	newest              int64 // the newest bucket counted; -1: empty
	successes, failures [ring.Size]uint32
}

func (w *ownWindow) init(span int64) {
	w.span = span
	w.clear()
}

// add counts outcomes of bucket e, dropping a bucket too old for the ring.
func (w *ownWindow) add(e int64, successes, failures int) {
	switch {
	case w.newest < 0:
		w.newest = e
	case e > w.newest:
		for k := max(w.newest+1, e-ring.Size+1); k <= e; k++ {
			i := k & (ring.Size - 1)
			w.successes[i], w.failures[i] = 0, 0
		}
		w.newest = e
	case e <= w.newest-ring.Size:
		return // a bucket the slots have moved past: out of every window
	}
	i := e & (ring.Size - 1)
	w.successes[i] = saturated(w.successes[i], successes)
	w.failures[i] = saturated(w.failures[i], failures)
}

// saturated returns c plus n, at most the largest count.
func saturated(c uint32, n int) uint32 {
	return uint32(min(int64(c)+int64(max(n, 0)), math.MaxUint32))
}

// counts sums the buckets of the window that ends with bucket e.
func (w *ownWindow) counts(e int64) (failures, samples int) {
	if w.newest < 0 {
		return 0, 0
	}
	for k := max(e-w.span+1, w.newest-ring.Size+1); k <= min(e, w.newest); k++ {
		i := k & (ring.Size - 1)
		failures += int(w.failures[i])
		samples += int(w.successes[i]) + int(w.failures[i])
	}
	return failures, samples
}

func (w *ownWindow) clear() {
	w.newest = -1
	w.successes, w.failures = [ring.Size]uint32{}, [ring.Size]uint32{}
}

// freshOwn starts the process's own window afresh, when its circuit closed
// here or in the fleet: the outcomes the ring holds are taken into a batch for
// the fleet, which still counts them, and then forgotten here.
func (c *fcircuit) freshOwn() {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.f.clock.known.Load() {
		e := c.epoch()
		if b := c.newBatch(e, e, c.f.s.clock.Now(), c.h.rate); b != nil {
			c.outbox = append(c.outbox, b)
		}
	}
	c.own.clear()
}

// localChange applies fn to the cache when ok says the cache allows it, and
// reports whether it did: the compare-and-set of every local transition, so
// that of the goroutines that race for one exactly one makes it.
func (c *fcircuit) localChange(ok func(s *cached) bool, fn func(s *cached)) bool {
	for {
		cur := c.cache.Load()
		if !cur.known || !ok(cur) {
			return false
		}
		next := *cur
		fn(&next)
		next.version++
		if c.cache.CompareAndSwap(cur, &next) {
			if !c.f.strict {
				c.f.watch(c, &next)
			}
			return true
		}
	}
}

// openLocally opens the circuit in this process at now, unless it is open here
// already, locked, or the fleet's opening decides.
func (c *fcircuit) openLocally(now int64) bool {
	return c.localChange(func(s *cached) bool {
		return !s.lopen && s.lock == storage.LockNone && s.ownVerdict()
	}, func(s *cached) { s.lopen, s.lopened, s.lreserved = true, now, 0 })
}

// reserveLocally reserves the probe of the local opening of opened at now, if
// its reservation is still reserved: a compare-and-set on both, as the fleet's.
func (c *fcircuit) reserveLocally(opened, reserved, now int64) bool {
	return c.localChange(func(s *cached) bool {
		return s.lopen && s.ownVerdict() && s.lopened == opened && s.lreserved == reserved
	}, func(s *cached) { s.lreserved = now })
}

// releaseLocally clears the reservation of the local opening if it is reserved.
func (c *fcircuit) releaseLocally(reserved int64) bool {
	return c.localChange(func(s *cached) bool {
		return s.lopen && reserved != 0 && s.lreserved == reserved
	}, func(s *cached) { s.lreserved = 0 })
}

// closeLocally ends the local opening of opened, after its probe succeeded,
// and starts the process's own window afresh.
func (c *fcircuit) closeLocally(opened int64) bool {
	if !c.localChange(func(s *cached) bool { return s.lopen && s.lopened == opened },
		func(s *cached) { s.lopen, s.lopened, s.lreserved = false, 0, 0 }) {
		return false
	}
	c.freshOwn()
	return true
}

// reopenLocally gives the local opening of opened a new OpenedAt, now, after
// its probe failed. The reservation is kept, as the fleet's, so that a late
// compare-and-set against the old one fails.
func (c *fcircuit) reopenLocally(opened, now int64) bool {
	return c.localChange(func(s *cached) bool { return s.lopen && s.lopened == opened },
		func(s *cached) { s.lopened = now })
}

// count counts one outcome of this process in the ring, to be flushed.
func (c *fcircuit) count(success bool) {
	e := c.epoch()
	if success {
		c.pending.Success(e)
	} else {
		c.pending.Failure(e, 0)
	}
	c.dirtied(e)
}
