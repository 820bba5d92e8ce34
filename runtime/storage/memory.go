package storage

import (
	"context"
	"sort"
	"sync"
	"sync/atomic"
	"time"
)

// Memory keeps circuit state in this process. It never fails, so it is fault
// tolerant, and it is the runtime's default storage.
//
// Each circuit's state (state, lock, OpenedAt, ReservedAt) is an immutable snapshot
// behind an atomic pointer: readers take no lock and always see a whole transition.
// Transitions take a lock of the circuit's own. The window is a ring of sixteen
// time buckets of a power-of-two width (8 to 16 of them cover EvaluationWindow), so
// a circuit's memory stays flat, under 3 KiB, however busy it is.
//
// Memory is safe for concurrent use. The zero value is not usable; call NewMemory.
type Memory struct {
	mu       sync.RWMutex
	circuits map[string]*MemoryCircuit
}

var (
	_ Storage  = (*Memory)(nil)
	_ Binder   = (*Memory)(nil)
	_ FastPath = (*MemoryCircuit)(nil)
)

// NewMemory returns an empty in-memory storage.
func NewMemory() *Memory {
	return &Memory{circuits: make(map[string]*MemoryCircuit)}
}

// snapshot is one circuit's state at one instant; it is never changed once published.
type snapshot struct {
	state      State
	lock       Lock
	openedAt   time.Time
	reservedAt time.Time
}

var fresh = &snapshot{}

// MemoryCircuit is one circuit of a Memory storage, as its fast path: Memory.Bind
// returns it as a FastPath, and the runtime calls it directly, without an
// interface call, when it finds one. It is safe for concurrent use.
type MemoryCircuit struct {
	win     window // first: its padding keeps the counters off the fields below
	snap    atomic.Pointer[snapshot]
	mu      sync.Mutex   // serialises transitions
	bound   atomic.Bool  // a runtime holds its fast path, so it is never evicted
	active  atomic.Bool  // written since creation or the last Reset: List shows it
	touched atomic.Int64 // Unix nanoseconds of the last change through the slow path
}

func newMemCircuit(p Policy) *MemoryCircuit {
	c := &MemoryCircuit{}
	c.snap.Store(fresh)
	c.win.clearLocked()
	shift, span := geometry(p)
	c.win.shift.Store(shift)
	c.win.span.Store(span)
	return c
}

// lookup returns the circuit, or nil when it was never written.
func (m *Memory) lookup(name string) *MemoryCircuit {
	m.mu.RLock()
	c := m.circuits[name]
	m.mu.RUnlock()
	return c
}

// circuit returns the named circuit, creating it, fitted to p.
func (m *Memory) circuit(name string, p Policy) *MemoryCircuit {
	c := m.get(name, p)
	c.win.fit(p)
	return c
}

// get returns the named circuit, creating it with a window fitted to p.
func (m *Memory) get(name string, p Policy) *MemoryCircuit {
	if c := m.lookup(name); c != nil {
		return c
	}
	m.mu.Lock()
	c := m.circuits[name]
	if c == nil {
		c = newMemCircuit(p)
		m.circuits[name] = c
	}
	m.mu.Unlock()
	return c
}

// write marks the circuit as changed at now.
func (c *MemoryCircuit) write(now time.Time) {
	c.touched.Store(now.UnixNano())
	if !c.active.Load() {
		c.active.Store(true)
	}
}

// ClosedUnlocked reports that the circuit is closed and unlocked.
func (c *MemoryCircuit) ClosedUnlocked() bool {
	s := c.snap.Load()
	return s.state == StateClosed && s.lock == LockNone
}

// Succeeded counts one success at now, in Unix nanoseconds.
func (c *MemoryCircuit) Succeeded(now int64) {
	c.win.add(now, 1)
	if !c.active.Load() {
		c.active.Store(true)
	}
}

func (c *MemoryCircuit) status(now time.Time) Status {
	s := c.snap.Load()
	f, n := c.win.counts(now.UnixNano())
	return Status{
		State:       s.state,
		Lock:        s.lock,
		OpenedAt:    s.openedAt,
		ReservedAt:  s.reservedAt,
		Failures:    f,
		Samples:     n,
		CurrentTime: now,
	}
}

// update publishes a changed copy of the snapshot; the caller holds c.mu.
func (c *MemoryCircuit) update(change func(s *snapshot)) {
	next := *c.snap.Load()
	change(&next)
	c.snap.Store(&next)
}

// Bind returns the circuit's fast path. A bound circuit is never evicted.
func (m *Memory) Bind(name string, p Policy) FastPath {
	c := m.circuit(name, p)
	c.bound.Store(true)
	return c
}

// Status returns the circuit's status at now.
func (m *Memory) Status(_ context.Context, name string, p Policy, now time.Time) (Status, error) {
	c := m.lookup(name)
	if c == nil {
		return Status{CurrentTime: now}, nil
	}
	c.win.fit(p)
	return c.status(now), nil
}

// Record counts the outcome and applies the transition it causes.
func (m *Memory) Record(_ context.Context, name string, p Policy, now time.Time, o Outcome) (Result, error) {
	c := m.circuit(name, p)
	c.write(now)
	if o.Success {
		c.win.add(now.UnixNano(), 1)
	} else {
		c.win.add(now.UnixNano(), failureUnit)
	}
	t := TransitionNone
	c.mu.Lock()
	s := c.snap.Load()
	switch {
	case o.Probe && s.state == StateOpen && o.Success:
		c.closeLocked()
		t = TransitionClosed
	case o.Probe && s.state == StateOpen && s.openedAt.Equal(o.OpenedAt):
		c.update(func(s *snapshot) { s.openedAt = now })
		t = TransitionReopened
	case !o.Success && s.state == StateClosed:
		if p.FailsThreshold(c.win.counts(now.UnixNano())) {
			c.update(func(s *snapshot) { s.state, s.openedAt = StateOpen, now })
			t = TransitionOpened
		}
	}
	st := c.status(now)
	c.mu.Unlock()
	return Result{Transition: t, Status: st}, nil
}

