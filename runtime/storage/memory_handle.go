package storage

import (
	"context"
	"fmt"
	"math"
	"sync/atomic"
	"time"
	"unsafe"

	"github.com/breakergen/breakergen/internal/hotpath/ring"
)

// memHandle is a circuit of a Memory bound with one policy. It implements
// Handle, Operator, HotPath and Unbinder.
type memHandle struct {
	c       *memCircuit
	p       Policy
	cool    int64 // p.CoolDown in nanoseconds
	m       *Memory
	name    string
	unbound atomic.Bool
}

var (
	_ Handle   = (*memHandle)(nil)
	_ Operator = (*memHandle)(nil)
	_ HotPath  = (*memHandle)(nil)
	_ Unbinder = (*memHandle)(nil)
)

// Unbind gives the handle back; the last one given back makes Memory forget the
// circuit. Later calls do nothing.
func (h *memHandle) Unbind() {
	if h.unbound.CompareAndSwap(false, true) {
		h.m.unbind(h.name, h.c)
	}
}

// Admit decides from the published state alone: one atomic load.
func (h *memHandle) Admit() Admission {
	s := h.c.state.Load()
	if s.state == StateClosed && s.lock == LockNone {
		return Admission{Verdict: AdmitRun}
	}
	switch {
	case s.lock == LockOpen:
		return Admission{Verdict: AdmitSkip, Until: math.MaxInt64, Version: s.version}
	case s.lock == LockClosed || s.state != StateOpen:
		return Admission{Verdict: AdmitAsk}
	}
	until := s.openedAt + h.cool
	if s.reservedAt != 0 {
		until = max(until, s.reservedAt+h.cool)
	}
	return Admission{Verdict: AdmitSkip, Until: until, Version: s.version}
}

// Succeeded counts a success in the goroutine's lane.
func (h *memHandle) Succeeded(now int64) { h.c.win.Success(h.c.epoch(now)) }

// Failed counts a failure unless it fails the threshold of a closed circuit.
// Within its lane's credit it reads nothing other goroutines write.
func (h *memHandle) Failed(now int64) bool {
	c := h.c
	id := uintptr(unsafe.Pointer(h))
	f := c.win.Failure(c.epoch(now), id)
	if f.Credit || c.state.Load().state != StateClosed {
		return true
	}
	return c.win.Check(f, id, func(failures, samples int) (bool, int64) {
		if h.p.FailsThreshold(failures, samples) {
			return true, 0
		}
		return false, ring.FailuresToTrip(h.p.RateThreshold, h.p.SampleThreshold, failures, samples)
	})
}

// Status reads the circuit at now.
func (h *memHandle) Status(_ context.Context, now time.Time) (Status, error) {
	return h.c.status(now.UnixNano()), nil
}

// Record counts the outcome and applies the transition it causes.
func (h *memHandle) Record(_ context.Context, now time.Time, o Outcome) (Result, error) {
	c, n := h.c, now.UnixNano()
	if o.Success {
		c.win.Success(c.epoch(n))
	} else {
		c.win.Failure(c.epoch(n), 0)
	}
	t := TransitionNone
	c.mu.Lock()
	s := c.state.Load()
	switch {
	case o.Probe && s.state == StateOpen && o.Success && s.openedAt == nanos(o.OpenedAt):
		c.closeLocked()
		t = TransitionClosed
	case o.Probe && s.state == StateOpen && s.openedAt == nanos(o.OpenedAt):
		c.update(func(s *memState) { s.openedAt = n })
		t = TransitionReopened
	case !o.Success && s.state == StateClosed && h.p.FailsThreshold(c.win.Counts(c.epoch(n))):
		c.openLocked(n)
		t = TransitionOpened
	}
	st := c.status(n)
	c.mu.Unlock()
	return Result{Transition: t, Status: st}, nil
}

// Reserve sets ReservedAt to now if the circuit is open in the period that
// began at openedAt and its reservation is still reservedAt.
func (h *memHandle) Reserve(_ context.Context, now, openedAt, reservedAt time.Time) (time.Time, bool, error) {
	c := h.c
	c.mu.Lock()
	defer c.mu.Unlock()
	s := c.state.Load()
	if s.state != StateOpen || s.openedAt != nanos(openedAt) || s.reservedAt != nanos(reservedAt) {
		return time.Time{}, false, nil
	}
	n := now.UnixNano()
	c.update(func(s *memState) { s.reservedAt = n })
	return time.Unix(0, n), true, nil
}

// Release clears the reservation if it equals reservedAt.
func (h *memHandle) Release(_ context.Context, _, reservedAt time.Time) (bool, error) {
	c := h.c
	if reservedAt.IsZero() {
		return false, nil
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.state.Load().reservedAt != reservedAt.UnixNano() {
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

// Open opens a closed circuit.
func (h *memHandle) Open(_ context.Context, now time.Time) (bool, error) {
	c := h.c
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.state.Load().state != StateClosed {
		return false, nil
	}
	c.openLocked(now.UnixNano())
	return true, nil
}

// Reopen gives an open circuit a new OpenedAt if its current one equals previous.
func (h *memHandle) Reopen(_ context.Context, now, previous time.Time) (bool, error) {
	c := h.c
	c.mu.Lock()
	defer c.mu.Unlock()
	s := c.state.Load()
	if s.state != StateOpen || s.openedAt != nanos(previous) {
		return false, nil
	}
	n := now.UnixNano()
	c.update(func(s *memState) { s.openedAt = n })
	return true, nil
}

// Close closes an open circuit, clearing its reservation and window.
func (h *memHandle) Close(context.Context, time.Time) (bool, error) {
	c := h.c
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.state.Load().state != StateOpen {
		return false, nil
	}
	c.closeLocked()
	return true, nil
}

// History returns the window's live buckets, oldest first.
func (h *memHandle) History(_ context.Context, now time.Time) ([]Bucket, error) {
	c := h.c
	buckets := c.win.History(c.epoch(now.UnixNano()))
	out := make([]Bucket, len(buckets))
	for i, b := range buckets {
		out[i] = Bucket{Start: time.Unix(0, b.Epoch<<c.shift), Successes: b.Successes, Failures: b.Failures}
	}
	return out, nil
}

// View returns the status: memory holds it all.
func (h *memHandle) View(now time.Time) (Status, bool) { return h.c.status(now.UnixNano()), true }
