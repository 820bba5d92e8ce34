package circuitstats

import (
	"sync/atomic"
	"testing"
)

// Benchmarks of one counter under every processor: a single atomic word
// against the striped counts.

func BenchmarkOneWordParallel(b *testing.B) {
	var n atomic.Uint64
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			n.Add(1)
		}
	})
}

func BenchmarkCountsParallel(b *testing.B) {
	var c counts
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			c.add(0)
		}
	})
}

func BenchmarkCounts(b *testing.B) {
	var c counts
	for b.Loop() {
		c.add(0)
	}
}