// closeLocked closes the circuit, clearing its reservation and window; the caller
// holds c.mu.
func (c *MemoryCircuit) closeLocked() {
	c.update(func(s *snapshot) { s.state, s.reservedAt = StateClosed, time.Time{} })
	c.win.clear()
}

// Open opens a closed circuit.
func (m *Memory) Open(_ context.Context, name string, p Policy, now time.Time) (bool, error) {
	c := m.circuit(name, p)
	c.write(now)
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.snap.Load().state != StateClosed {
		return false, nil
	}
	c.update(func(s *snapshot) { s.state, s.openedAt = StateOpen, now })
	return true, nil
}

// Reopen gives an open circuit a new OpenedAt if its current one equals previous.
func (m *Memory) Reopen(_ context.Context, name string, p Policy, now, previous time.Time) (bool, error) {
	c := m.circuit(name, p)
	c.write(now)
	c.mu.Lock()
	defer c.mu.Unlock()
	s := c.snap.Load()
	if s.state != StateOpen || !s.openedAt.Equal(previous) {
		return false, nil
	}
	c.update(func(s *snapshot) { s.openedAt = now })
	return true, nil
}

// Close closes an open circuit, clearing its reservation and window.
func (m *Memory) Close(_ context.Context, name string, p Policy, now time.Time) (bool, error) {
	c := m.circuit(name, p)
	c.write(now)
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.snap.Load().state != StateOpen {
		return false, nil
	}
	c.closeLocked()
	return true, nil
}

// Reserve sets ReservedAt to now if the circuit is open and ReservedAt equals previous.
func (m *Memory) Reserve(_ context.Context, name string, p Policy, now, previous time.Time) (time.Time, bool, error) {
	c := m.circuit(name, p)
	c.write(now)
	c.mu.Lock()
	defer c.mu.Unlock()
	s := c.snap.Load()
	if s.state != StateOpen || !s.reservedAt.Equal(previous) {
		return time.Time{}, false, nil
	}
	c.update(func(s *snapshot) { s.reservedAt = now })
	return now, true, nil
}

// Release clears the reservation if it equals reservedAt.
func (m *Memory) Release(_ context.Context, name string, _ Policy, reservedAt time.Time) (bool, error) {
	c := m.lookup(name)
	if c == nil || reservedAt.IsZero() {
		return false, nil
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if !c.snap.Load().reservedAt.Equal(reservedAt) {
		return false, nil
	}
	c.update(func(s *snapshot) { s.reservedAt = time.Time{} })
	return true, nil
}

// Lock sets the circuit's lock.
func (m *Memory) Lock(_ context.Context, name string, l Lock) error {
	c := m.get(name, Policy{})
	c.write(time.Now())
	c.mu.Lock()
	c.update(func(s *snapshot) { s.lock = l })
	c.mu.Unlock()
	return nil
}

// Unlock clears the circuit's lock.
func (m *Memory) Unlock(ctx context.Context, name string) error {
	if m.lookup(name) == nil {
		return nil
	}
	return m.Lock(ctx, name, LockNone)
}

// Reset forgets the circuit's state, window, reservation and lock.
func (m *Memory) Reset(_ context.Context, name string) error {
	if c := m.lookup(name); c != nil {
		c.reset()
	}
	return nil
}

func (c *MemoryCircuit) reset() {
	c.mu.Lock()
	c.snap.Store(fresh)
	c.win.clear()
	c.active.Store(false)
	c.mu.Unlock()
}

// History returns the window's live buckets, oldest first.
func (m *Memory) History(_ context.Context, name string, p Policy, now time.Time) ([]Bucket, error) {
	c := m.lookup(name)
	if c == nil {
		return nil, nil
	}
	c.win.fit(p)
	return c.win.history(now.UnixNano()), nil
}

// List returns the names of the circuits written since their last Reset, sorted.
func (m *Memory) List(context.Context) ([]string, error) {
	m.mu.RLock()
	names := make([]string, 0, len(m.circuits))
	for name, c := range m.circuits {
		if c.active.Load() {
			names = append(names, name)
		}
	}
	m.mu.RUnlock()
	sort.Strings(names)
	return names, nil
}

// Clear forgets every circuit. Circuits bound by a runtime are reset in place.
func (m *Memory) Clear(context.Context) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	for name, c := range m.circuits {
		c.reset()
		if !c.bound.Load() {
			delete(m.circuits, name)
		}
	}
	return nil
}

// Evict drops circuits that nobody has bound and that are closed, unlocked and
// untouched for at least idle before now, so storages that see many short-lived
// circuit names do not grow without bound. It returns how many it dropped. An
// evicted circuit is indistinguishable from one never seen, except that its
// window is forgotten.
func (m *Memory) Evict(now time.Time, idle time.Duration) int {
	cutoff := now.Add(-idle).UnixNano()
	m.mu.Lock()
	defer m.mu.Unlock()
	n := 0
	for name, c := range m.circuits {
		s := c.snap.Load()
		if c.bound.Load() || s.state != StateClosed || s.lock != LockNone || c.touched.Load() > cutoff {
			continue
		}
		if c.win.latest() > cutoff {
			continue
		}
		delete(m.circuits, name)
		n++
	}
	return n
}

// FaultTolerant reports true: Memory never fails.
func (m *Memory) FaultTolerant() bool { return true }
