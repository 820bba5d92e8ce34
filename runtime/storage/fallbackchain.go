package storage

import (
	"context"
	"errors"
	"fmt"
	"time"
)

// FallbackChain returns a storage that uses the first of s that works, as
// Faulty's FallbackChain: FallbackChain(redisStore, NewMemory()) keeps state in
// Redis and in this process while Redis is away.
//
// Reads and per-circuit decisions (Status, Record, Open, Reopen, Close, Reserve,
// Release, History, List) try each storage in order; the first that answers
// without error answers the call, and the others are not called. Operator writes
// (Lock, Unlock, Reset, Clear) go to every storage, so a lock is known to all of
// them, and succeed if any storage succeeded. When every storage fails, the
// error joins theirs (errors.Join), each naming its storage's position. An error
// that is the caller's own context error (ctx.Err() is not nil and matches it)
// stops a read at once instead of trying the next storage.
//
// The chain implements FailureNotifier: the errors of storages that failed while
// another answered are reported to the registered functions as Failures, since
// the chain tolerated them; a call that fails altogether returns its error
// instead. Functions registered on the chain are registered on its members that
// implement FailureNotifier as well.
//
// The chain is fault tolerant, FaultTolerant reporting true, if any of s is, as
// in Faulty: that storage always answers. Nil storages in s are skipped; a chain
// of none is NewNull(), which keeps nothing but locks and never fails.
//
// The result is safe for concurrent use if every storage in s is.
func FallbackChain(s ...Storage) Storage {
	members := make([]Storage, 0, len(s))
	for _, m := range s {
		if m != nil {
			members = append(members, m)
		}
	}
	if len(members) == 0 {
		return NewNull()
	}
	return &fallbackChain{members: members}
}

// fallbackChain is the Storage returned by FallbackChain. Its members never
// change; it is safe for concurrent use if they are.
type fallbackChain struct {
	members []Storage
	notify  notifiers
}

var (
	_ Storage         = (*fallbackChain)(nil)
	_ FailureNotifier = (*fallbackChain)(nil)
)

// memberError names the position of the storage that returned err.
func (c *fallbackChain) memberError(i int, err error) error {
	return fmt.Errorf("breakergen: fallback chain storage %d of %d: %w", i+1, len(c.members), err)
}

// tolerated reports the errors of storages that failed while another answered.
func (c *fallbackChain) tolerated(ctx context.Context, op, name string, errs []error) {
	for _, err := range errs {
		c.notify.report(ctx, Failure{Op: op, Circuit: name, Err: err})
	}
}

// first returns the answer of the first storage that gives one without error.
func first[T any](ctx context.Context, c *fallbackChain, op, name string, call func(Storage) (T, error)) (T, error) {
	var errs []error
	for i, m := range c.members {
		v, err := call(m)
		if err == nil {
			c.tolerated(ctx, op, name, errs)
			return v, nil
		}
		errs = append(errs, c.memberError(i, err))
		if callerDone(ctx, err) {
			break
		}
	}
	var zero T
	return zero, errors.Join(errs...)
}

// all calls every storage; it fails only if every one did.
func (c *fallbackChain) all(ctx context.Context, op, name string, call func(Storage) error) error {
	var errs []error
	for i, m := range c.members {
		if err := call(m); err != nil {
			errs = append(errs, c.memberError(i, err))
		}
	}
	if len(errs) == len(c.members) {
		return errors.Join(errs...)
	}
	c.tolerated(ctx, op, name, errs)
	return nil
}

// NotifyFailures registers fn to be called, synchronously and once per failure,
// for every member error the chain tolerates. A nil fn is ignored; a panic in fn
// is recovered and ignored.
func (c *fallbackChain) NotifyFailures(fn func(Failure)) {
	if fn == nil {
		return
	}
	c.notify.add(fn)
	for _, m := range c.members {
		if n, ok := m.(FailureNotifier); ok {
			n.NotifyFailures(fn)
		}
	}
}

