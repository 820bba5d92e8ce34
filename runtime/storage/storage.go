// Package storage defines where circuit state lives and provides the in-process
// backends and proxies: Memory, Null, FaultTolerant, CircuitProxy and FallbackChain.
//
// A Storage is addressed by circuit name. Every per-circuit operation receives the
// circuit's Policy and the caller's clock reading (now); a backend with a clock of its
// own, such as Redis, ignores now and reports its own instant in Status.CurrentTime.
// Every state change a Storage makes is atomic: no reader ever sees half of a
// transition.
package storage

import (
	"context"
	"errors"
	"time"
)

// State is the stored state of a circuit. Half-open is not stored: it is an open
// circuit whose cool-down has elapsed.
type State uint8

const (
	// StateClosed lets calls run.
	StateClosed State = iota
	// StateOpen skips calls until the cool-down has elapsed.
	StateOpen
)

// String returns "closed" or "open".
func (s State) String() string {
	switch s {
	case StateClosed:
		return "closed"
	case StateOpen:
		return "open"
	}
	return "invalid"
}

// Lock is an operator's override of a circuit's state.
type Lock uint8

const (
	// LockNone leaves the circuit to its own decisions.
	LockNone Lock = iota
	// LockOpen skips every call.
	LockOpen
	// LockClosed runs every call, above every other rule, without reserving a probe.
	LockClosed
)

// String returns "none", "open" or "closed".
func (l Lock) String() string {
	switch l {
	case LockNone:
		return "none"
	case LockOpen:
		return "open"
	case LockClosed:
		return "closed"
	}
	return "invalid"
}

// Policy is what a storage needs to know of a circuit's options to decide.
type Policy struct {
	// CoolDown is how long an open circuit skips calls; it is also the lifetime
	// of a probe reservation and of stored keys of an open circuit.
	CoolDown time.Duration
	// EvaluationWindow is the span of time over which outcomes are counted.
	EvaluationWindow time.Duration
	// RateThreshold is the failure rate, in (0, 1], at which a closed circuit opens.
	RateThreshold float64
	// SampleThreshold is the number of outcomes within the window needed before
	// the circuit may open.
	SampleThreshold int
}

// FailsThreshold reports whether failures out of samples should open a circuit.
func (p Policy) FailsThreshold(failures, samples int) bool {
	if samples == 0 || samples < p.SampleThreshold {
		return false
	}
	return float64(failures)/float64(samples) >= p.RateThreshold
}

// Status is the stored state of one circuit at one instant.
type Status struct {
	State      State
	Lock       Lock
	OpenedAt   time.Time // zero when never opened
	ReservedAt time.Time // zero when no probe is reserved
	Failures   int       // failures within the evaluation window
	Samples    int       // outcomes within the evaluation window
	// CurrentTime is the instant the status was read, by the storage's clock.
	CurrentTime time.Time
	// Stub is set when the backend failed and this status is a fail-open stand-in.
	Stub bool
}

// Outcome is one finished call.
type Outcome struct {
	// Success is false for a failure.
	Success bool
	// Probe is set when this outcome may move an open circuit: the caller ran the
	// reserved probe, or ran under a closed lock while the circuit was open. A
	// probe's success closes the circuit; its failure reopens it.
	Probe bool
	// OpenedAt is the OpenedAt the probe saw when it was allowed. A failing probe
	// reopens the circuit only while it is still current, so a late probe cannot
	// reopen a circuit that someone else has closed and reopened since.
	OpenedAt time.Time
}

// Transition is what a Record did to the circuit's state.
type Transition uint8

const (
	// TransitionNone means the state did not change.
	TransitionNone Transition = iota
	// TransitionOpened means a closed circuit opened.
	TransitionOpened
	// TransitionReopened means an open circuit got a new OpenedAt after a failed probe.
	TransitionReopened
	// TransitionClosed means an open circuit closed.
	TransitionClosed
)

// String returns the transition's name.
func (t Transition) String() string {
	switch t {
	case TransitionNone:
		return "none"
	case TransitionOpened:
		return "opened"
	case TransitionReopened:
		return "reopened"
	case TransitionClosed:
		return "closed"
	}
	return "invalid"
}

