package redisstore

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
type fhandle struct {
	c       *fcircuit
	h       *handle // this binding's scripts: its policy, and its geometry for reads
	p       storage.Policy
	cool    int64 // CoolDown in microseconds
	unbound atomic.Bool
}

var (
	_ storage.Handle             = (*fhandle)(nil)
	_ storage.Operator           = (*fhandle)(nil)
	_ storage.HotPath            = (*fhandle)(nil)
	_ storage.Unbinder           = (*fhandle)(nil)
	_ storage.TransitionNotifier = (*fhandle)(nil)
	_ storage.FailureNotifier    = (*fhandle)(nil)
)

// NotifyFailures registers fn for the failures of the circuit's background
// flushes and refreshes.
func (h *fhandle) NotifyFailures(fn func(storage.Failure)) {
	if fn == nil {
		h.c.onFailure.Store(nil)
		return
	}
	h.c.onFailure.Store(&fn)
}

// Admit decides from the cached status: run while closed and unlocked, skip
// while open and cooling down, reserved by another probe or locked open (on
// the server's time, estimated here), ask otherwise.
func (h *fhandle) Admit() storage.Admission {
	s := h.c.cache.Load()
	if s.known && s.state == storage.StateClosed && s.lock == storage.LockNone {
		return storage.Admission{Verdict: storage.AdmitRun}
	}
	switch {
	case !s.known || s.lock == storage.LockClosed:
		return storage.Admission{}
	case s.lock == storage.LockOpen:
	case s.state != storage.StateOpen:
		return storage.Admission{}
	default:
		now := h.c.f.clock.nowUS()
		if now >= s.opened+h.cool && (s.reserved == 0 || now >= s.reserved+h.cool) {
			return storage.Admission{} // half-open and free: race for the probe
		}
	}
	return storage.Admission{Verdict: storage.AdmitSkip, Until: math.MaxInt64, Version: s.version}
}

// Succeeded counts a success in the circuit's ring, to be flushed.
func (h *fhandle) Succeeded(int64) {
	c := h.c
	c.pending.Success(c.epoch())
	c.markDirty()
}

// Failed counts a failure in the circuit's ring, unless, added to the shared
// window last known and the counts not yet flushed, it fails the threshold:
// then it counts nothing and the caller records it through Record, which
// flushes it at once. It checks before it counts, so that the failure it
// refuses was never in the ring, where the flusher might already have taken it.
// Two failures checked at once may both be counted and fail the threshold
// together: the flush that carries them, within a flush interval, opens the
// circuit.
func (h *fhandle) Failed(int64) bool {
	c := h.c
	e := c.epoch()
	if c.cache.Load().state == storage.StateClosed {
		failures, samples := c.local(e)
		if h.p.FailsThreshold(failures+1, samples+1) {
			return false
		}
	}
	c.pending.Failure(e, 0)
	c.markDirty()
	return true
}

// Status reads the circuit's status in Redis and adds the outcomes counted here
// and not yet flushed.
func (h *fhandle) Status(ctx context.Context, now time.Time) (storage.Status, error) {
	if ctx == nil {
		ctx = context.Background()
	}
	// Wait a little for a flush of the circuit in progress, so the counts read
	// are exact; past that, read them as they are (a batch may be counted both
	// in Redis and here, until its reply comes back).
	wait, cancel := context.WithTimeout(ctx, statusWait)
	if h.c.lock(wait) == nil {
		defer h.c.unlock()
	}
	cancel()
	sent := h.c.f.s.offset.Load()
	// The read is bounded here, not only by the caller: a read abandoned on a
	// dead connection (go-redis waits out its own timeouts and retries) must
	// not keep the flushing token, and the circuit's flushes, for seconds.
	read, done := ctx, context.CancelFunc(func() {})
	if _, ok := ctx.Deadline(); !ok {
		read, done = context.WithTimeout(ctx, roundTimeout)
	}
	st, err := bounded.Call(read, func(ctx context.Context) (storage.Status, error) { return h.h.Status(ctx, now) })
	done()
	if err != nil {
		return st, err
	}
	at := micros(st.CurrentTime)
	h.c.f.clock.learn(at, sent)
	h.c.learn(st, at, h.h == h.c.h)
	f, n := h.c.pending.Counts(h.c.epoch())
	st.Failures += f + int(h.c.inflightF.Load())
	st.Samples += n + int(h.c.inflightN.Load())
	return st, nil
}

// statusWait bounds how long a status read waits for a flush of its circuit:
// far longer than a flush on a healthy Redis, far shorter than the storage
// deadline of a protected call.
const statusWait = 20 * time.Millisecond

