package runtime

import (
	"context"
	"errors"
	"sync"
	"time"

	"github.com/breakergen/breakergen/runtime/storage"
)

// Status reads the circuit's status. With a fault-tolerant storage (always, unless
// a custom storage claims to be one and fails) the error is nil and a failed read
// gives a status with Stub set. A ctx without a deadline gets the breaker's
// storage timeout.
func (c *Circuit) Status(ctx context.Context) (Status, error) {
	ctx, cancel := c.storageContext(ctx, false)
	defer cancel()
	now := c.clock.Now()
	s, err := c.h.Status(ctx, now)
	if err != nil {
		return Status{CurrentTime: now, Options: c.opts, Stub: true, Scope: storage.ScopeProcess}, err
	}
	return newStatus(s, c.opts), nil
}

// Peek returns the circuit's status as this process knows it: without a
// round trip when the storage keeps a view in the process (memory; a Redis
// fleet store, whose view may lag other processes' counts by a bucket of the
// window), else as Status reads it. Scrapes, status pages and listings of
// many circuits use it, so that they cost a shared storage nothing.
func (c *Circuit) Peek(ctx context.Context) (Status, error) {
	if v, ok := c.h.(storage.Viewer); ok {
		if st, ok := v.View(c.clock.Now()); ok {
			return newStatus(st, c.opts), nil
		}
	}
	return c.Status(ctx)
}

// LockOpen makes every call skip until Unlock or Reset. It returns the storage's
// error when the lock did not reach it (a shared storage that is down, or its
// guard open): the lock then holds in this process, and is sent again when the
// storage answers, but other processes do not know it yet.
func (c *Circuit) LockOpen(ctx context.Context) error { return c.lock(ctx, LockOpen) }

// LockClosed makes every call run until Unlock or Reset, above every other rule;
// outcomes are still recorded and transitions still happen. Errors as LockOpen.
func (c *Circuit) LockClosed(ctx context.Context) error { return c.lock(ctx, LockClosed) }

// Unlock removes an operator's lock. Errors as LockOpen.
func (c *Circuit) Unlock(ctx context.Context) error { return c.lock(ctx, LockNone) }

// lock sets the lock l and emits EventLockChanged: the lock holds in this
// process whether or not the storage took it.
func (c *Circuit) lock(ctx context.Context, l Lock) error {
	ctx, cancel := c.storageContext(ctx, false)
	defer cancel()
	err := c.h.Lock(ctx, c.clock.Now(), l)
	const t = EventLockChanged
	if c.ls.wants(t) && l.Valid() {
		st, serr := c.Status(ctx)
		if serr != nil || st.Stub {
			st = Status{Lock: l, CurrentTime: c.clock.Now(), Options: c.opts, Stub: st.Stub}
		}
		st.Lock = l
		c.emit(t, nil, st)
	}
	return err
}

// Reset forgets everything of the circuit: state, window, reservation and lock.
// It returns the storage's error when the reset did not reach it; the reset then
// holds in this process only.
func (c *Circuit) Reset(ctx context.Context) error {
	ctx, cancel := c.storageContext(ctx, false)
	defer cancel()
	return c.h.Reset(ctx, c.clock.Now())
}

// failureLimiter keeps a circuit's EventStorageFailure to one a second: during
// an outage every call fails over to the fallback, and an event per call would
// flood any log.
type failureLimiter struct {
	mu         sync.Mutex
	last       time.Time
	suppressed int
}

// admit reports whether a failure at now is reported, and how many were
// suppressed before it.
func (l *failureLimiter) admit(now time.Time) (int, bool) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if !l.last.IsZero() && now.Sub(l.last) < time.Second && !now.Before(l.last) {
		l.suppressed++
		return 0, false
	}
	n := l.suppressed
	l.last, l.suppressed = now, 0
	return n, true
}

// storageFailed reports a storage failure the call survived (it failed open):
// the first at once, then at most one a second with the count suppressed. A
// storage that says it is cut off from its shared state (storage.ErrDetached)
// is a cause of its own, limited apart, so that the notice is never folded
// into the failures that led to it; so is a storage that lost state it
// restored (storage.ErrStateLost).
func (c *Circuit) storageFailed(err error, now time.Time) {
	if !c.ls.wants(EventStorageFailure) {
		return
	}
	limiter := &c.fails
	switch {
	case errors.Is(err, storage.ErrDetached):
		limiter = &c.detached
	case errors.Is(err, storage.ErrStateLost):
		limiter = &c.lost
	}
	n, ok := limiter.admit(now)
	if !ok {
		return
	}
	st := Status{CurrentTime: now, Options: c.opts, Stub: true, Scope: storage.ScopeProcess}
	c.ls.notify(Event{Type: EventStorageFailure, Circuit: c.name, Err: err, Status: st, Time: now, Suppressed: n})
}
