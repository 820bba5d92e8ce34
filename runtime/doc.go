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
//
// Configuration errors are errors: New returns one wrapping ErrInvalid for
// every invalid option, and MustNew panics with it, for start-up code with
// literal options. Listeners get only the event types they ask for, given to
// WithListener or returned by their Events method. Breaker.Shutdown stops what
// the Breaker owns (see there): the storage and listeners it was given that
// have a Shutdown method, and what was registered with OnShutdown. Status's
// String is the words every integration shows: "closed", "open", "half-open",
// "open, probe in flight", "open (locked open)", "closed (locked closed)".
//
// This package holds what a user of the breaker calls. Beside it, package
// async puts a listener that may block behind a bounded queue; package
// callcount is the per-call hook of metrics collectors; the types a Status or
// Options refer to that users rarely name (storage.Scope, storage.Mode) live
// in package storage with their values; and package breakerimpl is the
// plumbing of generated decorators, for generated code only.
package runtime
