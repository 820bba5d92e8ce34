package storage

import (
	"context"
	"fmt"
	"sort"
	"sync"

	"github.com/breakergen/breakergen/internal/hotpath/ring"
)

// Memory keeps circuit state in this process. It never fails, so it is fault
// tolerant, and it is the runtime's default storage. Create one with NewMemory;
// the zero value is not usable. Memory is safe for concurrent use.
//
// Each circuit's state (state, lock, OpenedAt, ReservedAt) is an immutable
// snapshot behind an atomic pointer: readers take no lock and always see a whole
// transition, and the hot path (HotPath) decides a closed circuit's call with one
// atomic load. Transitions take a lock of the circuit's own. The window is a ring
// of sixteen time buckets of a power-of-two width (8 to 16 of them cover
// EvaluationWindow), counted in per-goroutine lanes: one lane at rest (a circuit
// takes about 800 bytes), grown to as many as the processors can use when two
// goroutines count in one circuit at once.
//
// Binding: the first binding of a name makes the circuit and fixes its window's
// geometry. A later binding of the name, from another Breaker sharing this
// Memory, shares the circuit (state, lock, reservation, window) whatever its
// EvaluationWindow: its outcomes are counted in, and its statuses read, the
// window of the first; its own CoolDown, RateThreshold and SampleThreshold
// govern its own decisions. When every handle of a circuit has been given back
// (Unbind), the circuit is forgotten.
//
// Memory applies every policy (PolicySupport): slow calls, backoff, ramps,
// several probes and adaptive mode. Their state (the backed-off cool-down,
// the ramp's start, the probes) is part of the circuit's snapshot; the counts
// of slow calls and adaptive mode (calls tracked in flight, requested,
// rejected, slow, abandoned) live in three more rings of the window's
// geometry, made only for a circuit bound with one of them.
//
// In flight, Memory tracks the first call of each millisecond (tracking a
// call costs a count when it starts and one when it ends; the others pay
// nothing): a tracked call counts as hung once it runs past SlowCall, and
// Memory counts as hung only what it can prove is, the tracked calls started
// before then less every tracked call that ended since the oldest of them. A
// dependency that hangs leaves every tracked call in flight, so a hung
// handler opens the circuit with no call completed once SampleThreshold
// milliseconds of calls have passed SlowCall.
type Memory struct {
	grow     int // extra lanes of a contended window
	mu       sync.RWMutex
	circuits map[string]*memCircuit
}

var (
	_ Storage       = (*Memory)(nil)
	_ Admin         = (*Memory)(nil)
	_ Tolerant      = (*Memory)(nil)
	_ PolicySupport = (*Memory)(nil)
)

// NewMemory returns an empty in-memory storage.
func NewMemory() *Memory {
	return &Memory{grow: ring.ExtraLanes(), circuits: make(map[string]*memCircuit)}
}

// Bind returns the handle of the circuit name, making the circuit with p's
// window geometry on its first binding. It fails, with an error wrapping
// ErrInvalid, when p does not pass Policy.Validate.
func (m *Memory) Bind(name string, p Policy) (Handle, error) {
	if err := p.Validate(); err != nil {
		return nil, fmt.Errorf("breakergen: memory: circuit %q: %w", name, err)
	}
	m.mu.Lock()
	c := m.circuits[name]
	if c == nil {
		c = newMemCircuit(name, p, m.grow)
		m.circuits[name] = c
	}
	if p.SlowCall != 0 || p.Mode == ModeAdaptive {
		c.needAux(m.grow)
	}
	c.handles.Add(1)
	m.mu.Unlock()
	// The policy is an allocation of its own, off the handle: a call reads
	// only the handle's first field, and handles of circuits made one after
	// another lie close together (a handle and its policy in one allocation
	// made a call on each of 10,000 circuits in turn slower, measured).
	return &memHandle{c: c, p: &p, cool: int64(p.CoolDown), m: m, name: name}, nil
}

// SupportsPolicy reports nil: Memory applies every policy.
func (m *Memory) SupportsPolicy(Policy) error { return nil }

// unbind gives back one handle of c; the last forgets the circuit.
func (m *Memory) unbind(name string, c *memCircuit) {
	m.mu.Lock()
	if c.handles.Add(-1) == 0 && m.circuits[name] == c {
		delete(m.circuits, name)
	}
	m.mu.Unlock()
}

// List returns the names of the circuits that hold anything (a state, a lock, an
// outcome in the window) since they were made or last reset, sorted.
func (m *Memory) List(context.Context) ([]string, error) {
	m.mu.RLock()
	names := make([]string, 0, len(m.circuits))
	for name, c := range m.circuits {
		if c.written() {
			names = append(names, name)
		}
	}
	m.mu.RUnlock()
	sort.Strings(names)
	return names, nil
}

// Clear resets every circuit in place: bound handles keep working, on circuits
// that read as never written.
func (m *Memory) Clear(context.Context) error {
	m.mu.RLock()
	defer m.mu.RUnlock()
	for _, c := range m.circuits {
		c.reset()
	}
	return nil
}

// FaultTolerant reports true: Memory never fails.
func (m *Memory) FaultTolerant() bool { return true }