// Result is the effect of a Record: the transition it caused and the status after it.
type Result struct {
	Transition Transition
	Status     Status
}

// Bucket is one slice of a circuit's evaluation window.
type Bucket struct {
	Start     time.Time
	Successes int
	Failures  int
}

// Storage keeps the state of circuits. Implementations are safe for concurrent use.
//
// Every per-circuit method takes the circuit's name, its Policy and the caller's
// clock reading now. Methods that change state report whether they did.
type Storage interface {
	// Status reads the circuit's status. A circuit never seen is closed, unlocked,
	// with an empty window.
	Status(ctx context.Context, name string, p Policy, now time.Time) (Status, error)
	// Record counts one outcome in the window and applies, atomically with it, the
	// transition it causes: a failure that fails the threshold opens a closed
	// circuit; a probe's success closes an open circuit and its failure reopens it
	// (only while o.OpenedAt is current).
	Record(ctx context.Context, name string, p Policy, now time.Time, o Outcome) (Result, error)
	// Open opens a closed circuit, with OpenedAt set to now.
	Open(ctx context.Context, name string, p Policy, now time.Time) (bool, error)
	// Reopen gives an open circuit a new OpenedAt if its current one equals
	// previous. The reservation is kept.
	Reopen(ctx context.Context, name string, p Policy, now, previous time.Time) (bool, error)
	// Close closes an open circuit, clearing its reservation and its window.
	Close(ctx context.Context, name string, p Policy, now time.Time) (bool, error)
	// Reserve sets ReservedAt to now if the circuit is open and its ReservedAt
	// equals previous (zero for none): a compare-and-set that exactly one caller
	// wins. It returns the reservation time it stored.
	Reserve(ctx context.Context, name string, p Policy, now, previous time.Time) (reservedAt time.Time, ok bool, err error)
	// Release clears the reservation if ReservedAt equals reservedAt.
	Release(ctx context.Context, name string, p Policy, reservedAt time.Time) (bool, error)
	// Lock sets the circuit's lock.
	Lock(ctx context.Context, name string, l Lock) error
	// Unlock clears the circuit's lock.
	Unlock(ctx context.Context, name string) error
	// Reset forgets everything of the circuit: state, window, reservation and lock.
	Reset(ctx context.Context, name string) error
	// History returns the window's buckets, oldest first.
	History(ctx context.Context, name string, p Policy, now time.Time) ([]Bucket, error)
	// List returns the names of the circuits the storage holds, sorted.
	List(ctx context.Context) ([]string, error)
	// Clear forgets every circuit.
	Clear(ctx context.Context) error
	// FaultTolerant reports whether the storage never fails; the runtime wraps a
	// storage that may fail so that its failures fail open.
	FaultTolerant() bool
}

// Binder is implemented by storages that can give the runtime a fast path bound to
// one circuit, so that the common call touches no map and takes no lock.
type Binder interface {
	Bind(name string, p Policy) FastPath
}

// FastPath is a storage's shortcut for the common call on one circuit. It is safe
// for concurrent use and never blocks or allocates.
type FastPath interface {
	// ClosedUnlocked reports that the circuit is stored closed and unlocked, so a
	// call may run without reading the full status.
	ClosedUnlocked() bool
	// Succeeded counts one success, which causes no transition, at now given in
	// Unix nanoseconds (an integer, so the hot path builds no time.Time).
	Succeeded(now int64)
}

// Failure describes a backend error that a fault-tolerant storage tolerated.
type Failure struct {
	Op      string // the Storage method, e.g. "Status"
	Circuit string // empty for List and Clear
	Err     error
}

// FailureNotifier is implemented by storages that tolerate backend errors and
// report them. The runtime registers itself so it can emit EventStorageFailure.
type FailureNotifier interface {
	NotifyFailures(fn func(Failure))
}

// ErrStorageOpen is returned by CircuitProxy while its own circuit is open: the
// backend failed recently and is given time before it is called again.
var ErrStorageOpen = errors.New("breakergen: storage circuit open")

// ErrCorrupt is wrapped by errors about stored data that cannot be understood.
var ErrCorrupt = errors.New("breakergen: corrupt circuit data")
