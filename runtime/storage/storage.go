// Package storage defines where circuit state lives, and provides the in-process
// backends and the wrappers that make a shared backend safe to depend on: Memory,
// Null, FaultTolerant and FallbackChain.
//
// # The seam
//
// A Storage hands the runtime one Handle per circuit. The runtime binds each
// circuit once, when the circuit is created, with the circuit's Policy; the
// handle keeps the circuit's name, keys and window geometry, so no call repeats
// them. A Handle's decision path is six methods — Status, Record, Reserve,
// Release, Lock and Reset — each taking the caller's context first and the
// caller's clock reading (now); a backend with a clock of its own, such as
// Redis, ignores now and reports its own instant in Status.CurrentTime. That is
// all a backend must implement to run a breaker; storagetest.RunDecision tells a
// backend whether it implements it correctly.
//
// Everything else is an optional interface, found with a type assertion as
// io.WriterTo is found on an io.Writer:
//
//   - Operator (on a Handle): Faulty's operator set, Open, Reopen, Close and
//     History, for tools and tests that steer a circuit directly.
//   - Admin (on a Storage): List and Clear over every circuit.
//   - HotPath (on a Handle): decides the common call from memory, without a
//     round trip, a lock or an allocation. The runtime uses it when present.
//   - Tolerant (on a Storage): reports that the storage never fails, so the
//     runtime need not wrap it.
//
// What a handle tells the runtime outside the calls it answers (the failures
// a wrapper absorbed or a background flush met, the transitions it made or
// learnt off any call) goes to the Notifier in Policy.Notify, which the
// runtime gives at binding: a wrapper passes the policy on to its backend's
// Bind, so nothing it forgets to re-expose is lost.
//
// Every backend and wrapper of this package, and redisstore, implements
// Operator and Admin.
//
// # Atomicity
//
// Every state change a handle makes is atomic: no reader ever sees half of a
// transition, and the window, the state and the reservation change together.
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

// Valid reports whether l is one of LockNone, LockOpen and LockClosed.
func (l Lock) Valid() bool { return l <= LockClosed }

// Scope says whose verdict a Status describes: the state shared by every
// process of the storage, or this process's own.
type Scope uint8

const (
	// ScopeFleet is the state the storage holds: for a storage shared by a
	// fleet (Redis), every process sees it; for in-memory storage, the only
	// state there is.
	ScopeFleet Scope = iota
	// ScopeProcess is this process's own verdict, which holds for its calls
	// only: a local opening (its own outcomes failed the circuit's thresholds
	// while the fleet's circuit is closed), or what it decides alone while it
	// is cut off from a shared storage, or a fault-tolerant wrapper's
	// in-process fallback.
	ScopeProcess
)

// String returns "fleet" or "process".
func (s Scope) String() string {
	switch s {
	case ScopeFleet:
		return "fleet"
	case ScopeProcess:
		return "process"
	}
	return "invalid"
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
	// Scope says whose verdict the status is: ScopeFleet (the zero value) for
	// the storage's shared state, ScopeProcess for this process's own. The
	// state, times and counts are those of the verdict that holds.
	Scope Scope

	// The fields below belong to the policies beyond the classic ones (see
	// Policy); a backend leaves those of the policies it does not apply zero.

	// CoolDown is the cool-down of the current open period when backoff
	// (Policy.CoolDownMax) made it longer than Policy.CoolDown; 0 means
	// Policy.CoolDown. A ramp that fails keeps it for the next period.
	CoolDown time.Duration
	// ClosedAt is when probes closed the circuit, while its ramp
	// (Policy.Ramp) may still run; zero otherwise. The ramp is over at
	// ClosedAt + Ramp, whether or not the backend has cleared it yet.
	ClosedAt time.Time
	// Probes is, with Policy.HalfOpenProbes above 1, how many probes of the
	// current open period hold a reservation; Passed how many have succeeded.
	// ReservedAt is then the latest reservation, and every reservation of the
	// period ends with it.
	Probes int
	Passed int
	// Slow is the number of slow outcomes (Outcome.Slow) within the window,
	// also counted in Samples; Hung the calls in flight past Policy.SlowCall,
	// which count as slow outcomes that are not in Samples. Memory storage
	// counts as hung only what it can prove is: a lower bound, never above.
	Slow int
	Hung int
	// Requests is, in ModeAdaptive, the number of calls asked for within the
	// window, run or rejected; Rejected is how many of them were rejected.
	Requests int
	Rejected int
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
	// Slow is set when the call took Policy.SlowCall or longer. It is counted
	// in Status.Slow as well as a success or a failure, and it may open a
	// closed circuit (Policy.SlowFails); a slow probe fails, as a failure does:
	// a dependency that still answers slowly has not recovered.
	Slow bool
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
	// TransitionLocked means an operator locked the circuit open or closed
	// (Status.Lock says which). Record never returns it: only
	// Policy.Notify's Transitioned tells of it, for a lock another process set.
	TransitionLocked
	// TransitionUnlocked means an operator removed the circuit's lock; as
	// TransitionLocked, only Policy.Notify's Transitioned tells of it.
	TransitionUnlocked
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
	case TransitionLocked:
		return "locked"
	case TransitionUnlocked:
		return "unlocked"
	}
	return "invalid"
}

