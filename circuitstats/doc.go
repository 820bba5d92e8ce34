// Package circuitstats counts what a metrics exporter exports of breakergen's
// circuits: every call by outcome, counted on the hot path through
// callcount.Counter in striped counters that cores do not fight over;
// fallbacks; transitions (by the verdict they changed: the fleet's or this
// process's own), lock changes, probes and storage failures from events,
// those learnt from other processes of a fleet included; and, at collection
// time, the status of every circuit of the breakers it watches, whose Scope
// says whose verdict is in force.
// prombreaker and otelbreaker are built on it; so can an exporter of your own
// (statsd, expvar, a log line a minute).
//
// A Stats is both a runtime.Listener and a callcount.Counter: give it to
// runtime.WithListener (it asks for the few events it needs), Watch the
// breaker, and read a Snapshot when the metrics are collected.
//
// The circuits it keeps are bounded by the circuits the watched breakers hold:
// a snapshot forgets the counts of circuits that were dropped.
package circuitstats
