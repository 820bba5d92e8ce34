package engine

import (
	"context"
	"errors"
	"fmt"

	"github.com/breakergen/breakergen/runtime/storage"
)

// This file holds what the fleet does when Redis forgets: a failover to a
// replica that had not received a write, a restart without persistence, an
// eviction under maxmemory, FLUSHALL. Every process keeps the last state it
// knew of each circuit it holds (cached). When a reply shows the circuit's
// state hash or lock key absent while it knew an opening or a lock, it keeps
// them, and writes them back with a script that writes only where the key is
// still absent: an operator's unlock or reset leaves a tombstone, so an
// explicit removal is never undone. Each circuit so restored reports a storage
// failure wrapping storage.ErrStateLost.

// restore writes back what Redis lost of cs, in one pipeline, and tells the
// runtime of each circuit restored.
func (f *fleet) restore(ctx context.Context, cs []*fcircuit) error {
	var due []*fcircuit
	for _, c := range cs {
		if c.lost.Load() != 0 {
			due = append(due, c)
		}
	}
	if len(due) == 0 {
		return nil
	}
	sent := f.s.offset.Load()
	replies, err := f.pipeline(ctx, "Restore", due, func(i int) call { return due[i].restoreCall(due[i].lost.Load()) })
	errs := []error{err}
	for i, r := range replies {
		if !r.lost { // a lost chunk is tried again at the next round
			errs = append(errs, due[i].restored(r.v, r.err, sent))
		}
	}
	return errors.Join(errs...)
}

// restoreCall is the restore script's call for lost, from what the circuit
// knows. Its reply is decoded by restored.
func (c *fcircuit) restoreCall(lost uint32) call {
	s := c.cache.Load()
	open, lock := "0", ""
	if lost&presentState != 0 && s.state == storage.StateOpen {
		open = "1"
	}
	if lost&presentLock != 0 {
		switch s.lock {
		case storage.LockOpen:
			lock = "open"
		case storage.LockClosed:
			lock = "closed"
		}
	}
	ttl := int64(0)
	if d := c.f.s.cfg.LockTTL; d > 0 {
		ttl = max(d.Milliseconds()-(c.f.clock.nowUS()-s.lockAt)/1000, 1)
	}
	return call{script: scriptRestore, op: "Restore",
		args: c.h.announced(open, s.opened, s.coolOr(c.h.coolDown), c.h.stateTTL, lock, ttl)}
}

// restored learns the reply of a restore and reports what it wrote back.
func (c *fcircuit) restored(v any, err error, sent int64) error {
	if err != nil { // tried again at the next round
		err = c.h.fail("Restore", err)
		c.failed("Restore", err)
		return err
	}
	a, err := ints(v, 6)
	if err != nil || a[0] < 0 || a[0] > 3 || a[1] < 0 || a[1] > 1 || a[2] < 0 || a[2] > int64(storage.LockClosed) {
		err = c.h.fail("Restore", fmt.Errorf("%w: reply %v", storage.ErrCorrupt, v))
		c.failed("Restore", err)
		return err
	}
	st := storage.Status{State: storage.State(a[1]), Lock: storage.Lock(a[2]),
		OpenedAt: fromMicros(a[3]), ReservedAt: fromMicros(a[4]), CurrentTime: fromMicros(a[5])}
	c.lost.Store(0) // Redis holds what it holds now: a restore, or a tombstone since
	c.f.clock.learn(a[5], sent)
	c.learn(st, a[5], false, nil, false)
	if a[0] != 0 {
		c.failed("Restore", fmt.Errorf("breakergen: redisstore: circuit %q: %w (%s)", c.h.name, storage.ErrStateLost, restoredWhat(a[0])))
	}
	return nil
}

// restoredWhat says what a restore wrote back.
func restoredWhat(bits int64) string {
	switch bits {
	case presentState:
		return "the opening"
	case presentLock:
		return "the lock"
	}
	return "the opening and the lock"
}

// kept returns st, a status read from Redis, with what Redis lost of this
// process's knowledge put back: the status the runtime decides with until it
// is written back.
func (c *fcircuit) kept(st storage.Status) storage.Status {
	lost := c.lost.Load()
	if lost == 0 {
		return st
	}
	s := c.cache.Load()
	if lost&presentState != 0 {
		st.State, st.OpenedAt, st.ReservedAt = s.state, fromMicros(s.opened), fromMicros(s.reserved)
	}
	if lost&presentLock != 0 {
		st.Lock = s.lock
	}
	return st
}
