package storage

// HotPath is an optional interface of a Handle that can decide the common call
// from what it holds in memory: no round trip, no lock, no allocation. The
// runtime finds it with a type assertion when it binds a circuit and calls it
// before, and instead of, the decision path whenever it can; a handle without
// it is simply asked through the decision path every time.
//
// Times are Unix nanoseconds of the caller's clock, an integer, so the hot path
// builds no time.Time; Admit takes none, so a closed circuit's call reads no
// clock at all. A handle with a clock of its own converts its instants to the
// caller's timeline.
//
// Implementations are safe for concurrent use and never block.
type HotPath interface {
	// Admit decides a call from what the handle holds. AdmitRun: the circuit is
	// closed and unlocked, the call may run, and its outcome may be given to
	// Succeeded or Failed. AdmitSkip: the circuit is open and cooling down,
	// reserved by another caller's probe, or locked open, until
	// Admission.Until; a call before then must not run, and a later one asks the
	// decision path. AdmitAsk: anything else (half-open, locked closed, nothing
	// known): ask the decision path.
	Admit() Admission
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
	// AdmitSkip means a call before Admission.Until must not run.
	AdmitSkip
	// AdmitReject means this one call must not run: a ramp (Policy.Ramp) or
	// adaptive mode refused it. The next call is decided afresh. Only
	// Gate.AdmitAt returns it.
	AdmitReject
	// AdmitTrack means the call may run, and the handle keeps track of it
	// while it is in flight (Policy.SlowCall): the caller gives its end,
	// whatever its outcome, to Gate.Ended. Only Gate.AdmitAt returns it.
	AdmitTrack
	// AdmitOpened means Gate.AdmitAt opened the circuit before it decided
	// the call (calls hung past SlowCall): the caller emits the opening's
	// event and asks the decision path about the call, which the open
	// circuit refuses.
	AdmitOpened
)

// Verdicts are few and Admission has three fields, no more: a fourth made
// the hot path's Admit return through memory and cost a closed circuit's
// call and a refused one about 8 ns more (measured), so a verdict carries
// what a flag would.

// Admission is the hot path's answer to one call.
type Admission struct {
	Verdict Verdict
	// Until is, for AdmitSkip, the instant (Unix nanoseconds of the caller's
	// clock) at which the skip ends: the end of the cool-down or of another
	// caller's reservation, or math.MaxInt64 while locked open. A handle with a
	// clock of its own decides the end with its clock, on every Admit, and sets
	// math.MaxInt64.
	Until int64
	// Version changes whenever the state behind a skip or a rejection changes
	// (an opening, a reopening, a reservation, a lock, a close). The runtime
	// reuses the error it built for a skip while the version stays the same,
	// so that refusing a call allocates nothing.
	Version uint64
}
