package engine

import (
	"context"
	"sync/atomic"
	"time"

	"github.com/breakergen/breakergen/runtime/storage"
)

// shandle is a circuit of a strict store bound with one policy: every decision
// is a script, as Faulty does it. It keeps the circuit's second verdict as a
// fleet store does (fleet_local.go), counting its own outcomes as it records
// them, so that the two modes differ only in when outcomes travel: a process
// whose own outcomes fail the thresholds while the fleet's circuit is closed
// opens it here only, and its failures count towards the fleet's quorum. It
// keeps no cache to decide from: when Redis fails, its errors go to the
// runtime, whose in-process fallback answers.
type shandle struct {
	c       *fcircuit
	h       *handle
	p       storage.Policy
	unbound atomic.Bool
}

var (
	_ storage.Handle   = (*shandle)(nil)
	_ storage.Operator = (*shandle)(nil)
	_ storage.Unbinder = (*shandle)(nil)
)

// Status reads the circuit's status in Redis: the fleet's, or this process's
// own opening (Scope ScopeProcess) while it holds.
func (h *shandle) Status(ctx context.Context, _ time.Time) (storage.Status, error) {
	sent := h.c.f.s.offset.Load()
	a, err := h.h.read(ctx)
	if err != nil {
		return storage.Status{}, err
	}
	at := micros(a.res.Status.CurrentTime)
	h.c.f.clock.learn(at, sent)
	h.c.learn(a.res.Status, at, true, &a, true)
	if h.c.lost.Load() != 0 { // Redis lost what this process knew: write it back now
		_ = h.c.f.restore(ctx, []*fcircuit{h.c})
		return h.view(h.c.composed()), nil
	}
	return h.view(a.res.Status), nil
}

// view returns st, the fleet's status, unless this process's own opening
// holds.
func (h *shandle) view(st storage.Status) storage.Status {
	if s := h.c.cache.Load(); s.lopen && s.ownVerdict() {
		return h.c.composed()
	}
	return st
}

// Record counts the outcome in this process's own window and records it in
// Redis, with the process's vote, in one script; that script makes the fleet's
// transition. A failure that makes none but fails this process's own
// thresholds opens the circuit here. A probe of this process's own opening
// closes or reopens it here, and counts for the fleet as any outcome.
func (h *shandle) Record(ctx context.Context, _ time.Time, o storage.Outcome) (storage.Result, error) {
	c := h.c
	s := c.cache.Load()
	local := o.Probe && s.lopen && s.ownVerdict() && micros(o.OpenedAt) == s.lopened
	vote, counted := c.countOwn(o.Success, h.p.RateThreshold)
	sent := c.f.s.offset.Load()
	fleet := storage.Outcome{Success: o.Success, Probe: o.Probe && !local, OpenedAt: o.OpenedAt}
	// A failure's script may open the fleet's circuit: while it is on its way
	// it decides for the failures racing it (see ownOpening), as in fleet mode.
	deciding := !o.Success && !local
	if deciding && c.opening.Add(1) == 1 {
		c.openingSince.Store(c.f.s.clock.Now())
	}
	a, err := h.h.record(ctx, fleet, vote, h.h.seq.record())
	if err == nil {
		c.learnAnswer(a, sent)
		if !counted {
			c.countOwn(o.Success, h.p.RateThreshold) // the reply taught the clock that numbers the buckets
		}
	}
	if deciding {
		c.opening.Add(-1)
	}
	if local {
		if err != nil {
			c.failed("Record", err)
		}
		return h.localOutcome(o.Success, s.lopened), nil
	}
	if err != nil {
		return storage.Result{}, err
	}
	if a.res.Transition == storage.TransitionNone && !o.Success {
		if r, ok := h.ownOpening(); ok {
			return r, nil
		}
	}
	return storage.Result{Transition: a.res.Transition, Status: h.view(c.kept(a.res.Status))}, nil
}

