package engine

import (
	"cmp"
	"context"
	"errors"
	"hash/fnv"
	"math/rand/v2"
	"slices"

	"github.com/breakergen/breakergen/runtime/storage"
)

// This file holds what the fleet's rounds visit, so that a store's work grows
// with its traffic and its trouble, not with the circuits it holds: a flush
// round visits the circuits that counted outcomes since they last sent them,
// and sends those whose outcomes can matter now (eager) or whose bucket has
// closed (lazy); a refresh round visits the circuits that are open, locked or
// open here, each at most once per refresh interval times the processes that
// report it, so the fleet as a whole re-reads a circuit in trouble about once
// per refresh interval, whatever its size.

// eagerShare is the share of the rate threshold at which a process's own
// failure rate makes its outcomes travel every flush interval: below it a
// process reports at bucket boundaries, since its counts cannot move the
// fleet's verdict soon.
const eagerShare = 0.5

// farShare is the share of the rate threshold under which a process's own
// failure rate lets its lazy reports wait for two buckets to close rather
// than one: the shared window then lags its successes by up to two buckets
// and a quarter, which moves a rate a quarter of the threshold away from it
// by less than a third. farBuckets is the fewest buckets a window needs for
// that lag to stay a small part of it.
const (
	farShare   = 0.25
	farBuckets = 8
)

// dirtied notes that c counted its first outcome since it last sent them, in
// bucket e, and adds it to the circuits the next flush round visits. Only the
// first outcome after a send writes anything.
func (c *fcircuit) dirtied(e int64) {
	if c.dirty.Load() || !c.dirty.CompareAndSwap(false, true) {
		return
	}
	c.since.Store(e)
	c.f.visit(c)
}

// visit adds c to the circuits the next flush round visits.
func (f *fleet) visit(c *fcircuit) {
	f.dmu.Lock()
	f.dirty = append(f.dirty, c)
	f.dmu.Unlock()
}

// due reports whether c's outcomes travel in this round: a batch waits to be
// sent again; the process has not reported the circuit yet (so it counts
// among the processes a quorum weighs from its first calls); the bucket of its
// oldest outcome not sent has closed (two buckets, far below the threshold:
// see lazySpan), and the circuit's turn in the new bucket has come (lazy: the
// shared window is right to one or two buckets and a quarter); its own
// failure rate is near the threshold, or other processes vote to open (eager:
// its failures may open the fleet's circuit).
//
// The turn spreads the lazy reports of a fleet's circuits over the first
// quarter of a bucket: with every process's buckets aligned on the server's
// clock, they would all reach Redis at each bucket's end at once.
func (c *fcircuit) due(e int64) bool {
	c.mu.Lock()
	waiting := len(c.outbox) > 0
	c.mu.Unlock()
	if waiting || !c.reported.Load() {
		return true
	}
	f, n := c.ownCounts(e)
	if c.since.Load() <= e-c.lazySpan(f, n) && c.f.clock.nowUS()-e*c.h.width >= c.turn(c.h.width/4) {
		return true
	}
	s := c.cache.Load()
	return s.voters > 0 && f > 0 || f > 0 && float64(f)/float64(n) >= eagerShare*c.h.rate
}

// lazySpan returns how many buckets must close before c's lazy outcomes
// travel: two when the process's own failure rate (f of n) is under farShare
// of the threshold and the window has at least farBuckets buckets, so the
// healthiest traffic costs Redis one report per pair every two buckets; else
// one.
func (c *fcircuit) lazySpan(f, n int) int64 {
	if c.h.buckets >= farBuckets && (f == 0 || float64(f)/float64(n) < farShare*c.h.rate) {
		return 2
	}
	return 1
}

// turn returns c's place in a span of d microseconds: spread by the
// circuit's name and the process, the same at every bucket.
func (c *fcircuit) turn(d int64) int64 {
	if d <= 0 {
		return 0
	}
	h := fnv.New64a()
	h.Write([]byte(c.f.s.pid))
	h.Write([]byte(c.h.name))
	return int64(h.Sum64() % uint64(d))
}

// quiet reports whether c's outcomes travel lazily now: it is closed and
// unlocked here, reported, no other process is known to vote, and its own
// failure rate is below half the threshold (its batches do not vote).
func (c *fcircuit) quiet() bool {
	s := c.cache.Load()
	if !s.known || s.state != storage.StateClosed || s.lock != storage.LockNone || s.lopen || s.voters > 0 || !c.reported.Load() {
		return false
	}
	f, n := c.ownCounts(c.epoch())
	return f == 0 || float64(f)/float64(n) < eagerShare*c.h.rate
}

// ownCounts returns the process's own counts of the window ending with e.
func (c *fcircuit) ownCounts(e int64) (failures, samples int) {
	of, on, _, _ := c.counts(e)
	return of, on
}

