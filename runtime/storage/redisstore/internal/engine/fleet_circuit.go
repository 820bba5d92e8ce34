package engine

import (
	"context"
	"slices"
	"sync"
	"sync/atomic"

	"github.com/breakergen/breakergen/internal/hotpath/bounded"
	"github.com/breakergen/breakergen/internal/hotpath/ring"
	"github.com/breakergen/breakergen/runtime/storage"
)

// cached is what a fleet store knows of a circuit: the fleet's state as of the
// last script reply, announcement or refresh, the counts of the shared window
// then, and this process's own verdict. It is never changed once published:
// the hot path decides a call with one load of it.
type cached struct {
	state    storage.State
	lock     storage.Lock
	lockAt   int64 // server microseconds when the lock was first known here
	opened   int64 // server microseconds, 0 for never
	reserved int64 // server microseconds, 0 for none
	failures int   // the shared window's counts at countsAt, flushed outcomes included
	samples  int
	countsAt int64 // server microseconds when the counts were read
	// cool is the cool-down of the fleet's open period in microseconds, as
	// Redis holds it (backed off after failed probes with CoolDownMax); 0
	// when closed or not known, which stands for the policy's CoolDown.
	cool int64
	// rampFrom is when a probe closed the fleet's circuit with a ramp to
	// follow, in server microseconds; 0 for none, and while open.
	rampFrom int64
	// probes is the reservations the fleet's open period holds, with several
	// probes (HalfOpenProbes), as of the last reading that said.
	probes int
	// voters and reporters are the other processes that voted to open the
	// circuit, and that reported outcomes, within the window, as of the last
	// reply that counted them: what a quorum needs besides this process.
	voters, reporters int
	at                int64  // server microseconds of the reading
	version           uint64 // changes with state, lock, opened, reserved and the local verdict
	known             bool   // read from Redis at least once

	// lopen is this process's own opening of the circuit (a local opening):
	// its own outcomes failed the thresholds while the fleet's circuit was
	// closed, or it held the fleet's opening when it was cut off from Redis.
	// lopened and lreserved are its OpenedAt and its probe's reservation, in
	// server microseconds as estimated here.
	lopen              bool
	lopened, lreserved int64
	// detached is set while the store is cut off from Redis for longer than
	// its staleness bound: the process decides from its own outcomes alone.
	detached bool
}

// fleetOpen reports whether the fleet's opening decides calls here: the
// fleet's circuit is open and the store is not cut off from it.
func (s *cached) fleetOpen() bool { return s.state == storage.StateOpen && !s.detached }

// learnPolicies sets, in s (the reading st laid over cur), what the policies
// beyond the classic ones keep in Redis: the open period's cool-down and
// reservations, and the closed circuit's ramp start. A reading that does not
// say (an older announcement, a report) keeps what cur knew of the same
// period, and forgets what belonged to another.
func (s *cached) learnPolicies(cur *cached, st storage.Status) {
	switch {
	case st.CoolDown > 0:
		s.cool = st.CoolDown.Microseconds()
	case s.state != storage.StateOpen || s.opened != cur.opened:
		s.cool = 0 // the policy's, for a new period
	}
	s.probes = 0
	if s.state == storage.StateOpen {
		s.probes = st.Probes
	}
	switch {
	case s.state == storage.StateOpen:
		s.rampFrom = 0
	case !st.ClosedAt.IsZero():
		s.rampFrom = micros(st.ClosedAt)
	case cur.state != storage.StateClosed:
		s.rampFrom = 0 // closed, and the reading does not say by a probe with a ramp
	}
}

// coolOr returns the cool-down of the fleet's open period, in microseconds:
// the one Redis holds when known, else d, the policy's.
func (s *cached) coolOr(d int64) int64 {
	if s.cool != 0 {
		return s.cool
	}
	return d
}

// ownVerdict reports whether this process's own verdict decides calls: the
// fleet's circuit is closed, or the store is cut off from the fleet.
func (s *cached) ownVerdict() bool { return s.state == storage.StateClosed || s.detached }

