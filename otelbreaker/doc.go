// Package otelbreaker exports breakergen's circuits as OpenTelemetry metric
// instruments: the measurements of package prombreaker, named by OpenTelemetry's
// conventions.
//
// A Recorder is a runtime.Listener. Give it to the breaker with the events it
// needs and let it watch the breaker, so that it reads the circuits' status
// when the metrics are collected:
//
//	rec, err := otelbreaker.NewRecorder(otelbreaker.WithMeterProvider(provider))
//	if err != nil { ... }
//	b := runtime.MustNew(runtime.WithListener(rec)) // asks for rec.Events() only
//	rec.Watch(b)
//	defer b.Shutdown(ctx) // shuts the recorder down too: the breaker owns it
//
// It is a module of its own, so that a runtime user who does not export to
// OpenTelemetry does not carry its SDK: go get
// github.com/breakergen/breakergen/otelbreaker.
//
// Every instrument is asynchronous: calls are counted on the hot path in
// striped atomic counters (through callcount.Counter, with no attribute set
// built and nothing allocated per call) and observed, with the gauges read
// from the watched breakers' circuits, when a reader collects.
//
// # Instruments
//
// The meter is named "github.com/breakergen/breakergen/otelbreaker". Every
// instrument but breakergen.storage.failures has the attribute
// breakergen.circuit.name.
//
//	breakergen.calls                 counter {call}: calls by breakergen.call.outcome (below)
//	breakergen.fallbacks             counter {call}: skipped calls a fallback answered
//	breakergen.transitions           counter {transition}: by breakergen.transition.to: opened, reopened, closed,
//	                                 and breakergen.circuit.scope: fleet, process
//	breakergen.lock_changes          counter {change}: operator lock changes, by breakergen.circuit.lock: open, closed, none (unlocked)
//	breakergen.probes                counter {probe}: half-open probes granted
//	breakergen.circuit.open          gauge 1: 1 open (half-open too), 0 closed
//	breakergen.circuit.local         gauge 1: 1 when this process's own verdict is in force, 0 the fleet's
//	breakergen.circuit.failure_rate  gauge 1: failures / samples in the window, 0 to 1
//	breakergen.circuit.samples       gauge {call}: outcomes in the window
//	breakergen.circuit.locked        gauge 1: 1 for the operator's lock in force, by breakergen.circuit.lock: open, closed
//	breakergen.storage.failures      counter {failure}: storage failures the breaker survived
//
// The scope of a transition is the verdict it changed (runtime.Status.Scope):
// fleet, the storage's shared state (the only one with in-memory storage), or
// process, this process's own (a local opening of a fleet circuit, or a
// process cut off from Redis deciding alone). Transitions and lock changes a
// process learnt from the others of its fleet (runtime.Event.Remote) are
// counted like its own: every process counts each once.
//
// The outcomes are success, failure, excluded (an excluded error or the
// caller's own cancellation: nothing recorded) and skipped (refused); they
// partition the calls, so a sum counts each call once. A skipped call that a
// generated decorator's fallback answered is counted in breakergen.fallbacks
// as well. As with prombreaker, the series follow the number of circuits the
// watched breakers hold: bound keyed circuits.
package otelbreaker
