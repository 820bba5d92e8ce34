package storage

import (
	"context"
	"fmt"
	"sync/atomic"
	"time"
)

// memHandle is a circuit of a Memory bound with one policy. It implements
// Handle, Operator, HotPath, Gate and Unbinder.
type memHandle struct {
	c       *memCircuit
	p       *Policy
	cool    int64 // p.CoolDown in nanoseconds
	m       *Memory
	name    string
	unbound atomic.Bool
}

var (
	_ Handle   = (*memHandle)(nil)
	_ Operator = (*memHandle)(nil)
	_ HotPath  = (*memHandle)(nil)
	_ Gate     = (*memHandle)(nil)
	_ Unbinder = (*memHandle)(nil)
)

// Unbind gives the handle back; the last one given back makes Memory forget the
// circuit. Later calls do nothing.
func (h *memHandle) Unbind() {
	if h.unbound.CompareAndSwap(false, true) {
		h.m.unbind(h.name, h.c)
	}
}

// Status reads the circuit at now.
func (h *memHandle) Status(_ context.Context, now time.Time) (Status, error) {
	return h.status(now.UnixNano()), nil
}

// status reads the circuit at now (Unix nanoseconds), with the counts of the
// handle's policies.
func (h *memHandle) status(now int64) Status {
	st := h.c.status(now)
	a := h.c.aux.Load()
	if a == nil {
		return st
	}
	e := h.c.epoch(now)
	abandoned, ends := a.ends.Counts(e)
	st.Slow = ends - abandoned
	if h.p.SlowCall != 0 {
		st.Hung, _ = h.hung(a, now)
	}
	if h.p.Mode == ModeAdaptive {
		rejected, calls := a.calls.Counts(e)
		st.Requests, st.Rejected = max(calls-abandoned, 0), rejected
	}
	return st
}

// Record counts the outcome and applies the transition it causes.
func (h *memHandle) Record(_ context.Context, now time.Time, o Outcome) (Result, error) {
	c, n := h.c, now.UnixNano()
	e := c.epoch(n)
	if o.Success {
		c.win.Success(e)
	} else {
		c.win.Failure(e, 0)
	}
	if a := c.aux.Load(); a != nil && o.Slow {
		a.ends.Success(e)
	}
	if a := c.aux.Load(); a != nil && !o.Success && h.p.Mode == ModeAdaptive {
		a.pEpoch.Store(stale)
	}
	c.mu.Lock()
	t := h.transition(c.state.Load(), n, o)
	st := h.status(n)
	c.mu.Unlock()
	return Result{Transition: t, Status: st}, nil
}

// transition applies what outcome o, counted at n, does to the state s; the
// caller holds c.mu.
func (h *memHandle) transition(s *memState, n int64, o Outcome) Transition {
	current := s.openedAt == nanos(o.OpenedAt)
	switch {
	case o.Probe && s.state == StateOpen && o.Success && !o.Slow:
		return h.probePassed(s, n, current)
	case o.Probe && s.state == StateOpen && current:
		h.reopenLocked(s, n)
		return TransitionReopened
	case s.state == StateClosed && h.trips(n, o):
		h.openLocked(s, n)
		return TransitionOpened
	}
	return TransitionNone
}

// trips reports whether outcome o, just counted at n, makes the closed
// circuit's window fail the thresholds; adaptive mode never opens.
func (h *memHandle) trips(n int64, o Outcome) bool {
	if h.p.Mode == ModeAdaptive {
		return false
	}
	c := h.c
	failures, samples := c.win.Counts(c.epoch(n))
	if !o.Success && h.p.FailsThreshold(failures, samples) {
		return true
	}
	return o.Slow && h.slowFails(n, samples)
}

// Reserve sets ReservedAt to now if the circuit is open in the period that
// began at openedAt and its reservation is still reservedAt; with
// HalfOpenProbes above 1, if fewer probes than that hold one.
func (h *memHandle) Reserve(_ context.Context, now, openedAt, reservedAt time.Time) (time.Time, bool, error) {
	c := h.c
	c.mu.Lock()
	defer c.mu.Unlock()
	s, n := c.state.Load(), now.UnixNano()
	if s.state != StateOpen || s.openedAt != nanos(openedAt) {
		return time.Time{}, false, nil
	}
	if h.p.Probes() > 1 {
		return h.reserveOne(s, n)
	}
	if s.reservedAt != nanos(reservedAt) {
		return time.Time{}, false, nil
	}
	c.update(func(s *memState) { s.reservedAt = n })
	return time.Unix(0, n), true, nil
}

// Release clears the reservation if it equals reservedAt; with
// HalfOpenProbes above 1, it gives back one of the current period's.
func (h *memHandle) Release(_ context.Context, _, reservedAt time.Time) (bool, error) {
	c := h.c
	if reservedAt.IsZero() {
		return false, nil
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	s := c.state.Load()
	if h.p.Probes() > 1 {
		return h.releaseOne(s, reservedAt.UnixNano()), nil
	}
	if s.reservedAt != reservedAt.UnixNano() {
		return false, nil
	}
	c.update(func(s *memState) { s.reservedAt = 0 })
	return true, nil
}

// Lock sets the circuit's lock.
func (h *memHandle) Lock(_ context.Context, _ time.Time, l Lock) error {
	if !l.Valid() {
		return fmt.Errorf("%w: lock %d", ErrInvalid, l)
	}
	c := h.c
	c.mu.Lock()
	c.update(func(s *memState) { s.lock = l })
	c.mu.Unlock()
	return nil
}

// Reset forgets the circuit's state, window, reservation and lock.
func (h *memHandle) Reset(context.Context, time.Time) error {
	h.c.reset()
	return nil
}

// View returns the status: memory holds it all.
func (h *memHandle) View(now time.Time) (Status, bool) { return h.status(now.UnixNano()), true }
