package circuitstats

import (
	"slices"
	"sync"
	"sync/atomic"

	"github.com/breakergen/breakergen/runtime"
	"github.com/breakergen/breakergen/runtime/callcount"
	"github.com/breakergen/breakergen/runtime/storage"
)

// Transitions are the transition events counted, in index order.
var Transitions = [3]runtime.EventType{runtime.EventOpened, runtime.EventReopened, runtime.EventClosed}

// Scopes are the verdicts transitions are counted by, in index order: the
// fleet's (the storage's shared state) and this process's own (a local
// opening, or a process cut off from its shared storage deciding alone).
var Scopes = [2]storage.Scope{storage.ScopeFleet, storage.ScopeProcess}

// Locks are the operator's locks whose setting is counted in
// Circuit.LockChanges, in index order: runtime.LockNone counts unlocks.
var Locks = [3]runtime.Lock{runtime.LockNone, runtime.LockOpen, runtime.LockClosed}

// Outcomes are the call outcomes counted in Circuit.Calls, in index order.
// callcount.Fallback is not among them: a fallback answers a call already
// counted as skipped, and is counted in Circuit.Fallbacks.
var Outcomes = [NumOutcomes]callcount.Outcome{
	callcount.Success, callcount.Failure, callcount.Excluded, callcount.Skipped,
}

// Events returns the event types Stats needs, for runtime.WithListener:
// transitions, lock changes, probes and storage failures. Calls are counted
// without events.
func (s *Stats) Events() []runtime.EventType {
	return []runtime.EventType{
		runtime.EventOpened, runtime.EventReopened, runtime.EventClosed,
		runtime.EventLockChanged,
		runtime.EventProbe, runtime.EventStorageFailure,
	}
}

// Stats counts the calls and events of circuits and reads the status of the
// circuits of the breakers it watches. It is a runtime.Listener and a
// callcount.Counter. It is safe for concurrent use.
type Stats struct {
	mu       sync.Mutex
	seq      uint64 // counts CountCalls, to tell circuits made during a snapshot
	circuits map[string]*circuit
	breakers []*runtime.Breaker

	storageFailures atomic.Uint64
}

// circuit is what Stats counts of one circuit name.
type circuit struct {
	calls       counts
	transitions [len(Transitions)][len(Scopes)]atomic.Uint64
	locks       [len(Locks)]atomic.Uint64
	probes      atomic.Uint64
	seq         uint64 // Stats.seq when it was last made or remade; guarded by Stats.mu
}

// New returns empty Stats.
func New() *Stats { return &Stats{circuits: make(map[string]*circuit)} }

// CountCalls returns the counting function of the circuit name: it
// implements callcount.Counter, taking no lock and allocating nothing. A
// circuit dropped and made again under the same name goes on counting where
// it was, unless a snapshot forgot it in between.
func (s *Stats) CountCalls(name string) func(callcount.Outcome) {
	c := s.circuit(name)
	return func(o callcount.Outcome) {
		if o == callcount.Fallback {
			c.calls.add(fallbackSlot)
		} else if i := int(o) - 1; uint(i) < NumOutcomes {
			c.calls.add(i)
		}
	}
}

// circuit returns the counts of name, making them if needed, and marks them
// as made now.
func (s *Stats) circuit(name string) *circuit {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.seq++
	c := s.circuits[name]
	if c == nil {
		c = &circuit{}
		s.circuits[name] = c
	}
	c.seq = s.seq
	return c
}

// Handle counts transitions by the scope of the verdict they changed, lock
// changes by the lock set, probes and storage failures (one, plus the
// failures the event says were suppressed). A transition or lock change
// another process made and this one learnt (Event.Remote) counts like one of
// its own: every process emits each once, so each process's counts tell the
// whole story of the circuits it uses.
func (s *Stats) Handle(e runtime.Event) {
	switch e.Type {
	case runtime.EventStorageFailure:
		s.storageFailures.Add(1 + uint64(max(e.Suppressed, 0)))
	case runtime.EventProbe:
		s.lookup(e.Circuit).probes.Add(1)
	case runtime.EventLockChanged:
		if i := slices.Index(Locks[:], e.Status.Lock); i >= 0 {
			s.lookup(e.Circuit).locks[i].Add(1)
		}
	default:
		i := slices.Index(Transitions[:], e.Type)
		j := slices.Index(Scopes[:], e.Status.Scope)
		if i >= 0 && j >= 0 {
			s.lookup(e.Circuit).transitions[i][j].Add(1)
		}
	}
}

// lookup returns the counts of name, making them without marking them when
// the circuit's CountCalls was never called.
func (s *Stats) lookup(name string) *circuit {
	s.mu.Lock()
	defer s.mu.Unlock()
	c := s.circuits[name]
	if c == nil {
		c = &circuit{seq: s.seq}
		s.circuits[name] = c
	}
	return c
}

// Watch adds b to the breakers whose circuits a snapshot reads. Watching a
// breaker twice, or a nil one, changes nothing.
func (s *Stats) Watch(b *runtime.Breaker) {
	if b == nil {
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if !slices.Contains(s.breakers, b) {
		s.breakers = append(s.breakers, b)
	}
}
