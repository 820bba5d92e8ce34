package coarse_test

import (
	"sync"
	"testing"
	"time"

	"github.com/breakergen/breakergen/internal/hotpath/coarse"
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

// TestMonoAfterIdle is the defect of a reader that found the clock stopped
// while another goroutine was starting it: it got the monotonic time the clock
// had stopped at, as old as the idle spell, and a fleet store counted outcomes
// in buckets long gone. Every reader right after an idle spell must get the
// time of now.
func TestMonoAfterIdle(t *testing.T) {
	for range 10 {
		time.Sleep(60 * time.Millisecond) // long enough for the clock to stop
		var wg sync.WaitGroup
		for range 8 {
			wg.Go(func() {
				got, want := coarse.Mono(), coarse.MonoNow()
				assert.InDelta(t, want, got, float64(30*time.Millisecond), "a reading right after an idle spell")
			})
		}
		wg.Wait()
	}
}
