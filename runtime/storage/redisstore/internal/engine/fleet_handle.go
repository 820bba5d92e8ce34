package engine

import (
	"context"
	"math"
	"sync/atomic"
	"time"

	"github.com/breakergen/breakergen/internal/hotpath/bounded"
	"github.com/breakergen/breakergen/runtime/storage"
)

// fhandle is a circuit of a fleet store bound with one policy. Its hot path
// decides from the circuit's cached status and counts in the circuit's ring;
// its decision path asks Redis only when the answer cannot be known here.
//
// A circuit has two verdicts. The fleet's is the shared window in Redis,
// which opens the circuit for every process (with a quorum of processes, see
// WithQuorum). The process's own is its own window: when its own outcomes fail
// the thresholds while the fleet's circuit is closed, the circuit opens here
// only (a local opening), and this process probes and closes it by itself. Cut
// off from Redis longer than the staleness bound, the process decides from its
// own verdict alone (see fleet_stale.go).
type fhandle struct {
	c       *fcircuit
	h       *handle // this binding's scripts: its policy, and its geometry for reads
	p       storage.Policy
	cool    int64 // CoolDown in microseconds
	unbound atomic.Bool
}

var (
	_ storage.Handle   = (*fhandle)(nil)
	_ storage.Operator = (*fhandle)(nil)
	_ storage.HotPath  = (*fhandle)(nil)
	_ storage.Unbinder = (*fhandle)(nil)
	_ storage.Viewer   = (*fhandle)(nil)
	_ storage.Deferrer = (*fhandle)(nil)
)

// Admit decides from the cached status: run while closed (here and in the
// fleet) and unlocked; skip while the verdict that holds is open and cooling
// down or reserved by another probe, or locked open (on the server's time,
// estimated here); ask otherwise.
func (h *fhandle) Admit() storage.Admission {
	s := h.c.cache.Load()
	if s.known && s.state == storage.StateClosed && s.lock == storage.LockNone && !s.lopen {
		return storage.Admission{Verdict: storage.AdmitRun}
	}
	switch {
	case !s.known || s.lock == storage.LockClosed:
		return storage.Admission{}
	case s.lock == storage.LockOpen:
	case s.fleetOpen():
		if h.free(s.opened, s.reserved, s.coolOr(h.cool), s.probes) {
			return storage.Admission{} // half-open and free: race for the probe
		}
	case s.lopen:
		if h.free(s.lopened, s.lreserved, h.cool, 1) {
			return storage.Admission{} // half-open here: race for this process's probe
		}
	default: // cut off, with the fleet's opening closed here by this process's probe
		return storage.Admission{Verdict: storage.AdmitRun}
	}
	return storage.Admission{Verdict: storage.AdmitSkip, Until: math.MaxInt64, Version: s.version}
}

// free reports whether an opening of opened whose cool-down is cool, with
// probes reservations, the latest at reserved, is half-open and has a probe
// free now: no reservation holds, or fewer than the policy's probes do. A
// reservation lasts the policy's CoolDown, whatever the backoff. (A local
// opening takes one probe at a time.)
func (h *fhandle) free(opened, reserved, cool int64, probes int) bool {
	now := h.c.f.clock.nowUS()
	full := h.h.probes <= 1 || reserved >= opened && probes >= h.h.probes
	return now >= opened+cool && (reserved == 0 || !full || now >= reserved+h.cool)
}

// Succeeded counts a success in the circuit's ring, to be flushed.
func (h *fhandle) Succeeded(int64) {
	c := h.c
	e := c.epoch()
	c.pending.Success(e)
	c.dirtied(e)
}

