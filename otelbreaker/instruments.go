package otelbreaker

import (
	"errors"

	"github.com/breakergen/breakergen/circuitstats"
	"github.com/breakergen/breakergen/runtime"
	"github.com/breakergen/breakergen/runtime/storage"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/metric"
)

// The attribute keys.
const (
	AttrCircuit      = attribute.Key("breakergen.circuit.name")
	AttrOutcome      = attribute.Key("breakergen.call.outcome")
	AttrTransitionTo = attribute.Key("breakergen.transition.to")
	AttrLock         = attribute.Key("breakergen.circuit.lock")
	// AttrScope is the verdict a transition changed: "fleet", the storage's
	// shared state, or "process", this process's own (runtime.Status.Scope).
	AttrScope = attribute.Key("breakergen.circuit.scope")
)

// instruments are the recorder's asynchronous instruments.
type instruments struct {
	calls, fallbacks, transitions, lockChanges, probes, storageFailures metric.Int64ObservableCounter
	open, local, samples, locked                                        metric.Int64ObservableGauge
	failureRate                                                         metric.Float64ObservableGauge
}

func newInstruments(m metric.Meter) (instruments, error) {
	var in instruments
	var errs [11]error
	in.calls, errs[0] = m.Int64ObservableCounter("breakergen.calls", metric.WithUnit("{call}"),
		metric.WithDescription("Calls through the circuit by outcome: success, failure, excluded, skipped; each call has one outcome."))
	in.fallbacks, errs[8] = m.Int64ObservableCounter("breakergen.fallbacks", metric.WithUnit("{call}"),
		metric.WithDescription("Skipped calls that a generated decorator's fallback answered (also counted as skipped in breakergen.calls)."))
	in.transitions, errs[1] = m.Int64ObservableCounter("breakergen.transitions", metric.WithUnit("{transition}"),
		metric.WithDescription("Transitions of the circuit: to opened, reopened or closed, by scope: fleet or process (this process's own verdict); learnt ones included."))
	in.lockChanges, errs[9] = m.Int64ObservableCounter("breakergen.lock_changes", metric.WithUnit("{change}"),
		metric.WithDescription("Operator lock changes of the circuit, by the lock set: open, closed or none (unlocked); learnt ones included."))
	in.probes, errs[2] = m.Int64ObservableCounter("breakergen.probes", metric.WithUnit("{probe}"),
		metric.WithDescription("Probes granted through a half-open circuit."))
	in.storageFailures, errs[3] = m.Int64ObservableCounter("breakergen.storage.failures", metric.WithUnit("{failure}"),
		metric.WithDescription("Storage failures the breaker survived by failing open."))
	in.open, errs[4] = m.Int64ObservableGauge("breakergen.circuit.open", metric.WithUnit("1"),
		metric.WithDescription("1 when the circuit is open or half-open, 0 when closed."))
	in.local, errs[10] = m.Int64ObservableGauge("breakergen.circuit.local", metric.WithUnit("1"),
		metric.WithDescription("1 when the verdict in force is this process's own (a local opening, or cut off from its storage), 0 when the fleet's."))
	in.failureRate, errs[5] = m.Float64ObservableGauge("breakergen.circuit.failure_rate", metric.WithUnit("1"),
		metric.WithDescription("Failures divided by samples within the circuit's evaluation window."))
	in.samples, errs[6] = m.Int64ObservableGauge("breakergen.circuit.samples", metric.WithUnit("{call}"),
		metric.WithDescription("Outcomes counted within the circuit's evaluation window."))
	in.locked, errs[7] = m.Int64ObservableGauge("breakergen.circuit.locked", metric.WithUnit("1"),
		metric.WithDescription("1 for the operator's lock in force on the circuit (open or closed), else 0."))
	return in, errors.Join(errs[:]...)
}

func (in *instruments) all() []metric.Observable {
	return []metric.Observable{
		in.calls, in.fallbacks, in.transitions, in.lockChanges, in.probes, in.storageFailures,
		in.open, in.local, in.failureRate, in.samples, in.locked,
	}
}

// observe reports one snapshot.
func (in *instruments) observe(o metric.Observer, snap circuitstats.Snapshot) {
	o.ObserveInt64(in.storageFailures, clamp(snap.StorageFailures))
	for _, ci := range snap.Circuits {
		name := AttrCircuit.String(ci.Name)
		if ci.Counted {
			in.observeCounts(o, name, ci)
		}
		if !ci.HasStatus {
			continue
		}
		st := ci.Status
		o.ObserveInt64(in.open, boolValue(!st.Closed()), metric.WithAttributes(name))
		o.ObserveInt64(in.local, boolValue(st.Scope == storage.ScopeProcess), metric.WithAttributes(name))
		o.ObserveFloat64(in.failureRate, st.FailureRate, metric.WithAttributes(name))
		o.ObserveInt64(in.samples, int64(st.SampleSize), metric.WithAttributes(name))
		o.ObserveInt64(in.locked, boolValue(st.Lock == runtime.LockOpen), metric.WithAttributes(name, AttrLock.String("open")))
		o.ObserveInt64(in.locked, boolValue(st.Lock == runtime.LockClosed), metric.WithAttributes(name, AttrLock.String("closed")))
	}
}

// observeCounts reports the counts of one circuit.
func (in *instruments) observeCounts(o metric.Observer, name attribute.KeyValue, ci circuitstats.Circuit) {
	for i, oc := range circuitstats.Outcomes {
		o.ObserveInt64(in.calls, clamp(ci.Calls[i]), metric.WithAttributes(name, AttrOutcome.String(oc.String())))
	}
	o.ObserveInt64(in.fallbacks, clamp(ci.Fallbacks), metric.WithAttributes(name))
	for i, t := range circuitstats.Transitions {
		for j, sc := range circuitstats.Scopes {
			o.ObserveInt64(in.transitions, clamp(ci.Transitions[i][j]),
				metric.WithAttributes(name, AttrTransitionTo.String(t.String()), AttrScope.String(sc.String())))
		}
	}
	for i, l := range circuitstats.Locks {
		o.ObserveInt64(in.lockChanges, clamp(ci.LockChanges[i]), metric.WithAttributes(name, AttrLock.String(l.String())))
	}
	o.ObserveInt64(in.probes, clamp(ci.Probes), metric.WithAttributes(name))
}

// clamp converts a count to int64; no reachable count exceeds it.
func clamp(n uint64) int64 { return int64(min(n, 1<<63-1)) }

func boolValue(b bool) int64 {
	if b {
		return 1
	}
	return 0
}