// sameDecision reports whether s and o decide calls alike: the runtime keeps
// the error of a refusal while the version does not change.
func (s *cached) sameDecision(o *cached) bool {
	return s.known == o.known && s.state == o.state && s.lock == o.lock && s.opened == o.opened &&
		s.reserved == o.reserved && s.lopen == o.lopen && s.lopened == o.lopened &&
		s.lreserved == o.lreserved && s.detached == o.detached
}

// fcircuit is one circuit of a fleet store, shared by its handles: the cached
// status, the outcomes counted here and not yet flushed, and the batches on
// their way to Redis.
type fcircuit struct {
	f     *fleet
	h     *handle // the first binding's scripts: its geometry counts the local outcomes
	cache atomic.Pointer[cached]
	// notifier is the runtime's (through the fault-tolerant wrapper), told of
	// the transitions a flush makes or an announcement brings, and of
	// the failures of background flushes and refreshes, which no call returns.
	notifier atomic.Pointer[notifierRef]
	dirty    atomic.Bool  // outcomes counted since the last flush took them
	since    atomic.Int64 // the bucket of the first of them
	reported atomic.Bool  // the process has sent outcomes of the circuit
	voted    atomic.Bool  // the last batch acknowledged voted to open
	touched  atomic.Int64 // server microseconds when a report last asked to write the report time
	watched  atomic.Bool  // among the circuits refresh rounds read
	nextRead atomic.Int64 // when a refresh round reads it next, local monotonic nanoseconds
	seen     atomic.Int32 // the most processes seen reporting it, this one included
	// opening counts the flushes on their way that may open the fleet's
	// circuit: while one is, for up to openingPatience since openingSince, it
	// decides, and no failure opens the circuit here.
	opening      atomic.Int32
	openingSince atomic.Int64 // local monotonic nanoseconds
	openMu       sync.Mutex   // orders failures' opening decisions (fhandle.failure)
	// lost holds what a reply showed Redis lost of what this process knew
	// (presentState, presentLock), until the restore writes it back.
	lost atomic.Uint32
	// inflight holds the counts of the batches taken and not yet acknowledged.
	inflightF, inflightN atomic.Int64
	pending              ring.Ring // local outcomes not yet taken, by the epoch of their Redis bucket
	share                share     // the calls a ramp admits (fleet_ramp.go)

	// flushing is held (a token in it) while the circuit's counts move between
	// here and Redis: by a flush from sending its batches to learning their
	// replies, and by a read of the status, so that a read never sees a batch
	// both applied in Redis and still in flight here. Waits on it honour
	// their context.
	flushing chan struct{}
	mu       sync.Mutex // guards outbox and own
	outbox   []*batch
	// own holds the process's outcomes taken from the ring: with the ring's,
	// its own window, which its own verdict and its vote are made of.
	own     ownWindow
	handles int // guarded by fleet.mu
}

// batch is counts taken from a circuit's ring to be flushed, with the sequence
// number that makes their flush count once however often it is sent.
type batch struct {
	seq     seqNum
	buckets []bucketCount
	created int64 // local monotonic nanoseconds
	f, n    int
	vote    bool // the process's own window failed the rate threshold when it was taken
}

func newFcircuit(f *fleet, h *handle) *fcircuit {
	c := &fcircuit{f: f, h: h, flushing: make(chan struct{}, 1)}
	span := int64(min(h.buckets, ring.Size))
	c.pending.Init(span, ring.ExtraLanes())
	c.own.init(span)
	c.cache.Store(&cached{detached: f.detached.Load()})
	return c
}

// listen takes the runtime's Notifier of a binding (Policy.Notify): the
// circuit's background flushes and refreshes, and the handles' tolerated
// failures, are told to it. A binding without one (an operator's tool
// binding a circuit a runtime also holds) leaves another's.
func (c *fcircuit) listen(n storage.Notifier) {
	if n != nil {
		c.notifier.Store(&notifierRef{n})
	}
}

// notifierRef holds a binding's Notifier, for an atomic pointer.
type notifierRef struct{ n storage.Notifier }

// told returns the runtime's Notifier, or nil before one was given.
func (c *fcircuit) told() storage.Notifier {
	if r := c.notifier.Load(); r != nil {
		return r.n
	}
	return nil
}

// epoch returns the Redis bucket the server's time is in now.
func (c *fcircuit) epoch() int64 { return c.f.clock.nowUS() / c.h.width }