// Failed counts a failure in the circuit's ring, unless it may make a
// transition: added to this process's own window it fails the thresholds (a
// local opening), or added to the fleet's counts last known and those not yet
// flushed it fails them with a quorum in reach (the fleet's opening). Then it
// counts nothing and the caller records it through Record, which decides. It
// checks before it counts, so that the failure it refuses was never in the
// ring. Two failures checked at once may both be counted and fail the
// threshold together: the flush that carries them, within a flush interval,
// opens the circuit.
func (h *fhandle) Failed(int64) bool {
	c := h.c
	e := c.epoch()
	if s := c.cache.Load(); s.lock == storage.LockNone && !s.lopen && s.ownVerdict() {
		ownF, ownN, fleetF, fleetN := c.counts(e)
		if h.p.FailsThreshold(ownF+1, ownN+1) || h.mayOpenFleet(s, fleetF+1, fleetN+1, ownF+1, ownN+1) {
			return false
		}
	}
	c.pending.Failure(e, 0)
	c.dirtied(e)
	return true
}

// mayOpenFleet reports whether a flush now could open the fleet's circuit:
// its counts fail the thresholds, and the votes known, with this process's
// own, reach the quorum.
func (h *fhandle) mayOpenFleet(s *cached, fleetF, fleetN, ownF, ownN int) bool {
	if s.detached || s.state != storage.StateClosed || !h.p.FailsThreshold(fleetF, fleetN) {
		return false
	}
	votes := s.voters
	if ownF > 0 && float64(ownF)/float64(ownN) >= h.p.RateThreshold {
		votes++
	}
	return votes >= min(h.c.f.s.cfg.Quorum, s.reporters+1)
}

// Status reads the circuit's status in Redis and adds the outcomes counted here
// and not yet flushed. While this process's own verdict holds (a local
// opening, or cut off from Redis) it is the status, with Scope ScopeProcess,
// and Redis is not asked.
func (h *fhandle) Status(ctx context.Context, now time.Time) (storage.Status, error) {
	c := h.c
	if s := c.cache.Load(); s.known && (s.detached || (s.lopen && s.state == storage.StateClosed)) {
		return h.composed(), nil
	}
	return h.read(ctx, true)
}

// View returns the circuit's status as this process knows it, without a
// round trip, for scrapes: what replies, announcements and refreshes taught
// it of the fleet's state (an announcement reaches it within milliseconds;
// other processes' counts within a bucket, as of the last reading), with the
// outcomes counted here and not yet sent, or this process's own verdict. It
// reports false while nothing is known of the circuit yet.
func (h *fhandle) View(time.Time) (storage.Status, bool) {
	if !h.c.cache.Load().known {
		return storage.Status{}, false
	}
	return h.composed(), true
}

// read reads the circuit's status in Redis, as Status does; remote says
// whether a change it shows may be another process's, to tell the runtime of.
func (h *fhandle) read(ctx context.Context, remote bool) (storage.Status, error) {
	c := h.c
	if ctx == nil {
		ctx = context.Background()
	}
	// Wait a little for a flush of the circuit in progress, so the counts read
	// are exact; past that, read them as they are (a batch may be counted both
	// in Redis and here, until its reply comes back).
	wait, cancel := context.WithTimeout(ctx, statusWait)
	if c.lock(wait) == nil {
		defer c.unlock()
	}
	cancel()
	sent := c.f.s.offset.Load()
	// The read is bounded here, not only by the caller: a read abandoned on a
	// dead connection (go-redis waits out its own timeouts and retries) must
	// not keep the flushing token, and the circuit's flushes, for seconds.
	read, done := ctx, context.CancelFunc(func() {})
	if _, ok := ctx.Deadline(); !ok {
		read, done = context.WithTimeout(ctx, roundTimeout)
	}
	a, err := bounded.Call(read, h.h.read)
	done()
	if err != nil {
		return storage.Status{}, err
	}
	at := micros(a.res.Status.CurrentTime)
	c.f.clock.learn(at, sent)
	q := &a
	c.learn(a.res.Status, at, h.h == c.h, q, remote)
	if s := c.cache.Load(); s.lopen && s.state == storage.StateClosed {
		return h.composed(), nil
	}
	st := c.kept(a.res.Status)
	f, n := c.pending.Counts(c.epoch())
	st.Failures += f + int(c.inflightF.Load())
	st.Samples += n + int(c.inflightN.Load())
	return st, nil
}

// statusWait bounds how long a status read waits for a flush of its circuit:
// far longer than a flush on a healthy Redis, far shorter than the storage
// deadline of a protected call.
const statusWait = 20 * time.Millisecond

