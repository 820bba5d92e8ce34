package storage

import (
	"context"
	"sort"
	"sync"
	"sync/atomic"
	"time"
)

// Null is the Storage returned by NewNull: it keeps operator locks and nothing
// else. It is safe for concurrent use.
type Null struct {
	mu    sync.RWMutex
	locks map[string]*nullCircuit
}

// nullCircuit is one circuit of a Null: only its lock.
type nullCircuit struct{ lock atomic.Uint32 }

var (
	_ Storage  = (*Null)(nil)
	_ Binder   = (*Null)(nil)
	_ FastPath = (*nullCircuit)(nil)
)

// NewNull returns a storage that keeps no circuit state, for disabling circuit
// breaking without changing the code that uses it.
//
// Every circuit it reports is closed, with an empty window and CurrentTime set to
// the now it was given, so every call runs. Record counts nothing and never causes
// a transition. Open, Reopen and Close report false, because the state they would
// change is never stored. Reserve always succeeds and returns now, so no caller is
// ever kept waiting for a probe, and Release reports true. History is empty and no
// method ever returns an error, so FaultTolerant reports true.
//
// Operator locks are the exception: they are kept, so LockOpen still stops a
// dependency's calls and LockClosed shows in Status, as with every storage. List
// returns the locked circuits; Unlock, Reset and Clear remove locks.
func NewNull() *Null { return &Null{locks: make(map[string]*nullCircuit)} }

func (n *Null) lookup(name string) *nullCircuit {
	n.mu.RLock()
	defer n.mu.RUnlock()
	return n.locks[name]
}

func (n *Null) circuit(name string) *nullCircuit {
	if c := n.lookup(name); c != nil {
		return c
	}
	n.mu.Lock()
	defer n.mu.Unlock()
	c := n.locks[name]
	if c == nil {
		c = &nullCircuit{}
		n.locks[name] = c
	}
	return c
}

func (n *Null) lock(name string) Lock {
	if c := n.lookup(name); c != nil {
		return Lock(c.lock.Load())
	}
	return LockNone
}

// Status reports a closed circuit with an empty window at now, and its lock.
func (n *Null) Status(_ context.Context, name string, _ Policy, now time.Time) (Status, error) {
	return Status{Lock: n.lock(name), CurrentTime: now}, nil
}

// Record counts nothing and reports no transition.
func (n *Null) Record(_ context.Context, name string, _ Policy, now time.Time, _ Outcome) (Result, error) {
	return Result{Status: Status{Lock: n.lock(name), CurrentTime: now}}, nil
}

// Open reports false: the circuit stays closed.
func (*Null) Open(context.Context, string, Policy, time.Time) (bool, error) { return false, nil }

// Reopen reports false: no circuit is ever open.
func (*Null) Reopen(context.Context, string, Policy, time.Time, time.Time) (bool, error) {
	return false, nil
}

// Close reports false: no circuit is ever open.
func (*Null) Close(context.Context, string, Policy, time.Time) (bool, error) { return false, nil }

// Reserve always succeeds and returns now.
func (*Null) Reserve(_ context.Context, _ string, _ Policy, now, _ time.Time) (time.Time, bool, error) {
	return now, true, nil
}

// Release reports true: no reservation is held.
func (*Null) Release(context.Context, string, Policy, time.Time) (bool, error) { return true, nil }

// Lock sets the circuit's lock.
func (n *Null) Lock(_ context.Context, name string, l Lock) error {
	n.circuit(name).lock.Store(uint32(l))
	return nil
}

// Unlock clears the circuit's lock.
func (n *Null) Unlock(_ context.Context, name string) error {
	if c := n.lookup(name); c != nil {
		c.lock.Store(uint32(LockNone))
	}
	return nil
}

// Reset clears the circuit's lock, the only thing Null keeps.
func (n *Null) Reset(ctx context.Context, name string) error { return n.Unlock(ctx, name) }

// History returns no buckets.
func (*Null) History(context.Context, string, Policy, time.Time) ([]Bucket, error) {
	return nil, nil
}

// List returns the names of the locked circuits, sorted.
func (n *Null) List(context.Context) ([]string, error) {
	n.mu.RLock()
	var names []string
	for name, c := range n.locks {
		if Lock(c.lock.Load()) != LockNone {
			names = append(names, name)
		}
	}
	n.mu.RUnlock()
	sort.Strings(names)
	return names, nil
}

// Clear removes every lock.
func (n *Null) Clear(context.Context) error {
	n.mu.RLock()
	defer n.mu.RUnlock()
	for _, c := range n.locks {
		c.lock.Store(uint32(LockNone))
	}
	return nil
}

// FaultTolerant reports true: the null storage never fails.
func (*Null) FaultTolerant() bool { return true }

// Bind returns the circuit's fast path: closed unless locked.
func (n *Null) Bind(name string, _ Policy) FastPath { return n.circuit(name) }

// ClosedUnlocked reports that the circuit is not locked.
func (c *nullCircuit) ClosedUnlocked() bool { return c.lock.Load() == uint32(LockNone) }

// Succeeded does nothing.
func (*nullCircuit) Succeeded(int64) {}
