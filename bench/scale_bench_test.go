package bench

import "testing"

// manyCircuits is the number of circuits of the scale and memory benchmarks.
const manyCircuits = 10_000

// eachRowMany runs one sub-benchmark per contender, timing from a single
// goroutine its call of w going round-robin over manyCircuits breakers of setup
// s, checking that every call returns want.
func eachRowMany(b *testing.B, s setup, w work, want error) {
	names := circuitNames(manyCircuits)
	for _, c := range contenders() {
		b.Run(c.name, func(b *testing.B) {
			returning(want)(b, c.many(names, s, w))
		})
	}
}

// BenchmarkManySuccess times the call of BenchmarkSuccess on each of 10,000
// circuits in turn: every call touches memory no recent call touched.
func BenchmarkManySuccess(b *testing.B) { eachRowMany(b, setupPlain, succeed, nil) }

// BenchmarkManyFailure times the call of BenchmarkFailure on each of 10,000
// circuits in turn.
func BenchmarkManyFailure(b *testing.B) {
	eachRowMany(b, setupNeverOpens, failing, errDependency)
}
