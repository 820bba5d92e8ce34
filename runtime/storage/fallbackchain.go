package storage

import (
	"context"
	"errors"
	"fmt"

	"github.com/breakergen/breakergen/internal/hotpath/bounded"
	"github.com/breakergen/breakergen/internal/hotpath/nilness"
)

// FallbackChain returns a storage that uses the first of members that works, as
// Faulty's FallbackChain: FallbackChain(redisStore, NewMemory()) keeps state in
// Redis, and in this process while Redis is away.
//
// Each member that is not Tolerant is put behind a guard of its own, the small
// breaker FaultTolerant guards its backend with (default options), so a dead member is neither called nor waited for on every call, nor
// longer than the call's context allows.
//
// Reads and decisions (Status, Record, Reserve, Release, and Operator's
// methods) try each member in order; the first that answers without error
// answers the call, and the others are not called. Lock and Reset go to every
// member, so a lock is known to all of them; they return the joined errors of
// the members that failed, each naming its position, so an operator learns that
// a member did not get the change. Admin's List asks members in order; Clear
// goes to every member. An error that is the caller's own context error stops a
// read at once instead of trying the next member. A handle's hot path is its
// first member's.
//
// The errors of members that failed while another answered are reported to
// Policy.Notify, since the chain tolerated them; a call that fails
// altogether returns its error instead. Every member is bound with the
// chain's policy, so its own notifications reach the runtime too.
//
// The chain is Tolerant if any member is, as in Faulty: that member always
// answers. FallbackChain fails, with an error wrapping ErrInvalid, when members
// is empty (a chain of nothing would silently turn breaking off) or holds a nil
// storage. The result is safe for concurrent use.
func FallbackChain(members ...Storage) (Storage, error) {
	if len(members) == 0 {
		return nil, fmt.Errorf("%w: fallback chain: no storage", ErrInvalid)
	}
	c := &fallbackChain{members: make([]Storage, len(members))}
	for i, m := range members {
		if nilness.Is(m) {
			return nil, fmt.Errorf("%w: fallback chain: storage %d of %d is nil", ErrInvalid, i+1, len(members))
		}
		if IsTolerant(m) {
			c.members[i] = m
			continue
		}
		c.members[i] = guarded(m, defaultGateConfig())
	}
	return c, nil
}

// fallbackChain is the Storage returned by FallbackChain. Its members never
// change.
type fallbackChain struct {
	members []Storage
}

var (
	_ Storage  = (*fallbackChain)(nil)
	_ Admin    = (*fallbackChain)(nil)
	_ Tolerant = (*fallbackChain)(nil)
)

// memberError names the position of the member that returned err.
func memberError(i, n int, err error) error {
	return fmt.Errorf("breakergen: fallback chain storage %d of %d: %w", i+1, n, err)
}

// Bind binds every member; it fails, giving back what it bound, if any does.
func (c *fallbackChain) Bind(name string, p Policy) (Handle, error) {
	h := &chainHandle{name: name, members: make([]Handle, 0, len(c.members)), notify: p.Notify}
	for i, m := range c.members {
		mh, err := m.Bind(name, p)
		if err != nil {
			h.Unbind()
			return nil, memberError(i, len(c.members), err)
		}
		h.members = append(h.members, mh)
	}
	h.hot, _ = h.members[0].(HotPath)
	return h, nil
}

// List lists the circuits of the first member that answers.
func (c *fallbackChain) List(ctx context.Context) ([]string, error) {
	var errs []error
	for i, m := range c.members {
		a, err := adminOf(m)
		if err == nil {
			var names []string
			if names, err = bounded.Call(ctx, a.List); err == nil {
				return names, nil
			}
		}
		errs = append(errs, memberError(i, len(c.members), err))
		if callerDone(ctx, err) {
			break
		}
	}
	return nil, errors.Join(errs...)
}

// Clear clears every member and returns the errors of those that failed.
func (c *fallbackChain) Clear(ctx context.Context) error {
	var errs []error
	for i, m := range c.members {
		a, err := adminOf(m)
		if err == nil {
			err = bounded.Do(ctx, a.Clear)
		}
		if err != nil {
			errs = append(errs, memberError(i, len(c.members), err))
		}
	}
	return errors.Join(errs...)
}

// FaultTolerant reports whether any member is fault tolerant.
func (c *fallbackChain) FaultTolerant() bool {
	for _, m := range c.members {
		if IsTolerant(m) {
			return true
		}
	}
	return false
}