// Result is the effect of a Record: the transition it caused and the status after it.
type Result struct {
	Transition Transition
	Status     Status
	// Remote is set on a result Policy.Notify's Transitioned is told of for a change that
	// another process made and this one learnt (by an announcement or a
	// read): the runtime emits its event with Event.Remote set. Record's
	// results are this process's own and never have it.
	Remote bool
}

// Bucket is one slice of a circuit's evaluation window.
type Bucket struct {
	Start     time.Time
	Successes int
	Failures  int
}

// Storage keeps the state of circuits and hands out one Handle per circuit.
// Implementations are safe for concurrent use.
type Storage interface {
	// Bind returns the handle of the circuit name, bound with the circuit's
	// policy. It validates p (Policy.Validate) and must not block on a network:
	// a backend that needs a connection makes it on the handle's first call.
	//
	// Binding one name several times returns handles of one circuit: they share
	// its state, lock, reservation and window. The first binding fixes the
	// window's geometry (how EvaluationWindow is cut into buckets); a later
	// binding with another EvaluationWindow counts in, and reads, that window,
	// while its own CoolDown, RateThreshold and SampleThreshold govern its own
	// decisions. Each backend documents the details.
	Bind(name string, p Policy) (Handle, error)
}

// Handle is one circuit of a Storage, bound with its policy: the decision path
// of a breaker. Every method takes the caller's context and clock reading; a
// backend with a clock of its own ignores now. Implementations are safe for
// concurrent use.
type Handle interface {
	// Status reads the circuit's status. A circuit never written is closed,
	// unlocked, with an empty window.
	Status(ctx context.Context, now time.Time) (Status, error)
	// Record counts one outcome in the window and applies, atomically with it,
	// the transition it causes: a failure that fails the threshold opens a
	// closed circuit; a probe's success closes an open circuit (clearing its
	// reservation and starting a fresh window) and its failure reopens it (only
	// while o.OpenedAt is current, keeping the reservation).
	Record(ctx context.Context, now time.Time, o Outcome) (Result, error)
	// Reserve sets ReservedAt to now if the circuit is open, its OpenedAt equals
	// openedAt and its ReservedAt equals reservedAt (zero for none): a
	// compare-and-set on both, so that exactly one of the callers that saw the
	// same status wins, and a caller holding a status of an earlier open period
	// never wins the reservation of a later one. It returns the reservation time
	// it stored.
	Reserve(ctx context.Context, now, openedAt, reservedAt time.Time) (at time.Time, ok bool, err error)
	// Release clears the reservation if ReservedAt equals reservedAt.
	Release(ctx context.Context, now, reservedAt time.Time) (bool, error)
	// Lock sets the circuit's lock; LockNone removes it.
	Lock(ctx context.Context, now time.Time, l Lock) error
	// Reset forgets everything of the circuit: state, window, reservation and lock.
	Reset(ctx context.Context, now time.Time) error
}

// Operator is implemented by handles that offer Faulty's operator set, for
// tools and tests that steer a circuit directly. Every handle of this module
// implements it; the runtime never needs it.
type Operator interface {
	// Open opens a closed circuit, with OpenedAt set to now.
	Open(ctx context.Context, now time.Time) (bool, error)
	// Reopen gives an open circuit a new OpenedAt, now, if its current one
	// equals previous. The reservation is kept.
	Reopen(ctx context.Context, now, previous time.Time) (bool, error)
	// Close closes an open circuit, clearing its reservation and its window.
	Close(ctx context.Context, now time.Time) (bool, error)
	// History returns the window's live buckets, oldest first.
	History(ctx context.Context, now time.Time) ([]Bucket, error)
}

// Admin is implemented by storages that can enumerate and forget every circuit
// they hold. Every storage of this module implements it.
type Admin interface {
	// List returns the names of the circuits the storage holds, sorted.
	List(ctx context.Context) ([]string, error)
	// Clear forgets every circuit.
	Clear(ctx context.Context) error
}

