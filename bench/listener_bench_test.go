package bench

import "testing"

// BenchmarkTransitionListener times the call of BenchmarkSuccess through a
// circuit with one listener that wants state changes only, from a single
// goroutine.
func BenchmarkTransitionListener(b *testing.B) {
	eachRow(b, setupTransitions, succeed, returning(nil))
}

// BenchmarkTransitionListenerParallel times the call of
// BenchmarkTransitionListener from b.RunParallel on one shared circuit.
func BenchmarkTransitionListenerParallel(b *testing.B) {
	eachRow(b, setupTransitions, succeed, returningParallel(nil))
}

// BenchmarkCallCounter times the call of BenchmarkSuccess through a circuit
// with one per-call hook counting outcomes in atomic counters, as a metrics
// collector does, from a single goroutine.
func BenchmarkCallCounter(b *testing.B) {
	eachRow(b, setupCounting, succeed, returning(nil))
}

// BenchmarkCallCounterParallel times the call of BenchmarkCallCounter from
// b.RunParallel on one shared circuit (so the goroutines share the counters).
func BenchmarkCallCounterParallel(b *testing.B) {
	eachRow(b, setupCounting, succeed, returningParallel(nil))
}
