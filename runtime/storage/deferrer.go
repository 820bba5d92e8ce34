package storage

// Deferrer is an optional interface of a Handle whose outcomes reach its
// backend later: a Redis store in fleet mode counts them in the process and
// flushes them in batches. Defer counts o that way, for the window only: it
// decides nothing (a probe's outcome counts as a plain one) and never waits
// for the backend.
//
// FaultTolerant (and FallbackChain) defer the outcome of a Record their guard
// refuses (its breaker open, or the call's storage budget spent) to a backend
// handle that implements Deferrer: the fault-tolerant fallback then
// decides, and a window that a fleet shares still counts every call that ran,
// exactly once. Implementations are safe for concurrent use.
type Deferrer interface {
	Defer(o Outcome)
}