// dueNow returns the circuits the flush round sends: the dirty ones that are
// due, and the retired ones; the dirty ones that are not due yet wait for the
// next round.
func (f *fleet) dueNow() []*fcircuit {
	f.dmu.Lock()
	visit := f.dirty
	f.dirty = nil
	f.dmu.Unlock()
	var due, later []*fcircuit
	for _, c := range visit {
		if c.f.clock.known.Load() && !c.due(c.epoch()) {
			later = append(later, c)
		} else {
			due = append(due, c)
		}
	}
	f.dmu.Lock()
	f.dirty = append(f.dirty, later...)
	f.dmu.Unlock()
	return append(due, f.retiredOnes()...)
}

// flushRound sends the outcomes that are due, and reads the circuits assumed
// closed when they were bound. A circuit whose batch failed is visited again
// at the next round.
func (f *fleet) flushRound(ctx context.Context, _ bool) error {
	due := f.dueNow()
	err := f.flushSome(ctx, due, true)
	for _, c := range due {
		if pending([]*fcircuit{c}) && f.held(c) {
			c.dirty.Store(true)
			f.visit(c)
		}
	}
	return errors.Join(err, f.verify(ctx))
}

// held reports whether c is bound, or retired with outcomes to send.
func (f *fleet) held(c *fcircuit) bool {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.circuits[c.h.name] == c
}

// watch keeps c among the circuits refresh rounds visit while s shows it in
// trouble (open, locked, open here) or unknown, and drops it otherwise.
func (f *fleet) watch(c *fcircuit, s *cached) {
	trouble := !s.known || s.state != storage.StateClosed || s.lock != storage.LockNone || s.lopen
	if trouble == c.watched.Load() {
		return
	}
	f.wmu.Lock()
	defer f.wmu.Unlock()
	if trouble {
		f.watched[c] = struct{}{}
	} else {
		delete(f.watched, c)
	}
	c.watched.Store(trouble)
}

// refreshRound re-reads the watched circuits whose turn has come, or every
// circuit when all is set (a subscription came back: announcements may have
// been lost), spread over the next refresh interval; at most maxReads a
// round.
func (f *fleet) refreshRound(ctx context.Context, all bool) error {
	now := f.s.clock.Now()
	interval := int64(f.s.cfg.Refresh)
	if all {
		for _, c := range f.all() {
			c.nextRead.Store(now + rand.Int64N(interval)) // jittered: not all at once
			f.watchAll(c)
		}
		return nil
	}
	f.wmu.Lock()
	var due []*fcircuit
	for c := range f.watched {
		if c.nextRead.Load() <= now {
			due = append(due, c)
		}
	}
	f.wmu.Unlock()
	if len(due) > maxReads {
		// The most overdue first; the others stay due for the next rounds.
		slices.SortFunc(due, func(a, b *fcircuit) int { return cmp.Compare(a.nextRead.Load(), b.nextRead.Load()) })
		due = due[:maxReads]
	}
	for _, c := range due {
		// Each process re-reads every (processes × interval), jittered: the
		// fleet about once per interval. Announcements do the real work.
		turn := interval * int64(min(c.peers(), maxTurns))
		c.nextRead.Store(now + turn/2 + rand.Int64N(turn))
	}
	return errors.Join(f.refresh(ctx, due), f.restore(ctx, due))
}

// maxReads caps the circuits a refresh round reads: after a reconnect, a
// process holding many circuits reads them over several rounds, not at once.
const maxReads = 512

// peers returns the processes of the fleet that report the circuit, this one
// included, as many as last seen at most: an open circuit's processes stop
// reporting (they skip their calls) while it stays open, and its refreshes
// must not grow with the fleet meanwhile.
func (c *fcircuit) peers() int {
	n := int32(c.cache.Load().reporters + 1)
	for {
		seen := c.seen.Load()
		if n <= seen {
			return int(seen)
		}
		if c.seen.CompareAndSwap(seen, n) {
			return int(n)
		}
	}
}

// maxTurns caps the processes a refresh interval is multiplied by, so that a
// lost announcement is repaired within ten minutes at the default interval
// (announcements are lost with a subscription, whose return reads every
// circuit at once): up to 600 processes the fleet reads an open circuit about
// once per interval.
const maxTurns = 600

// watchAll makes a refresh round read c once, whatever its state.
func (f *fleet) watchAll(c *fcircuit) {
	f.wmu.Lock()
	f.watched[c] = struct{}{}
	f.wmu.Unlock()
	c.watched.Store(true)
}

// unwatch drops c from the refresh rounds, when it is forgotten.
func (f *fleet) unwatch(c *fcircuit) {
	f.wmu.Lock()
	delete(f.watched, c)
	f.wmu.Unlock()
	c.watched.Store(false)
}
