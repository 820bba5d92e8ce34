package bench

import (
	goruntime "runtime"
	"testing"
)

// BenchmarkCircuitMemory reports, as B/circuit, the heap that each of 10,000
// circuits with the library's defaults holds at rest after one successful call.
// The names are made before the first reading, so they are not counted. Its
// ns/op is suppressed; its B/op and allocs/op count everything allocated to
// make the 10,000 circuits and call each once, garbage included.
func BenchmarkCircuitMemory(b *testing.B) {
	names := circuitNames(manyCircuits)
	for _, c := range contenders() {
		b.Run(c.name, func(b *testing.B) {
			var held, rounds float64
			for b.Loop() {
				held += heldBy(b, func() func() error { return c.many(names, setupPlain, succeed) })
				rounds++
			}
			b.ReportMetric(0, "ns/op")
			b.ReportMetric(held/rounds/manyCircuits, "B/circuit")
		})
	}
}

// heldBy returns the heap bytes that make's breakers hold after each was called
// once: the live heap after a collection, less the live heap before.
func heldBy(b *testing.B, make func() func() error) float64 {
	var before, after goruntime.MemStats
	goruntime.GC()
	goruntime.ReadMemStats(&before)
	call := make()
	for range manyCircuits {
		if err := call(); err != nil {
			b.Fatal(err)
		}
	}
	goruntime.GC()
	goruntime.ReadMemStats(&after)
	goruntime.KeepAlive(call)
	return float64(int64(after.HeapAlloc) - int64(before.HeapAlloc))
}