// Record counts the outcome here and decides what it does: a success, or a
// failure that fails no threshold, is flushed later; a failure that may open
// the fleet's circuit is flushed at once, with what the ring holds; one that
// fails this process's own thresholds opens the circuit here. A probe's
// outcome closes or reopens the opening it probed: this process's, here, or
// the fleet's, in one script.
//
// A transition made after the caller stopped waiting (its storage budget
// spent while a flush waited on a Redis out of reach: the runtime's bounded
// call has returned, and would drop the result) is told to the runtime as a
// notification instead (Policy.Notify's Transitioned), and the result returned
// carries none: its event is emitted once, not lost.
func (h *fhandle) Record(ctx context.Context, now time.Time, o storage.Outcome) (storage.Result, error) {
	r, err := h.record(ctx, o)
	if err == nil && r.Transition != storage.TransitionNone && ctx != nil && ctx.Err() != nil {
		if n := h.c.told(); n != nil {
			n.Transitioned(r)
			r.Transition = storage.TransitionNone
		}
	}
	return r, err
}

// record is Record: it counts o and makes the transition it causes.
func (h *fhandle) record(ctx context.Context, o storage.Outcome) (storage.Result, error) {
	c := h.c
	s := c.cache.Load()
	switch {
	case o.Probe:
		if r, ok := h.localProbe(o); ok {
			return r, nil
		}
		if s.detached { // the fleet's probe, out of reach: counted, sent later
			c.count(o.Success)
			return storage.Result{Status: h.composed()}, nil
		}
		return h.flushNow(ctx, o)
	case !s.known || c.f.stopped.Load():
		return h.flushNow(ctx, o)
	case o.Success:
		c.count(true)
		return storage.Result{Status: h.composed()}, nil
	}
	return h.failure(ctx)
}

// Defer counts o in the ring for a later flush, deciding nothing: the outcome
// of a call whose Record the storage guard refused (storage.Deferrer), which
// the runtime's fallback decides. It is lost only when the store has never
// learnt the server's clock, which numbers the buckets, or has shut down.
func (h *fhandle) Defer(o storage.Outcome) {
	if h.c.f.clock.known.Load() && !h.c.f.stopped.Load() {
		h.c.count(o.Success)
	}
}

// failure counts a failure of a call the decision path let run, and makes the
// transition it causes: the fleet's opening, when a flush at once opens it, or
// else this process's own. While a flush that may open the fleet's circuit is
// on its way, that flush decides, with this failure counted: a process alone,
// whose two verdicts fail together, opens the fleet's circuit once, not its own
// as well. A flush on its way for longer than openingPatience (Redis slow or
// out of reach) decides nothing for the others: a failure that fails this
// process's own thresholds then opens the circuit here at once.
func (h *fhandle) failure(ctx context.Context) (storage.Result, error) {
	c := h.c
	now := h.c.f.s.clock.Now()
	// openMu orders the decisions of concurrent failures: one that opens the
	// circuit here and one that sets off a flush that may open the fleet's
	// never pass each other.
	c.openMu.Lock()
	if c.cache.Load().lopen {
		// Open here already (a call let run before): counted for the fleet,
		// whose opening, if it comes, a flush round makes.
		c.openMu.Unlock()
		c.count(false)
		return storage.Result{Status: h.composed()}, nil
	}
	ownF, ownN, fleetF, fleetN := c.counts(c.epoch())
	if !h.mayOpenFleet(c.cache.Load(), fleetF+1, fleetN+1, ownF+1, ownN+1) {
		c.count(false)
		r := storage.Result{Status: h.composed()}
		if !c.deciding(now) {
			r = h.ownOpening(ownF+1, ownN+1)
		}
		c.openMu.Unlock()
		return r, nil
	}
	n := c.opening.Add(1)
	if n == 1 {
		c.openingSince.Store(now)
	}
	racing := n > 1 && c.deciding(now)
	c.openMu.Unlock()
	defer c.opening.Add(-1)
	a, sent, err := h.flushFailure(ctx)
	switch {
	case !sent && (racing || c.cache.Load().state == storage.StateOpen):
		// The flush on its way opened the fleet's circuit, or another
		// failure's flush is on its way and decides, with this one counted:
		// one opening, the fleet's or the process's, not both.
		return storage.Result{Status: h.composed()}, nil
	case err == nil && a.res.Transition != storage.TransitionNone:
		return a.res, nil
	}
	c.openMu.Lock()
	defer c.openMu.Unlock()
	if c.opening.Load() > 1 && c.deciding(c.f.s.clock.Now()) {
		return storage.Result{Status: h.composed()}, nil // another failure's flush decides
	}
	ownF, ownN, _, _ = c.counts(c.epoch())
	return h.ownOpening(ownF, ownN), nil
}

