package coarse_test

import (
	"testing"
	"time"

	"github.com/breakergen/breakergen/internal/coarse"
	"github.com/stretchr/testify/assert"
)

// TestNanos checks that the coarse clock follows the wall clock, both while it
// ticks and when it starts again after stopping for want of readers.
func TestNanos(t *testing.T) {
	for range 3 {
		got, want := coarse.Nanos(), time.Now().UnixNano()
		assert.InDelta(t, want, got, float64(50*time.Millisecond), "a reading")
		assert.InDelta(t, coarse.MonoNow(), coarse.Mono(), float64(50*time.Millisecond), "a monotonic reading")
		// Idle for long enough that the clock stops, then read again: it must
		// not hand out the time it stopped at.
		time.Sleep(20 * time.Millisecond)
	}
}

func BenchmarkNanos(b *testing.B) {
	for b.Loop() {
		_ = coarse.Nanos()
	}
}
