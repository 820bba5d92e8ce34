package circuitstats

import (
	"context"
	"sort"

	"github.com/breakergen/breakergen/runtime"
)

// Circuit is one circuit's counts and status at a snapshot. It is a plain
// value, safe to copy and to read from any goroutine.
type Circuit struct {
	Name      string
	Calls     [NumOutcomes]uint64 // by index of Outcomes; their sum is the calls
	Fallbacks uint64              // skipped calls a fallback answered
	// Transitions are by index of Transitions, then of Scopes: the verdict
	// the transition changed, the fleet's or this process's own.
	Transitions [len(Transitions)][len(Scopes)]uint64
	// LockChanges are the operator's lock changes by index of Locks: the lock
	// set (LockNone: unlocked), here or learnt from another process.
	LockChanges [len(Locks)]uint64
	Probes      uint64
	// Counted is set when the circuit's calls were counted: Stats is a
	// listener of its breaker. Otherwise the counts are zero and mean nothing.
	Counted bool
	// Status is the circuit's status, when HasStatus: the circuit belongs to a
	// watched breaker and its status was read from the storage (not a stub).
	Status    runtime.Status
	HasStatus bool
}

// Snapshot is what Stats hold at one instant. It is a plain value, safe to
// read from any goroutine.
type Snapshot struct {
	Circuits        []Circuit // sorted by name
	StorageFailures uint64
}

// Snapshot returns the counts of every circuit and, for the circuits of the
// watched breakers, their status, read with ctx. When breakers are watched,
// only their circuits are in it (those the Stats did not count too, Counted
// false), and the counts of circuits they no longer hold (dropped) are
// forgotten; otherwise every circuit counted is.
func (s *Stats) Snapshot(ctx context.Context) Snapshot {
	s.mu.Lock()
	seq := s.seq
	breakers := append([]*runtime.Breaker(nil), s.breakers...)
	s.mu.Unlock()

	snap := Snapshot{StorageFailures: s.storageFailures.Load()}
	if len(breakers) == 0 {
		s.mu.Lock()
		for name, c := range s.circuits {
			snap.Circuits = append(snap.Circuits, c.snapshot(name))
		}
		s.mu.Unlock()
		sort.Slice(snap.Circuits, func(i, j int) bool { return snap.Circuits[i].Name < snap.Circuits[j].Name })
		return snap
	}

	held := make(map[string]*runtime.Circuit)
	for _, b := range breakers {
		for _, c := range b.Circuits() {
			if _, dup := held[c.Name()]; !dup {
				held[c.Name()] = c
			}
		}
	}
	s.mu.Lock()
	for name, c := range s.circuits {
		if _, ok := held[name]; !ok && c.seq <= seq {
			delete(s.circuits, name) // dropped before the snapshot began
		}
	}
	for name := range held {
		if c := s.circuits[name]; c != nil {
			snap.Circuits = append(snap.Circuits, c.snapshot(name))
		} else {
			snap.Circuits = append(snap.Circuits, Circuit{Name: name})
		}
	}
	s.mu.Unlock()
	sort.Slice(snap.Circuits, func(i, j int) bool { return snap.Circuits[i].Name < snap.Circuits[j].Name })
	for i := range snap.Circuits {
		st, err := held[snap.Circuits[i].Name].Peek(ctx)
		snap.Circuits[i].Status, snap.Circuits[i].HasStatus = st, err == nil && !st.Stub
	}
	return snap
}

func (c *circuit) snapshot(name string) Circuit {
	out := Circuit{Name: name, Probes: c.probes.Load(), Counted: true}
	for i := range out.Calls {
		out.Calls[i] = c.calls.total(i)
	}
	out.Fallbacks = c.calls.total(fallbackSlot)
	for i := range out.Transitions {
		for j := range out.Transitions[i] {
			out.Transitions[i][j] = c.transitions[i][j].Load()
		}
	}
	for i := range out.LockChanges {
		out.LockChanges[i] = c.locks[i].Load()
	}
	return out
}
