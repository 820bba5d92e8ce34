package bench

import "testing"

// BenchmarkFailure times one failed call through a circuit whose threshold the
// failures never reach, from a single goroutine: each failure is recorded and
// the circuit stays closed.
func BenchmarkFailure(b *testing.B) {
	eachRow(b, setupNeverOpens, failing, returning(errDependency))
}

// BenchmarkFailureParallel times the call of BenchmarkFailure from
// b.RunParallel on one shared circuit.
func BenchmarkFailureParallel(b *testing.B) {
	eachRow(b, setupNeverOpens, failing, returningParallel(errDependency))
}
