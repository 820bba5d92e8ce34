package bench

import "testing"

// BenchmarkSkip times one call refused by a circuit that failures opened, with
// a cool-down longer than the benchmark, from a single goroutine: the hot path
// of every outage.
func BenchmarkSkip(b *testing.B) { eachRow(b, setupOpened, succeed, refused) }

// BenchmarkSkipParallel times the refusal of BenchmarkSkip from b.RunParallel
// on one shared circuit.
func BenchmarkSkipParallel(b *testing.B) { eachRow(b, setupOpened, succeed, refusedParallel) }