// Tolerant is implemented by storages that know whether they can fail. The
// runtime wraps a storage that does not implement it, or reports false, in
// FaultTolerant(s), so that its failures fail open.
type Tolerant interface {
	FaultTolerant() bool
}

// Failure describes a backend error that a fault-tolerant storage tolerated.
type Failure struct {
	Op      string // the Handle method, e.g. "Status"
	Circuit string
	Err     error
}

// IsTolerant reports whether s says it never fails.
func IsTolerant(s Storage) bool {
	t, ok := s.(Tolerant)
	return ok && t.FaultTolerant()
}

// Viewer is implemented by handles that keep a view of their circuit's
// status in the process (a Redis fleet store), so that reading the status of
// every circuit for a scrape or a status page costs the backend nothing. The
// view may lag the backend (another process's counts by a bucket of the
// window, its transitions by an announcement); decisions use the decision
// path. Every wrapper of this package passes it on.
type Viewer interface {
	// View returns the status known here at now, without blocking, or false
	// when the handle knows none yet.
	View(now time.Time) (Status, bool)
}

// ErrStorageOpen is the error of a call FaultTolerant's guard (or a
// FallbackChain member's) kept from the backend while it is open: the
// backend failed recently and is given time before it is called again.
var ErrStorageOpen = errors.New("breakergen: storage circuit open")

// ErrCorrupt is wrapped by errors about stored data that cannot be understood.
var ErrCorrupt = errors.New("breakergen: corrupt circuit data")

// ErrStateLost is wrapped by the storage failure a shared backend reports when
// it found that the backend had lost a circuit's state that this process knew
// (an opening, an operator's lock): a failover to a replica that had not
// received it, a restart without persistence, an eviction, FLUSHALL. The
// backend restores what it knew where nothing newer stands in its place.
var ErrStateLost = errors.New("breakergen: shared state lost; restored from what this process knew")

// ErrDetached is wrapped by the errors of a backend that knows it is cut off
// from the state it shares with other processes and answered at once, without
// a network call: a Redis fleet store past its staleness bound refuses an
// operator's lock that way. FaultTolerant's guard counts such an error as an answer,
// since nothing was waited for; a fault-tolerant wrapper still keeps the
// change and sends it again.
var ErrDetached = errors.New("breakergen: storage cut off from its shared state")

// ErrInvalid is wrapped by the errors constructors and Bind return for
// configuration that cannot work: a nil storage, an out-of-range option or
// policy, an empty FallbackChain.
var ErrInvalid = errors.New("breakergen: invalid configuration")

// Unbinder is implemented by handles that hold resources a storage can free
// once nobody uses the circuit: the runtime calls Unbind when it drops a circuit
// (Breaker.Drop), and uses the handle no more. Unbind must be safe to call more
// than once.
type Unbinder interface {
	Unbind()
}

// Notifier is told what a handle learns of its circuit outside the calls it
// answers; the runtime gives one at binding, in Policy.Notify. A handle calls
// it from any goroutine. A wrapper passes it on to its backend's Bind with the
// rest of the policy, adding what it must (FaultTolerant adds its OnFailure
// functions), so that a backend's notifications reach the runtime however
// many wrappers stand between them. An interface rather than functions: the
// runtime's circuit is its own notifier, at no allocation per circuit.
type Notifier interface {
	// Failed is told of each backend failure a handle tolerated, or met off
	// any call: a FaultTolerant wrapper's fallbacks, a Redis fleet store's
	// background flushes and refreshes. The runtime emits
	// EventStorageFailure.
	Failed(Failure)
	// Transitioned is told of each transition a handle made off any call, or
	// learnt: a Redis fleet store's background flush merges the outcomes of
	// many calls and may open the circuit, and its announcements and
	// refreshes tell it of the openings, closings and locks of other
	// processes. The runtime emits the transition's event, exactly once in
	// every process: in the one that made it, and, with Result.Remote set, in
	// each that learnt it.
	Transitioned(Result)
}

// NotifyFuncs is a Notifier of two functions, either of which may be nil: for
// tests, tools and wrappers that want one kind of notification.
type NotifyFuncs struct {
	Failure    func(Failure)
	Transition func(Result)
}

// Failed calls Failure, if set.
func (n NotifyFuncs) Failed(f Failure) {
	if n.Failure != nil {
		n.Failure(f)
	}
}

// Transitioned calls Transition, if set.
func (n NotifyFuncs) Transitioned(r Result) {
	if n.Transition != nil {
		n.Transition(r)
	}
}