// Record counts the outcome here when it cannot make a transition, and flushes
// it at once, with what the ring holds, when it can: a probe's outcome, or a
// failure that fails the threshold with the counts known here.
func (h *fhandle) Record(ctx context.Context, now time.Time, o storage.Outcome) (storage.Result, error) {
	c := h.c
	switch s := c.cache.Load(); {
	case o.Probe || !s.known || c.f.stopped.Load():
	case o.Success:
		c.pending.Success(c.epoch())
		c.markDirty()
		return h.composed(), nil
	case h.Failed(0):
		return h.composed(), nil
	}
	return h.flushNow(ctx, o)
}

// composed is the status known here, as a Result of no transition.
func (h *fhandle) composed() storage.Result {
	c := h.c
	s := c.cache.Load()
	now := c.f.clock.nowUS()
	f, n := c.local(c.epoch())
	return storage.Result{Status: storage.Status{
		State: s.state, Lock: s.lock, OpenedAt: fromMicros(s.opened), ReservedAt: fromMicros(s.reserved),
		Failures: f, Samples: n, CurrentTime: fromMicros(now),
	}}
}

// flushNow sends the ring's outcomes and o in one script, the circuit's
// geometry with this binding's thresholds. When the script fails, the outcomes
// it carried wait in the outbox for the flusher, under the same token, so they
// count once whether or not the failed script ran; o itself is then lost here
// (the caller's storage failure is its fallback's business).
func (h *fhandle) flushNow(ctx context.Context, o storage.Outcome) (storage.Result, error) {
	c := h.c
	token := newToken()
	c.mu.Lock()
	b := c.newBatch(c.epoch(), monoNanos())
	c.mu.Unlock()
	var buckets []bucketCount
	if b != nil {
		b.token, buckets = token, b.buckets
	}
	g := *h.h
	g.width, g.buckets, g.windowTTL = c.h.width, c.h.buckets, c.h.windowTTL
	outcome := "f"
	if o.Success {
		outcome = "s"
	}
	sent := c.f.s.offset.Load()
	res, err := g.flush(ctx, "Record", token, flag(o.Probe), micros(o.OpenedAt), outcome, buckets)
	if err == nil {
		c.learnResult(res, sent) // before the batch leaves the in-flight counts: see flush
	}
	if b != nil {
		c.mu.Lock()
		c.outbox = append(c.outbox, b) // settled at once on success, sent again on failure
		c.mu.Unlock()
		if err == nil {
			c.settle(b)
		}
	}
	return res, err
}

// Reserve runs the reservation's compare-and-set; the loser learns the
// reservation that beat it and skips here until it ends.
func (h *fhandle) Reserve(ctx context.Context, _, openedAt, reservedAt time.Time) (time.Time, bool, error) {
	sent := h.c.f.s.offset.Load()
	r, err := h.h.reserveStatus(ctx, openedAt, reservedAt, newToken())
	if err != nil {
		return time.Time{}, false, err
	}
	at := micros(r.status.CurrentTime)
	h.c.f.clock.learn(at, sent)
	h.c.learn(r.status, at, false)
	if !r.won {
		return time.Time{}, false, nil
	}
	return r.status.ReservedAt, true, nil
}

// Release clears the reservation in Redis, and here.
func (h *fhandle) Release(ctx context.Context, now, reservedAt time.Time) (bool, error) {
	ok, err := h.h.Release(ctx, now, reservedAt)
	if ok {
		h.c.change(func(s *cached) { s.reserved = 0 })
	}
	return ok, err
}

// Lock sets the lock in Redis, and here.
func (h *fhandle) Lock(ctx context.Context, now time.Time, l storage.Lock) error {
	err := h.h.Lock(ctx, now, l)
	if err == nil {
		h.c.change(func(s *cached) { s.lock = l })
	}
	return err
}

// Reset forgets the circuit in Redis, and here: its cache, ring and batches.
func (h *fhandle) Reset(ctx context.Context, now time.Time) error {
	err := h.h.Reset(ctx, now)
	if err == nil {
		h.c.clear()
		known := h.c.f.clock.known.Load() && !h.c.f.stopped.Load()
		h.c.change(func(s *cached) { *s = cached{known: known, at: s.at, version: s.version} })
	}
	return err
}

// NotifyTransitions registers fn for the transitions the flusher makes.
func (h *fhandle) NotifyTransitions(fn func(storage.Result)) {
	if fn == nil {
		h.c.onTransition.Store(nil)
		return
	}
	h.c.onTransition.Store(&fn)
}

// Unbind gives the handle back; the last one flushes and forgets the circuit.
func (h *fhandle) Unbind() {
	if h.unbound.CompareAndSwap(false, true) {
		h.c.f.unbind(h.c)
	}
}