// Status reads the first available storage's status.
func (c *fallbackChain) Status(ctx context.Context, name string, p Policy, now time.Time) (Status, error) {
	return first(ctx, c, "Status", name, func(s Storage) (Status, error) {
		return s.Status(ctx, name, p, now)
	})
}

// Record records in the first available storage.
func (c *fallbackChain) Record(ctx context.Context, name string, p Policy, now time.Time, o Outcome) (Result, error) {
	return first(ctx, c, "Record", name, func(s Storage) (Result, error) {
		return s.Record(ctx, name, p, now, o)
	})
}

// Open opens the circuit in the first available storage.
func (c *fallbackChain) Open(ctx context.Context, name string, p Policy, now time.Time) (bool, error) {
	return first(ctx, c, "Open", name, func(s Storage) (bool, error) {
		return s.Open(ctx, name, p, now)
	})
}

// Reopen reopens the circuit in the first available storage.
func (c *fallbackChain) Reopen(ctx context.Context, name string, p Policy, now, previous time.Time) (bool, error) {
	return first(ctx, c, "Reopen", name, func(s Storage) (bool, error) {
		return s.Reopen(ctx, name, p, now, previous)
	})
}

// Close closes the circuit in the first available storage.
func (c *fallbackChain) Close(ctx context.Context, name string, p Policy, now time.Time) (bool, error) {
	return first(ctx, c, "Close", name, func(s Storage) (bool, error) {
		return s.Close(ctx, name, p, now)
	})
}

// reservation is the answer of Reserve, carried through first.
type reservation struct {
	at time.Time
	ok bool
}

// Reserve reserves the probe in the first available storage.
func (c *fallbackChain) Reserve(ctx context.Context, name string, p Policy, now, previous time.Time) (time.Time, bool, error) {
	r, err := first(ctx, c, "Reserve", name, func(s Storage) (reservation, error) {
		at, ok, err := s.Reserve(ctx, name, p, now, previous)
		return reservation{at, ok}, err
	})
	return r.at, r.ok, err
}

// Release releases the reservation in the first available storage.
func (c *fallbackChain) Release(ctx context.Context, name string, p Policy, reservedAt time.Time) (bool, error) {
	return first(ctx, c, "Release", name, func(s Storage) (bool, error) {
		return s.Release(ctx, name, p, reservedAt)
	})
}

// Lock sets the lock in every storage.
func (c *fallbackChain) Lock(ctx context.Context, name string, l Lock) error {
	return c.all(ctx, "Lock", name, func(s Storage) error { return s.Lock(ctx, name, l) })
}

// Unlock clears the lock in every storage.
func (c *fallbackChain) Unlock(ctx context.Context, name string) error {
	return c.all(ctx, "Unlock", name, func(s Storage) error { return s.Unlock(ctx, name) })
}

// Reset resets the circuit in every storage.
func (c *fallbackChain) Reset(ctx context.Context, name string) error {
	return c.all(ctx, "Reset", name, func(s Storage) error { return s.Reset(ctx, name) })
}

// History reads the first available storage's buckets.
func (c *fallbackChain) History(ctx context.Context, name string, p Policy, now time.Time) ([]Bucket, error) {
	return first(ctx, c, "History", name, func(s Storage) ([]Bucket, error) {
		return s.History(ctx, name, p, now)
	})
}

// List lists the first available storage's circuits.
func (c *fallbackChain) List(ctx context.Context) ([]string, error) {
	return first(ctx, c, "List", "", func(s Storage) ([]string, error) {
		return s.List(ctx)
	})
}

// Clear clears every storage.
func (c *fallbackChain) Clear(ctx context.Context) error {
	return c.all(ctx, "Clear", "", func(s Storage) error { return s.Clear(ctx) })
}

// FaultTolerant reports whether any storage of the chain is fault tolerant.
func (c *fallbackChain) FaultTolerant() bool {
	for _, m := range c.members {
		if m.FaultTolerant() {
			return true
		}
	}
	return false
}
