// Package circuitstats counts what the metrics packages (prombreaker,
// otelbreaker) export: every call of every circuit by outcome, counted on the
// hot path through runtime.CallCounter in striped counters that cores do not
// fight over; transitions, probes and storage failures from events; and, at
// collection time, the status of every circuit of the breakers it watches.
//
// The circuits it keeps are bounded by the circuits the watched breakers hold:
// a snapshot forgets the counts of circuits that were dropped.
package circuitstats