// deciding reports whether a flush that may open the fleet's circuit is on its
// way at now, sent less than openingPatience before.
func (c *fcircuit) deciding(now int64) bool {
	return c.opening.Load() > 0 && now-c.openingSince.Load() < int64(openingPatience)
}

// openingPatience is how long a flush that may open the fleet's circuit
// decides for the failures that come meanwhile: the runtime's default storage
// budget, far longer than such a flush on a healthy Redis.
const openingPatience = 100 * time.Millisecond

// ownOpening opens the circuit in this process when its own counts, ownF
// failures of ownN, fail the thresholds.
func (h *fhandle) ownOpening(ownF, ownN int) storage.Result {
	if h.p.FailsThreshold(ownF, ownN) && h.c.openLocally(h.c.f.clock.nowUS()) {
		return h.c.localResult(storage.TransitionOpened)
	}
	return storage.Result{Status: h.composed()}
}

// localProbe applies the outcome of a probe of this process's own opening:
// its success closes the opening, its failure reopens it. The outcome is
// counted for the fleet as any other. It reports false when o probed no local
// opening.
func (h *fhandle) localProbe(o storage.Outcome) (storage.Result, bool) {
	c := h.c
	s := c.cache.Load()
	if !s.lopen || micros(o.OpenedAt) != s.lopened || !s.ownVerdict() {
		return storage.Result{}, false
	}
	c.count(o.Success)
	t := storage.TransitionNone
	switch {
	case o.Success && c.closeLocally(s.lopened):
		t = storage.TransitionClosed
	case !o.Success && c.reopenLocally(s.lopened, c.f.clock.nowUS()):
		t = storage.TransitionReopened
	}
	return c.localResult(t), true
}

// localResult is the result of a transition of this process's own verdict:
// the status after it, of Scope ScopeProcess even when the transition closed
// the circuit here and the fleet's (closed) verdict holds again, so that the
// event says whose transition it was.
func (c *fcircuit) localResult(t storage.Transition) storage.Result {
	st := c.composed()
	if t != storage.TransitionNone {
		st.Scope = storage.ScopeProcess
	}
	return storage.Result{Transition: t, Status: st}
}

// composed is the status known here, without asking Redis: the verdict that
// holds, with its counts (Scope ScopeProcess for this process's own).
func (h *fhandle) composed() storage.Status { return h.c.composed() }

// composed is the circuit's status known here; see fhandle.composed.
func (c *fcircuit) composed() storage.Status {
	s := c.cache.Load()
	ownF, ownN, fleetF, fleetN := c.counts(c.epoch())
	// The estimate of the server's clock may lag an instant a reply stamped:
	// a status is never read before what it shows.
	now := max(c.f.clock.nowUS(), s.at, s.opened, s.reserved, s.lopened, s.lreserved)
	st := storage.Status{Lock: s.lock, CurrentTime: fromMicros(now)}
	switch {
	case s.lopen && s.ownVerdict():
		st.State, st.OpenedAt, st.ReservedAt = storage.StateOpen, fromMicros(s.lopened), fromMicros(s.lreserved)
		st.Failures, st.Samples, st.Scope = ownF, ownN, storage.ScopeProcess
	case s.detached: // closed here; the fleet's last opening is history
		st.OpenedAt = fromMicros(s.opened)
		st.Failures, st.Samples, st.Scope = ownF, ownN, storage.ScopeProcess
	default:
		st.State, st.OpenedAt, st.ReservedAt = s.state, fromMicros(s.opened), fromMicros(s.reserved)
		st.Failures, st.Samples = fleetF, fleetN
		if s.state == storage.StateOpen {
			st.CoolDown = time.Duration(s.cool) * time.Microsecond
		} else {
			st.ClosedAt = fromMicros(s.rampFrom)
		}
	}
	return st
}

