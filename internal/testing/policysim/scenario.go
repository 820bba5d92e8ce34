package policysim

import (
	"math"
	"math/rand/v2"
	"time"
)

// Phase is a span of a scenario during which the dependency behaves one way.
type Phase struct {
	Name     string
	Duration time.Duration
	// ErrorRate is the share of calls that fail, in [0, 1].
	ErrorRate float64
	// Latency is how long a call takes: Median and Spread (the sigma of a
	// log-normal distribution; 0 for exactly Median), plus, for a share Tail
	// of the calls, TailLatency instead.
	Latency Latency
	// Hang makes every call that starts in the phase never return.
	Hang bool
}

// Latency is a log-normal latency with an optional tail of slow calls.
type Latency struct {
	Median      time.Duration
	Spread      float64
	Tail        float64
	TailLatency time.Duration
}

// draw returns one call's latency.
func (l Latency) draw(r *rand.Rand) time.Duration {
	if l.Tail > 0 && r.Float64() < l.Tail {
		return l.TailLatency
	}
	if l.Spread == 0 {
		return l.Median
	}
	return time.Duration(float64(l.Median) * math.Exp(l.Spread*r.NormFloat64()))
}

// Scenario is traffic at a steady rate through a list of phases.
type Scenario struct {
	Name   string
	Phases []Phase
	// Rate is the calls per second, evenly spaced.
	Rate int
	// Every is the length of the intervals Run reports.
	Every time.Duration
	// Seed seeds the outcomes and latencies.
	Seed uint64
}

// Duration returns the length of the scenario.
func (s Scenario) Duration() time.Duration {
	var d time.Duration
	for _, p := range s.Phases {
		d += p.Duration
	}
	return d
}

// phaseAt returns the phase at offset d from the start, and the offset at
// which it starts.
func (s Scenario) phaseAt(d time.Duration) (Phase, time.Duration) {
	var from time.Duration
	for _, p := range s.Phases {
		if d < from+p.Duration {
			return p, from
		}
		from += p.Duration
	}
	last := s.Phases[len(s.Phases)-1]
	return last, from - last.Duration
}
