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
	state State
	lock  Lock
	// level is how many recoveries failed in a row (a failed probe, a ramp
	// that opened again): the cool-down backs off that many times.
	level  uint8
	probes uint16 // reservations held in this open period (HalfOpenProbes > 1)
	passed uint16 // probes of this open period that succeeded
	// openedAt, reservedAt: as Status's.
	openedAt   int64
	reservedAt int64
	coolDown   int64  // this open period's backed-off cool-down; 0: the policy's
	closedAt   int64  // when probes closed the circuit, while a ramp may run
	version    uint64 // one more than the state it replaced
}

// memCircuit is one circuit of a Memory storage, shared by all its handles.
type memCircuit struct {
	state   atomic.Pointer[memState]
	mu      sync.Mutex   // serialises transitions
	handles atomic.Int32 // open handles; the circuit is forgotten at 0
	shift   uint32       // log2 of the bucket width in nanoseconds, fixed by the first binding
	seed    uint64       // of the circuit's name: the backoff's jitter differs by circuit
	// aux holds the counts of the policies that decide each call with
	// counts (see memAux); nil until a handle bound with SlowCall or
	// ModeAdaptive needs it, so a classic circuit pays nothing for them.
	aux atomic.Pointer[memAux]
	// dither accumulates the share of calls a ramp admits in 32.32 fixed
	// point: a call is admitted when the whole part grows, so the share is
	// met exactly and deterministically, with no random number.
	dither dither
	win    ring.Ring // the window; its padding keeps the counters off the fields above
}

// memAux is what a memory circuit counts for slow calls and adaptive mode.
// Its rings share the window's geometry, so their buckets expire with the
// window's.
type memAux struct {
	// flight counts the calls tracked in flight (AdmitTrack): as
	// successes in the bucket they started in, as failures in the bucket
	// they ended in.
	flight ring.Ring
	// calls counts, in adaptive mode, the calls asked for: as successes
	// those run, as failures those rejected.
	calls ring.Ring
	// ends counts, as successes, slow outcomes and, as failures, the calls
	// abandoned (Gate.Abandoned), in the bucket they ended in.
	ends ring.Ring
	// tracked is the millisecond of the last call tracked in flight: one
	// call per millisecond is, so tracking costs the other calls nothing.
	tracked atomic.Int64
	// cut is the bucket before which tracked calls have all passed
	// SlowCall, when they were last checked for hanging.
	cut atomic.Int64
	// pEpoch is the bucket in which p, adaptive mode's rejection probability
	// (float64 bits), was last computed.
	pEpoch atomic.Int64
	p      atomic.Uint64
	dither dither // of the calls adaptive mode rejects
}

// dither picks calls at a share (see dithered).
type dither struct{ acc atomic.Uint64 }

var freshState = &memState{}

func newMemCircuit(name string, p Policy, grow int) *memCircuit {
	c := &memCircuit{seed: nameSeed(name)}
	c.state.Store(freshState)
	shift, span := geometry(p.EvaluationWindow)
	c.shift = shift
	c.win.Init(span, grow)
	return c
}

// nameSeed is the FNV-1a hash of name: a jitter seed that is the same in
// every run, so a test on a fake clock sees the same cool-downs every time.
func nameSeed(name string) uint64 {
	h := uint64(14695981039346656037)
	for i := range len(name) {
		h = (h ^ uint64(name[i])) * 1099511628211
	}
	return h
}

// needAux makes the circuit's aux counts, once; the caller holds Memory.mu.
func (c *memCircuit) needAux(grow int) {
	if c.aux.Load() != nil {
		return
	}
	a := &memAux{}
	a.flight.Init(c.win.Span(), grow)
	a.calls.Init(c.win.Span(), grow)
	a.ends.Init(c.win.Span(), grow)
	c.aux.Store(a)
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

// status reads the classic part of the circuit's status at now (Unix
// nanoseconds); memHandle.status adds its policies' part.
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
		CoolDown:    time.Duration(s.coolDown),
		ClosedAt:    fromNanos(s.closedAt),
		Probes:      int(s.probes),
		Passed:      int(s.passed),
	}
}

// openLocked opens the circuit at now, for an open period of cool-down cool
// (0: the policy's) after level failed recoveries; the caller holds c.mu.
func (c *memCircuit) openLocked(now int64, level uint8, cool int64) {
	c.update(func(s *memState) {
		s.state, s.openedAt, s.reservedAt = StateOpen, now, 0
		s.level, s.coolDown, s.closedAt, s.probes, s.passed = level, cool, 0, 0, 0
	})
}

// closeLocked closes the circuit, clearing its reservation and window; the
// caller holds c.mu. rampFrom is the start of the ramp that follows (0: none),
// which keeps the backoff's level until the ramp is over.
func (c *memCircuit) closeLocked(rampFrom int64) {
	c.update(func(s *memState) {
		s.state, s.reservedAt, s.probes, s.passed, s.coolDown = StateClosed, 0, 0, 0, 0
		s.closedAt = rampFrom
		if rampFrom == 0 {
			s.level = 0
		}
	})
	c.clearWindow()
}

// clearWindow empties the window and the counts that go with it.
func (c *memCircuit) clearWindow() {
	c.win.Clear()
	if a := c.aux.Load(); a != nil {
		a.flight.Clear()
		a.calls.Clear()
		a.ends.Clear()
		a.pEpoch.Store(0)
		a.p.Store(0)
	}
}

// reset forgets state, window, reservation and lock.
func (c *memCircuit) reset() {
	c.mu.Lock()
	c.update(func(s *memState) { *s = memState{version: s.version} })
	c.clearWindow()
	c.mu.Unlock()
}