// flushNow sends the ring's outcomes and o in one script, the circuit's
// geometry with this binding's thresholds: a probe's outcome, or any outcome
// while nothing is known of the circuit. When the script fails, the outcomes
// it carried wait in the outbox for the flusher, under the same token, so they
// count once whether or not the failed script ran, o with them (as a plain
// outcome: a probe's transition is lost with its script). Only an outcome
// recorded before the store knew the server's clock, which numbers the
// buckets, is then lost.
func (h *fhandle) flushNow(ctx context.Context, o storage.Outcome) (storage.Result, error) {
	c := h.c
	if ctx == nil {
		ctx = context.Background()
	}
	if err := c.lock(ctx); err != nil { // batches travel one at a time: see flushFailure
		if c.f.clock.known.Load() {
			c.count(o.Success) // for the next flush, as a plain outcome
		}
		return storage.Result{}, h.h.fail("Record", err)
	}
	defer c.unlock()
	c.mu.Lock()
	e := c.epoch()
	b := c.newBatch(e, e, c.f.s.clock.Now(), h.p.RateThreshold)
	c.mu.Unlock()
	vote, counted := c.countOwn(o.Success, h.p.RateThreshold)
	seq, buckets := seqNum{}, []bucketCount(nil)
	if b != nil {
		seq, buckets = b.seq, b.buckets
	} else {
		seq = c.h.seq.batch()
	}
	a, err := h.send(ctx, flushArgs{seq: seq, batch: buckets, outcome: o, withOutcome: true, vote: vote})
	if err != nil && counted {
		b = c.carry(b, seq, e, c.f.s.clock.Now(), o.Success)
	}
	h.settleSent(b, err)
	if !counted && err == nil {
		c.countOwn(o.Success, h.p.RateThreshold) // the reply taught the clock that numbers the buckets
	}
	return a.res, err
}

// flushFailure sends a failure that may open the fleet's circuit at once, with
// the ring's outcomes, in one batch and one script with this binding's
// thresholds, so that the caller learns the transition it made. A failure of
// the script is reported, and the batch waits in the outbox for the flusher,
// under the same sequence number: the failure counts once, sent or not.
//
// The circuit's batches travel one at a time, in the order of their numbers:
// flushFailure waits a little (statusWait) for a flush of the circuit on its
// way, whose reply tells whether it opened the fleet's circuit; past that,
// the failure is counted in the ring for the next flush, and flushFailure
// reports sent false.
func (h *fhandle) flushFailure(ctx context.Context) (a answer, sent bool, err error) {
	c := h.c
	if ctx == nil {
		ctx = context.Background()
	}
	wait, cancel := context.WithTimeout(ctx, statusWait)
	err = c.lock(wait)
	cancel()
	if err != nil {
		c.count(false)
		return answer{}, false, nil
	}
	defer c.unlock()
	c.mu.Lock()
	b := c.failureBatch(c.epoch(), c.f.s.clock.Now(), h.p.RateThreshold)
	c.mu.Unlock()
	a, err = h.send(ctx, flushArgs{seq: b.seq, batch: b.buckets, vote: b.vote})
	h.settleSent(b, err)
	if err != nil {
		c.failed("Record", err)
	}
	return a, true, err
}

// send runs the flush script with the circuit's geometry and this binding's
// thresholds, and learns its answer.
func (h *fhandle) send(ctx context.Context, args flushArgs) (answer, error) {
	c := h.c
	g := *h.h
	g.width, g.buckets, g.windowTTL = c.h.width, c.h.buckets, c.h.windowTTL
	sent := c.f.s.offset.Load()
	a, err := g.flush(ctx, "Record", args)
	if err == nil {
		c.learnAnswer(a, sent) // before the batch leaves the in-flight counts: see flush
		a.res.Status = c.kept(a.res.Status)
	}
	return a, err
}