// learn publishes what a reply, announcement or refresh read of the circuit at
// server time at, unless a newer reading is already known: the fleet's state,
// its counts when counts is set, and the quorum's processes when q is not nil.
// A transition of the fleet's circuit ends this process's local opening, which
// the fleet's verdict supersedes; when the fleet's circuit closed, the
// process's own window starts afresh. When remote is set, the reading may
// bring another process's change (an announcement of another's, a read), and
// the transitions and lock changes it shows are told to the runtime, as
// learnt; the replies to this process's own changes are not, since the
// runtime tells of those itself.
func (c *fcircuit) learn(st storage.Status, at int64, counts bool, q *answer, remote bool) {
	for {
		cur := c.cache.Load()
		if cur.known && at < cur.at {
			return
		}
		next := *cur
		next.state, next.lock, next.opened, next.reserved = st.State, st.Lock, micros(st.OpenedAt), micros(st.ReservedAt)
		next.learnPolicies(cur, st)
		next.at = at
		if lost := c.lostOf(cur, st, at, q); lost != 0 {
			// The next refresh round writes it back (it re-reads every
			// circuit open or locked here); a strict read at once.
			c.lost.Or(uint32(lost))
		}
		// Redis lost what this process knew: keep it until it is written
		// back, whatever a reading without it says meanwhile.
		lost := c.lost.Load()
		if lost&presentState != 0 {
			next.state, next.opened, next.reserved = cur.state, cur.opened, cur.reserved
		}
		if lost&presentLock != 0 {
			next.lock = cur.lock
		}
		if next.lock != cur.lock || !cur.known {
			next.lockAt = at
		}
		// After Shutdown the hot path stays off: nothing would flush. Before
		// the server's clock is known (an announcement can come first) it
		// stays off too: the ring numbers its buckets with that clock.
		next.known = !c.f.stopped.Load() && c.f.clock.known.Load()
		if counts {
			next.failures, next.samples, next.countsAt = st.Failures, st.Samples, at
		}
		if q != nil {
			next.voters, next.reporters = q.voters, q.reporters
		}
		moved := cur.known && (next.state != cur.state || next.opened != cur.opened)
		if moved {
			next.lopen, next.lopened, next.lreserved = false, 0, 0
			if next.state == storage.StateOpen && next.detached {
				next.lopen, next.lopened = true, next.opened // cut off: this process holds the opening
			}
		}
		if !next.sameDecision(cur) {
			next.version++
		}
		if c.cache.CompareAndSwap(cur, &next) {
			if !c.f.strict {
				c.f.watch(c, &next)
			}
			if moved && next.state == storage.StateClosed {
				c.freshOwn()
			}
			if remote && cur.known {
				c.learnt(cur, &next)
			}
			return
		}
	}
}

// lostOf returns what Redis lost of what this process knew of the circuit,
// in cur, as a reply read at at shows it (presentState, presentLock, or
// both): an opening whose state hash is gone, while the opening is younger
// than the state's TTL, and a lock whose key is gone, while younger than the
// lock's TTL. A removal by an operator leaves a tombstone, not an absence.
func (c *fcircuit) lostOf(cur *cached, st storage.Status, at int64, q *answer) int {
	if q == nil || !cur.known || cur.detached {
		return 0
	}
	lost := 0
	if cur.state == storage.StateOpen && st.State == storage.StateClosed && q.present&presentState == 0 &&
		at < cur.opened+c.h.stateTTL*1000 {
		lost |= presentState
	}
	ttl := c.f.s.cfg.LockTTL.Microseconds()
	if cur.lock != storage.LockNone && st.Lock == storage.LockNone && q.present&presentLock == 0 &&
		(ttl == 0 || at < cur.lockAt+ttl) {
		lost |= presentLock
	}
	return lost
}

