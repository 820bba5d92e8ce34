package bench

import "testing"

// BenchmarkSuccess times one successful no-op call through a closed circuit
// with the library's defaults, from a single goroutine.
func BenchmarkSuccess(b *testing.B) { eachRow(b, setupPlain, succeed, returning(nil)) }

// BenchmarkSuccessParallel times the call of BenchmarkSuccess from
// b.RunParallel on one shared circuit.
func BenchmarkSuccessParallel(b *testing.B) {
	eachRow(b, setupPlain, succeed, returningParallel(nil))
}
