package storage

import (
	"math/bits"
	"sync"
	"sync/atomic"
	"time"

	"github.com/breakergen/breakergen/internal/hotpath/ring"
)

// memState is one memory circuit's state at one instant. It is never changed
// once published; a transition publishes a new one. Times are Unix nanoseconds,
// 0 for none.
type memState struct {
	state      State
	lock       Lock
	openedAt   int64
	reservedAt int64
	version    uint64 // one more than the state it replaced
}

// memCircuit is one circuit of a Memory storage, shared by all its handles.
type memCircuit struct {
	state   atomic.Pointer[memState]
	mu      sync.Mutex   // serialises transitions
	handles atomic.Int32 // open handles; the circuit is forgotten at 0
	shift   uint32       // log2 of the bucket width in nanoseconds, fixed by the first binding
	win     ring.Ring    // the window; its padding keeps the counters off the fields above
}

var freshState = &memState{}

func newMemCircuit(p Policy, grow int) *memCircuit {
	c := &memCircuit{}
	c.state.Store(freshState)
	shift, span := geometry(p.EvaluationWindow)
	c.shift = shift
	c.win.Init(span, grow)
	return c
}

// geometry returns the power-of-two bucket width (as a shift) and the number of
// buckets that cover window w, which Policy.Validate keeps within bounds. The
// window so covered is at least w and at most one bucket (1/8 of it) longer.
func geometry(w time.Duration) (shift uint32, span int64) {
	n := int64(w)
	// The smallest power of two that is at least n/Size, so span <= Size.
	shift = uint32(bits.Len64(uint64((n + ring.Size - 1) / ring.Size)))
	if per := int64(1) << (shift - 1); shift > 0 && per*ring.Size >= n {
		shift--
	}
	width := int64(1) << shift
	return shift, (n + width - 1) / width
}

// epoch returns the bucket of now (Unix nanoseconds).
func (c *memCircuit) epoch(now int64) int64 { return now >> c.shift }

// nanos returns t in Unix nanoseconds, 0 for the zero time.
func nanos(t time.Time) int64 {
	if t.IsZero() {
		return 0
	}
	return t.UnixNano()
}

// fromNanos is the inverse of nanos.
func fromNanos(n int64) time.Time {
	if n == 0 {
		return time.Time{}
	}
	return time.Unix(0, n)
}

// written reports whether the circuit holds anything since it was made or
// last reset: a state, a lock or an outcome. List shows such circuits.
func (c *memCircuit) written() bool {
	return *c.state.Load() != memState{version: c.state.Load().version} || c.win.Latest() >= 0
}

// update publishes a changed copy of the state; the caller holds c.mu.
func (c *memCircuit) update(change func(s *memState)) {
	next := *c.state.Load()
	change(&next)
	next.version++
	c.state.Store(&next)
}

// status reads the circuit at now (Unix nanoseconds).
func (c *memCircuit) status(now int64) Status {
	s := c.state.Load()
	f, n := c.win.Counts(c.epoch(now))
	return Status{
		State:       s.state,
		Lock:        s.lock,
		OpenedAt:    fromNanos(s.openedAt),
		ReservedAt:  fromNanos(s.reservedAt),
		Failures:    f,
		Samples:     n,
		CurrentTime: time.Unix(0, now),
	}
}

// openLocked opens the circuit at now; the caller holds c.mu.
func (c *memCircuit) openLocked(now int64) {
	c.update(func(s *memState) { s.state, s.openedAt, s.reservedAt = StateOpen, now, 0 })
}

// closeLocked closes the circuit, clearing its reservation and window; the caller
// holds c.mu.
func (c *memCircuit) closeLocked() {
	c.update(func(s *memState) { s.state, s.reservedAt = StateClosed, 0 })
	c.win.Clear()
}

// reset forgets state, window, reservation and lock.
func (c *memCircuit) reset() {
	c.mu.Lock()
	c.update(func(s *memState) { *s = memState{version: s.version} })
	c.win.Clear()
	c.mu.Unlock()
}