// settleSent puts b, sent at once, in the outbox: settled at once when its
// script succeeded, sent again by the flusher when it failed.
func (h *fhandle) settleSent(b *batch, err error) {
	if b == nil {
		return
	}
	c := h.c
	c.mu.Lock()
	c.outbox = append(c.outbox, b)
	c.mu.Unlock()
	if err == nil {
		c.settle(b)
	}
}

// Reserve runs the reservation's compare-and-set: this process's, here, for
// a probe of its own opening; the fleet's, in Redis, otherwise. The loser of
// the fleet's learns the reservation that beat it and skips here until it
// ends. A reservation Redis could not answer (or that its replicas did not
// acknowledge) is not granted, and the failure is reported: exactly one
// caller in the fleet probes, or none.
func (h *fhandle) Reserve(ctx context.Context, _, openedAt, reservedAt time.Time) (time.Time, bool, error) {
	c := h.c
	s := c.cache.Load()
	if s.lopen && s.ownVerdict() && micros(openedAt) == s.lopened {
		now := c.f.clock.nowUS()
		if !c.reserveLocally(s.lopened, micros(reservedAt), now) {
			return time.Time{}, false, nil
		}
		return fromMicros(now), true, nil
	}
	if s.detached {
		return time.Time{}, false, nil // no reservation of the fleet's is in reach
	}
	sent := c.f.s.offset.Load()
	r, err := h.h.reserveOnce(ctx, openedAt, reservedAt)
	if err != nil {
		// Not granted, rather than granted by the runtime's fallback, which
		// fails open: a second probe in the window is worse than a probe
		// put off to the next caller.
		c.failed("Reserve", err)
		return time.Time{}, false, nil
	}
	at := micros(r.status.CurrentTime)
	c.f.clock.learn(at, sent)
	c.learn(r.status, at, false, nil, true)
	if !r.won {
		return time.Time{}, false, nil
	}
	return r.status.ReservedAt, true, nil
}

// Release clears the reservation: this process's, here, or the fleet's, in
// Redis and here.
func (h *fhandle) Release(ctx context.Context, now, reservedAt time.Time) (bool, error) {
	c := h.c
	if s := c.cache.Load(); s.lopen && s.lreserved != 0 && s.lreserved == micros(reservedAt) {
		return c.releaseLocally(s.lreserved), nil
	} else if s.detached {
		return false, nil
	}
	ok, err := h.h.Release(ctx, now, reservedAt)
	if ok {
		c.change(func(s *cached) { s.reserved = 0 })
	}
	return ok, err
}

// Lock sets the lock in Redis, and here. Cut off from Redis, it fails at once
// with an error wrapping ErrStale: the runtime keeps the lock in this process
// and sends it again when Redis answers.
func (h *fhandle) Lock(ctx context.Context, now time.Time, l storage.Lock) error {
	if h.c.cache.Load().detached && l.Valid() {
		return h.h.fail("Lock", ErrStale)
	}
	err := h.h.Lock(ctx, now, l)
	if err == nil {
		h.c.change(func(s *cached) { s.lock = l })
	}
	return err
}

// Reset forgets the circuit in Redis, and here: its cache, local verdict,
// ring and batches. The local part applies even when Redis did not take it,
// whose error it returns.
func (h *fhandle) Reset(ctx context.Context, now time.Time) error {
	c := h.c
	var err error
	if c.cache.Load().detached {
		err = h.h.fail("Reset", ErrStale)
	} else {
		err = h.h.Reset(ctx, now)
	}
	c.clear()
	known := c.f.clock.known.Load() && !c.f.stopped.Load()
	c.change(func(s *cached) {
		if err == nil {
			*s = cached{known: known, at: s.at, version: s.version, detached: s.detached}
		}
		s.lopen, s.lopened, s.lreserved = false, 0, 0
	})
	return err
}

// Unbind gives the handle back; the last one flushes and forgets the circuit.
func (h *fhandle) Unbind() {
	if h.unbound.CompareAndSwap(false, true) {
		h.c.f.unbind(h.c)
	}
}
