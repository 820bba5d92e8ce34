// Package runtime is breakergen's circuit breaker: the code that generated
// decorators call, usable by hand as well.
//
// A Breaker holds the shared configuration (storage, clock, listeners, default and
// operator options) and a registry of named circuits. A Circuit protects one
// dependency: Allow decides whether a call may run, the returned Attempt records
// its outcome with Done. Run and Do wrap both steps around a function.
//
// A circuit is closed until, within its evaluation window, at least
// SampleThreshold outcomes were counted and the failure rate reached
// RateThreshold. It then opens: calls are skipped with an *OpenCircuitError
// (errors.Is(err, ErrOpen)) for CoolDown. After that the circuit is half-open and
// exactly one caller, in the whole fleet when the storage is shared, reserves the
// probe: its success closes the circuit, its failure reopens it. A probe that never
// reports back is forgotten after CoolDown.
package runtime