// learnt tells the runtime of the transitions and lock changes from cur to
// next, which another process made.
func (c *fcircuit) learnt(cur, next *cached) {
	n := c.told()
	if n == nil {
		return
	}
	st := storage.Status{State: next.state, Lock: next.lock, OpenedAt: fromMicros(next.opened),
		ReservedAt: fromMicros(next.reserved), Failures: next.failures, Samples: next.samples,
		CurrentTime: fromMicros(next.at)}
	var ts []storage.Transition
	switch {
	case cur.state == storage.StateClosed && next.state == storage.StateOpen:
		ts = append(ts, storage.TransitionOpened)
	case cur.state == storage.StateOpen && next.state == storage.StateClosed:
		ts = append(ts, storage.TransitionClosed)
	case next.state == storage.StateOpen && next.opened != cur.opened:
		ts = append(ts, storage.TransitionReopened)
	}
	switch {
	case next.lock == cur.lock:
	case next.lock == storage.LockNone:
		ts = append(ts, storage.TransitionUnlocked)
	default:
		ts = append(ts, storage.TransitionLocked)
	}
	for _, t := range ts {
		n.Transitioned(storage.Result{Transition: t, Status: st, Remote: true})
	}
}

// forget marks the cache unknown, so the hot path asks until Redis answers.
func (c *fcircuit) forget() {
	c.change(func(s *cached) { s.known = false })
}

// counts returns this process's own counts (its window) and the fleet's as
// known here (the shared window's, the batches in flight and the ring's) of
// the window that ends with bucket e.
//
// It holds mu, as taking a batch and settling one do, so that an outcome moving
// from the ring to a batch, or a batch leaving once its counts are learnt, is
// counted at least once: never missed by a threshold check. (A batch may be
// counted twice, in the cache and in flight, for a moment; that only makes a
// failure go to Redis, whose script decides on the exact counts.)
func (c *fcircuit) counts(e int64) (ownF, ownN, fleetF, fleetN int) {
	c.mu.Lock()
	defer c.mu.Unlock()
	s := c.cache.Load()
	f, n := c.pending.Counts(e)
	of, on := c.own.counts(e)
	ownF, ownN = of+f, on+n
	// The fleet's window holds this process's outcomes: a reading that lags
	// (a report's reply reads no counts, and the batch it carried leaves
	// the in-flight ones) is never taken for fewer than they.
	fleetF = max(s.failures+int(c.inflightF.Load())+f, ownF)
	fleetN = max(s.samples+int(c.inflightN.Load())+n, ownN)
	return ownF, ownN, fleetF, fleetN
}

// take moves the ring's outcomes into a new batch in the outbox, when no batch
// is waiting already: a batch that failed is sent again as it was, with its
// token, before anything new is taken. It needs the server's clock, which
// numbers the buckets; not the cached status, which Shutdown forgets while
// the ring still holds outcomes to send.
func (c *fcircuit) take(now int64, closedOnly bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if len(c.outbox) > 0 || !c.f.clock.known.Load() || !c.dirty.Swap(false) {
		return
	}
	e := c.epoch()
	upTo := e
	if closedOnly {
		upTo = e - 1
	}
	if b := c.newBatch(e, upTo, now, c.h.rate); b != nil {
		c.outbox = append(c.outbox, b)
	}
	if _, n := c.pending.Counts(e); closedOnly && n > 0 {
		// The current bucket's outcomes wait for it to close.
		c.since.Store(e)
		c.dirty.Store(true)
	}
}

// newBatch takes the ring's outcomes of the window ending with bucket upTo (e,
// the current bucket, or one before it) into a batch counted in flight and in
// the process's own window, with the process's vote at rate in the window
// ending with e, or returns nil when there are none. The caller holds mu.
func (c *fcircuit) newBatch(e, upTo, now int64, rate float64) *batch {
	taken := c.pending.Take(upTo)
	if len(taken) == 0 {
		return nil
	}
	b := &batch{seq: c.h.seq.batch(), created: now}
	for _, t := range taken {
		b.buckets = append(b.buckets, bucketCount{epoch: t.Epoch, successes: t.Successes, failures: t.Failures})
		b.f += t.Failures
		b.n += t.Successes + t.Failures
		c.own.add(t.Epoch, t.Successes, t.Failures)
	}
	c.inflightF.Add(int64(b.f))
	c.inflightN.Add(int64(b.n))
	b.vote = c.voteLocked(e, rate)
	return b
}

