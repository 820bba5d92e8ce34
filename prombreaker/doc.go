// Package prombreaker exports breakergen's circuits as Prometheus metrics.
//
// A Collector is both a runtime.Listener and a prometheus.Collector. Give it
// to the breaker with the events it needs, let it watch the breaker so that it
// reads the circuits' status when scraped, and register it:
//
//	col := prombreaker.MustNewCollector()
//	b := runtime.MustNew(runtime.WithListener(col)) // asks for col.Events() only
//	col.Watch(b)
//	prometheus.MustRegister(col)
//
// It is a module of its own, so that a runtime user who does not export to
// Prometheus does not carry its client: go get
// github.com/breakergen/breakergen/prombreaker.
//
// Calls are counted through callcount.Counter on the call's own goroutine,
// without an event or a status read: with the collector attached, a closed
// circuit's successful call stays on the breaker's hot path and allocates
// nothing. Transitions, lock changes, probes and storage failures are counted
// from events, those a process learnt from the others of its fleet
// (runtime.Event.Remote) like its own: every process counts each transition
// once, so one instance's metrics show the whole incident. The gauges (open,
// local, failure rate, samples, locks) are read from the watched breakers'
// circuits at scrape time, one status read per circuit.
//
// # Metrics
//
//	breakergen_calls_total{circuit,outcome}         counter: calls by outcome, see below
//	breakergen_fallbacks_total{circuit}             counter: skipped calls a fallback answered
//	breakergen_transitions_total{circuit,to,scope}  counter: to="opened", "reopened" or "closed"; scope below
//	breakergen_lock_changes_total{circuit,lock}     counter: operator lock changes by the lock set: "open", "closed", "none" (unlocked)
//	breakergen_probes_total{circuit}                counter: half-open probes granted
//	breakergen_circuit_open{circuit}                gauge: 1 open (half-open too), 0 closed
//	breakergen_circuit_local{circuit}               gauge: 1 when this process's own verdict is in force, 0 the fleet's
//	breakergen_failure_rate{circuit}                gauge: failures / samples in the window, 0 to 1
//	breakergen_window_samples{circuit}              gauge: outcomes in the window
//	breakergen_circuit_locked{circuit,lock}         gauge: 1 for the operator's lock ("open" or "closed") in force
//	breakergen_storage_failures_total               counter: storage failures the breaker survived
//
// The scope of a transition is the verdict it changed (runtime.Status.Scope):
// "fleet", the storage's shared state (the only one with in-memory storage),
// or "process", this process's own: a local opening of a fleet circuit, whose
// own calls failed while the fleet's did not, or a process cut off from Redis
// deciding alone. rate(breakergen_transitions_total{to="opened",scope="process"}[5m])
// finds the instances with a problem of their own; breakergen_circuit_local
// says which circuits one decides alone right now.
//
// The outcomes of breakergen_calls_total are success, failure, excluded (an
// excluded error or the caller's own cancellation: nothing recorded) and
// skipped (refused by an open, reserved or locked-open circuit). They
// partition the calls: sum by (circuit) counts each call once. A skipped call
// that a generated decorator's fallback answered is counted in
// breakergen_fallbacks_total as well.
//
// # Options
//
// NewCollector reports an invalid option as an error wrapping
// runtime.ErrInvalid; MustNewCollector panics with it, for start-up code with
// literal options. Options: WithNamespace, WithConstLabels,
// WithStatusTimeout.
//
// # Cardinality
//
// Every metric but the storage failures has one series per circuit (per
// circuit and outcome, transition and scope, or lock): 21 per circuit, so
// the number of series follows
// the number of circuits the watched breakers hold. Keyed circuits (one per
// host or tenant) multiply it: bound their keys (the generator's maxkeys) or
// drop idle ones (runtime.Breaker.Drop), which the collector forgets at its
// next scrape. A collector that watches no breaker exports no gauges and
// forgets nothing.
package prombreaker
