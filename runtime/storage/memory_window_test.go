package storage

import (
	"sync"
	"testing"
	"time"
)

// TestGoroutinesCountInTheirOwnLanes starts goroutines that count at the same
// time: each must own a lane of its own, so no two cores write one cache line.
func TestGoroutinesCountInTheirOwnLanes(t *testing.T) {
	for _, n := range []int{2, 4, lanes} {
		var w window
		w.clearLocked()
		shift, span := geometry(Policy{EvaluationWindow: time.Hour})
		w.shift.Store(shift)
		w.span.Store(span)
		now := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC).UnixNano()
		var started, done sync.WaitGroup
		started.Add(n)
		for range n {
			done.Add(1)
			go func() {
				defer done.Done()
				started.Done()
				started.Wait() // every goroutine is alive before any counts
				for range 1000 {
					w.add(now, 1)
				}
			}()
		}
		done.Wait()
		used := 0
		for l := range w.lanes {
			for i := range w.lanes[l].counts {
				if c := w.lanes[l].counts[i].Load(); c != 0 {
					used++
					if c != 1000 {
						t.Errorf("%d goroutines: lane %d counted %d, want one goroutine's 1000", n, l, c)
					}
				}
			}
		}
		if used != n {
			t.Errorf("%d goroutines counted in %d lanes, want one lane each", n, used)
		}
		if _, samples := w.counts(now); samples != n*1000 {
			t.Errorf("%d goroutines: %d samples, want %d", n, samples, n*1000)
		}
	}
}

func TestGeometry(t *testing.T) {
	for _, window := range []time.Duration{time.Nanosecond, time.Millisecond, time.Second, 7 * time.Second, time.Minute, time.Hour, 0} {
		shift, span := geometry(Policy{EvaluationWindow: window})
		want := window
		if want == 0 {
			want = time.Minute
		}
		width := time.Duration(1) << shift
		if span < 1 || span > ringSize || time.Duration(span)*width < want || (span > 1 && time.Duration(span-1)*width >= want) {
			t.Errorf("window %v: %d buckets of %v do not just cover it", window, span, width)
		}
		if span < ringSize/2 && width > 1 {
			t.Errorf("window %v: only %d buckets of %v, want at least %d", window, span, width, ringSize/2)
		}
	}
}