// ownOpening opens the circuit in this process after a failure whose script
// made no transition, when the process's own outcomes fail the thresholds:
// unless another failure's script is still on its way, which may open the
// fleet's circuit and decides instead (the last of racing failures decides),
// so that racing failures make one opening, the fleet's or the process's.
func (h *shandle) ownOpening() (storage.Result, bool) {
	c := h.c
	c.openMu.Lock()
	defer c.openMu.Unlock()
	if c.deciding(c.f.s.clock.Now()) {
		return storage.Result{}, false
	}
	e := c.epoch()
	c.mu.Lock()
	f, n := c.own.counts(e)
	c.mu.Unlock()
	if h.p.FailsThreshold(f, n) && c.openLocally(c.f.clock.nowUS()) {
		return storage.Result{Transition: storage.TransitionOpened, Status: c.composed()}, true
	}
	return storage.Result{}, false
}

// localOutcome closes or reopens this process's opening of opened after its
// probe.
func (h *shandle) localOutcome(success bool, opened int64) storage.Result {
	c := h.c
	t := storage.TransitionNone
	switch {
	case success && c.closeLocally(opened):
		t = storage.TransitionClosed
	case !success && c.reopenLocally(opened, c.f.clock.nowUS()):
		t = storage.TransitionReopened
	}
	return c.localResult(t)
}

// countOwn counts an outcome in this process's own window and returns its vote
// at rate after it. Before the server's clock is known (no reply yet), which
// numbers the window's buckets, it counts nothing and reports counted false:
// the window is empty, so the vote is the outcome's, and the caller counts it
// once a reply taught the clock.
func (c *fcircuit) countOwn(success bool, rate float64) (vote, counted bool) {
	if !c.f.clock.known.Load() {
		return !success, false
	}
	e := c.epoch()
	c.mu.Lock()
	defer c.mu.Unlock()
	if success {
		c.own.add(e, 1, 0)
	} else {
		c.own.add(e, 0, 1)
	}
	return c.voteLocked(e, rate), true
}

// Reserve reserves the probe: this process's, here, for its own opening; the
// fleet's, in Redis, otherwise.
func (h *shandle) Reserve(ctx context.Context, now, openedAt, reservedAt time.Time) (time.Time, bool, error) {
	c := h.c
	if s := c.cache.Load(); s.lopen && s.ownVerdict() && micros(openedAt) == s.lopened {
		at := c.f.clock.nowUS()
		if !c.reserveLocally(s.lopened, micros(reservedAt), at) {
			return time.Time{}, false, nil
		}
		return fromMicros(at), true, nil
	}
	at, ok, err := h.h.Reserve(ctx, now, openedAt, reservedAt)
	if err != nil { // not granted rather than failed open: see fhandle.Reserve
		c.failed("Reserve", err)
		return time.Time{}, false, nil
	}
	return at, ok, nil
}

// Release clears the reservation: this process's, here, or the fleet's, in
// Redis.
func (h *shandle) Release(ctx context.Context, now, reservedAt time.Time) (bool, error) {
	c := h.c
	if s := c.cache.Load(); s.lopen && s.lreserved != 0 && s.lreserved == micros(reservedAt) {
		return c.releaseLocally(s.lreserved), nil
	}
	return h.h.Release(ctx, now, reservedAt)
}

// Lock sets the lock in Redis.
func (h *shandle) Lock(ctx context.Context, now time.Time, l storage.Lock) error {
	return h.h.Lock(ctx, now, l)
}

// Reset forgets the circuit in Redis, and its local verdict here, which it
// forgets even when Redis did not take the reset.
func (h *shandle) Reset(ctx context.Context, now time.Time) error {
	err := h.h.Reset(ctx, now)
	h.c.clear()
	h.c.change(func(s *cached) { s.lopen, s.lopened, s.lreserved = false, 0, 0 })
	return err
}

// Open opens the fleet's circuit in Redis.
func (h *shandle) Open(ctx context.Context, now time.Time) (bool, error) { return h.h.Open(ctx, now) }

// Reopen reopens the fleet's circuit in Redis.
func (h *shandle) Reopen(ctx context.Context, now, previous time.Time) (bool, error) {
	return h.h.Reopen(ctx, now, previous)
}

// Close closes the fleet's circuit in Redis.
func (h *shandle) Close(ctx context.Context, now time.Time) (bool, error) { return h.h.Close(ctx, now) }

// History returns the fleet's window in Redis.
func (h *shandle) History(ctx context.Context, now time.Time) ([]storage.Bucket, error) {
	return h.h.History(ctx, now)
}

// Unbind gives the handle back.
func (h *shandle) Unbind() {
	if h.unbound.CompareAndSwap(false, true) {
		h.c.f.unbind(h.c)
	}
}
