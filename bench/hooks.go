package bench

import "sync/atomic"

// transitions counts a breaker's state changes. Each contender adapts it to its
// library's state-change callback; it stands for a listener that logs
// transitions, and does the least such a listener does.
type transitions struct{ n atomic.Int64 }

// add counts one state change.
func (t *transitions) add() { t.n.Add(1) }

// count returns the number of state changes seen.
func (t *transitions) count() int64 { return t.n.Load() }

// outcomes counts calls by outcome in atomic counters, as a metrics collector
// does. Each contender adapts it to its library's per-call hook; the adapters
// only pick the counter, so every library pays the same increment.
type outcomes struct {
	success atomic.Int64
	failure atomic.Int64
	skipped atomic.Int64
	other   atomic.Int64
}
