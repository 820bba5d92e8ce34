package storage

import (
	"context"
	"time"
)

// Open opens a closed circuit, for the policy's cool-down.
func (h *memHandle) Open(_ context.Context, now time.Time) (bool, error) {
	c := h.c
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.state.Load().state != StateClosed {
		return false, nil
	}
	c.openLocked(now.UnixNano(), 0, 0)
	return true, nil
}

// Reopen gives an open circuit a new OpenedAt if its current one equals
// previous, backing its cool-down off as a failed probe does.
func (h *memHandle) Reopen(_ context.Context, now, previous time.Time) (bool, error) {
	c := h.c
	c.mu.Lock()
	defer c.mu.Unlock()
	s := c.state.Load()
	if s.state != StateOpen || s.openedAt != nanos(previous) {
		return false, nil
	}
	h.reopenLocked(s, now.UnixNano())
	return true, nil
}

// Close closes an open circuit, clearing its reservation and window; a ramp
// follows when the policy has one.
func (h *memHandle) Close(_ context.Context, now time.Time) (bool, error) {
	c := h.c
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.state.Load().state != StateOpen {
		return false, nil
	}
	c.closeLocked(h.rampFrom(now.UnixNano()))
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
