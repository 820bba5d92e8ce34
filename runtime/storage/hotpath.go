package storage

// HotPath is an optional interface of a Handle that can decide the common call
// from what it holds in memory: no round trip, no lock, no allocation. The
// runtime finds it with a type assertion when it binds a circuit and calls it
// before, and instead of, the decision path whenever it can; a handle without
// it is simply asked through the decision path every time.
//
// Times are Unix nanoseconds of the caller's clock, an integer, so the hot path
// builds no time.Time. A handle with a clock of its own ignores them.
//
// Implementations are safe for concurrent use and never block.
type HotPath interface {
	// Admit decides a call at now. AdmitRun: the circuit is closed and unlocked,
	// the call may run, and its outcome may be given to Succeeded or Failed.
	// AdmitSkip: the circuit is open and cooling down, reserved by another
	// caller's probe, or locked open; the call must not run. AdmitAsk: anything
	// else (half-open, locked closed, nothing known): ask the decision path.
	Admit(now int64) Admission
	// Succeeded counts one success of a call that Admit let run. A success of
	// such a call never causes a transition.
	Succeeded(now int64)
	// Failed counts one failure of a call that Admit let run, and reports true,
	// when counting it cannot fail the threshold. Otherwise it counts nothing
	// and reports false, and the caller records the failure through
	// Handle.Record, which applies the transition atomically.
	Failed(now int64) bool
}

// Verdict is Admit's decision.
type Verdict uint8

const (
	// AdmitAsk means the hot path cannot decide: use the decision path.
	AdmitAsk Verdict = iota
	// AdmitRun means the call may run.
	AdmitRun
	// AdmitSkip means the call must not run.
	AdmitSkip
)

// Admission is the hot path's answer to one call.
type Admission struct {
	Verdict Verdict
	// Version changes whenever the state behind a skip changes (an opening, a
	// reopening, a reservation, a lock). The runtime reuses the error it built
	// for a skip while the version stays the same, so that refusing a call
	// allocates nothing.
	Version uint64
}