// failureBatch takes the ring's outcomes into a batch, as newBatch does, with
// one more failure in bucket e: a failure counted nowhere else. The caller
// holds mu.
func (c *fcircuit) failureBatch(e, now int64, rate float64) *batch {
	b := c.newBatch(e, e, now, rate)
	if b == nil {
		b = &batch{seq: c.h.seq.batch(), created: now}
	}
	c.addTo(b, e, false)
	c.own.add(e, 0, 1)
	b.vote = c.voteLocked(e, rate)
	return b
}

// carry puts an outcome whose script failed into b, the batch that script
// carried (a new batch of its number seq when it carried none), for the
// flusher to send again: under the same number, the outcome counts once
// whether or not the failed script ran. The process's own window counted it
// already.
func (c *fcircuit) carry(b *batch, seq seqNum, e, now int64, success bool) *batch {
	c.mu.Lock()
	defer c.mu.Unlock()
	if b == nil {
		b = &batch{seq: seq, created: now}
	}
	c.addTo(b, e, success)
	return b
}

// addTo adds one outcome in bucket e to b, counted in flight. The caller holds
// mu or owns b alone.
func (c *fcircuit) addTo(b *batch, e int64, success bool) {
	i := slices.IndexFunc(b.buckets, func(x bucketCount) bool { return x.epoch == e })
	if i < 0 {
		b.buckets = append(b.buckets, bucketCount{epoch: e})
		i = len(b.buckets) - 1
	}
	f := 0
	if success {
		b.buckets[i].successes++
	} else {
		b.buckets[i].failures++
		f = 1
	}
	b.f += f
	b.n++
	c.inflightF.Add(int64(f))
	c.inflightN.Add(1)
}

// voteLocked reports whether the process votes to open the circuit: its own
// outcomes of the window ending with bucket e failed the rate threshold rate.
// A vote needs no minimum of samples. The caller holds mu.
func (c *fcircuit) voteLocked(e int64, rate float64) bool {
	f, n := c.pending.Counts(e)
	of, on := c.own.counts(e)
	f, n = f+of, n+on
	return f > 0 && float64(f)/float64(n) >= rate
}

// settle removes b from the outbox: it was acknowledged, or dropped.
func (c *fcircuit) settle(b *batch) {
	c.reported.Store(true)
	c.voted.Store(b.vote)
	c.mu.Lock()
	defer c.mu.Unlock()
	for i, x := range c.outbox {
		if x == b {
			c.outbox = append(c.outbox[:i], c.outbox[i+1:]...)
			c.inflightF.Add(-int64(b.f))
			c.inflightN.Add(-int64(b.n))
			return
		}
	}
}

// batches returns the outbox, dropping the batches too old to send: older than
// the window they were counted for, or than the time their token is
// remembered, past which a replay could count them twice (they are then lost:
// at most once).
func (c *fcircuit) batches(now int64) []*batch {
	c.mu.Lock()
	limit := c.h.width * int64(c.h.buckets) * 1000
	var keep, dropped []*batch
	for _, b := range c.outbox {
		if now-b.created > limit {
			dropped = append(dropped, b)
		} else {
			keep = append(keep, b)
		}
	}
	c.mu.Unlock()
	for _, b := range dropped {
		c.settle(b)
	}
	return keep
}

// clear forgets the local outcomes and batches, for a Reset.
func (c *fcircuit) clear() {
	c.mu.Lock()
	defer c.mu.Unlock()
	for _, b := range c.outbox {
		c.inflightF.Add(-int64(b.f))
		c.inflightN.Add(-int64(b.n))
	}
	c.outbox = nil
	c.pending.Clear()
	c.own.clear()
	c.dirty.Store(false)
}

// failed tells the runtime of a background flush or refresh of c that failed.
func (c *fcircuit) failed(op string, err error) {
	if n := c.told(); n != nil {
		n.Failed(storage.Failure{Op: op, Circuit: c.h.name, Err: err})
	}
}

// lock takes the circuit's flushing token, or fails when ctx is done first.
func (c *fcircuit) lock(ctx context.Context) error {
	select {
	case c.flushing <- struct{}{}:
		return nil
	case <-ctx.Done():
		return bounded.Err(ctx)
	}
}

func (c *fcircuit) unlock() { <-c.flushing }
