package engine

import (
	"context"
	"time"

	"github.com/breakergen/breakergen/runtime/storage"
)

// Open opens the circuit in Redis and reads it back.
func (h *fhandle) Open(ctx context.Context, now time.Time) (bool, error) {
	return h.thenRead(ctx, now)(h.h.Open(ctx, now))
}

// Reopen reopens the circuit in Redis and reads it back.
func (h *fhandle) Reopen(ctx context.Context, now, previous time.Time) (bool, error) {
	return h.thenRead(ctx, now)(h.h.Reopen(ctx, now, previous))
}

// Close closes the circuit in Redis, forgets the outcomes counted here for the
// window it cleared, and reads it back.
func (h *fhandle) Close(ctx context.Context, now time.Time) (bool, error) {
	ok, err := h.h.Close(ctx, now)
	if ok {
		h.c.clear()
	}
	return h.thenRead(ctx, now)(ok, err)
}

// History flushes the outcomes counted here, then returns the window's buckets
// in Redis.
func (h *fhandle) History(ctx context.Context, now time.Time) ([]storage.Bucket, error) {
	if err := h.c.f.flush(ctx, []*fcircuit{h.c}); err != nil {
		return nil, err
	}
	return h.h.History(ctx, now)
}

// thenRead returns a function that passes on an operator script's answer after
// reading the circuit's status into the cache, when the script changed it: a
// change of this process's, not one to tell the runtime of as learnt.
func (h *fhandle) thenRead(ctx context.Context, _ time.Time) func(bool, error) (bool, error) {
	return func(ok bool, err error) (bool, error) {
		if ok && err == nil {
			_, _ = h.read(ctx, false)
		}
		return ok, err
	}
}

// change applies a change made here to the cache, at the server's time as
// estimated: what the script did, before its announcement comes back.
func (c *fcircuit) change(fn func(s *cached)) {
	for {
		cur := c.cache.Load()
		next := *cur
		fn(&next)
		next.version++
		if now := c.f.clock.nowUS(); now > next.at {
			next.at = now
		}
		if c.cache.CompareAndSwap(cur, &next) {
			if !c.f.strict {
				c.f.watch(c, &next)
			}
			return
		}
	}
}
