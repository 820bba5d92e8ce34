package storage

import (
	"context"
	"fmt"
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
type nullCircuit struct {
	lock    atomic.Uint32
	handles int // guarded by Null.mu
}

// nullHandle is a circuit of a Null.
type nullHandle struct {
	n       *Null
	name    string
	c       *nullCircuit
	unbound atomic.Bool
}

var (
	_ Storage  = (*Null)(nil)
	_ Admin    = (*Null)(nil)
	_ Tolerant = (*Null)(nil)
	_ Handle   = (*nullHandle)(nil)
	_ Operator = (*nullHandle)(nil)
	_ HotPath  = (*nullHandle)(nil)
	_ Gate     = (*nullHandle)(nil)
	_ Unbinder = (*nullHandle)(nil)

	_ PolicySupport = (*Null)(nil)
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
// returns the locked circuits; Lock(LockNone), Reset and Clear remove locks.
func NewNull() *Null { return &Null{locks: make(map[string]*nullCircuit)} }

// Bind returns the handle of the circuit name. It fails, with an error wrapping
// ErrInvalid, when p does not pass Policy.Validate, as every storage does.
func (n *Null) Bind(name string, p Policy) (Handle, error) {
	if err := p.Validate(); err != nil {
		return nil, fmt.Errorf("breakergen: null: circuit %q: %w", name, err)
	}
	n.mu.Lock()
	defer n.mu.Unlock()
	c := n.locks[name]
	if c == nil {
		c = &nullCircuit{}
		n.locks[name] = c
	}
	c.handles++
	return &nullHandle{n: n, name: name, c: c}, nil
}

// Unbind gives the handle back; the last one given back forgets the lock.
func (h *nullHandle) Unbind() {
	if !h.unbound.CompareAndSwap(false, true) {
		return
	}
	h.n.mu.Lock()
	defer h.n.mu.Unlock()
	if h.c.handles--; h.c.handles == 0 && h.n.locks[h.name] == h.c {
		delete(h.n.locks, h.name)
	}
}

func (h *nullHandle) status(now time.Time) Status {
	return Status{Lock: Lock(h.c.lock.Load()), CurrentTime: now}
}

// Admit lets every call of an unlocked circuit run.
func (h *nullHandle) Admit() Admission {
	if h.c.lock.Load() == uint32(LockNone) {
		return Admission{Verdict: AdmitRun}
	}
	return Admission{Verdict: AdmitAsk}
}

// AdmitAt is Admit: no ramp, no throttle and no slow call ever stops a call.
func (h *nullHandle) AdmitAt(int64) Admission { return h.Admit() }

// Ended counts nothing.
func (*nullHandle) Ended(int64) {}

// Abandoned counts nothing.
func (*nullHandle) Abandoned(int64) {}

// SupportsPolicy reports nil: every policy decides from state Null never
// keeps, so under every policy, as under the classic one, every call of an
// unlocked circuit runs.
func (*Null) SupportsPolicy(Policy) error { return nil }

// Succeeded counts nothing.
func (*nullHandle) Succeeded(int64) {}

// Failed counts nothing and reports true: nothing can fail a threshold.
func (*nullHandle) Failed(int64) bool { return true }

// Status reports a closed circuit with an empty window at now, and its lock.
func (h *nullHandle) Status(_ context.Context, now time.Time) (Status, error) {
	return h.status(now), nil
}

// Record counts nothing and reports no transition.
func (h *nullHandle) Record(_ context.Context, now time.Time, _ Outcome) (Result, error) {
	return Result{Status: h.status(now)}, nil
}

// Reserve always succeeds and returns now.
func (*nullHandle) Reserve(_ context.Context, now, _, _ time.Time) (time.Time, bool, error) {
	return now, true, nil
}

// Release reports true: no reservation is held.
func (*nullHandle) Release(context.Context, time.Time, time.Time) (bool, error) { return true, nil }

// Lock sets the circuit's lock.
func (h *nullHandle) Lock(_ context.Context, _ time.Time, l Lock) error {
	if !l.Valid() {
		return fmt.Errorf("%w: lock %d", ErrInvalid, l)
	}
	h.c.lock.Store(uint32(l))
	return nil
}

// Reset clears the circuit's lock, the only thing Null keeps.
func (h *nullHandle) Reset(context.Context, time.Time) error {
	h.c.lock.Store(uint32(LockNone))
	return nil
}

// Open reports false: the circuit stays closed.
func (*nullHandle) Open(context.Context, time.Time) (bool, error) { return false, nil }

// Reopen reports false: no circuit is ever open.
func (*nullHandle) Reopen(context.Context, time.Time, time.Time) (bool, error) { return false, nil }

// Close reports false: no circuit is ever open.
func (*nullHandle) Close(context.Context, time.Time) (bool, error) { return false, nil }

// History returns no buckets.
func (*nullHandle) History(context.Context, time.Time) ([]Bucket, error) { return nil, nil }

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
