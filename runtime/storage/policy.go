package storage

import (
	"fmt"
	"math"
	"time"
)

// Bounds of a Policy, checked by Policy.Validate and, through it, by
// runtime.Options.Validate, every storage's Bind and the generator. They keep
// every window and cool-down representable in every backend: a bucket of the
// shortest window is still a whole number of microseconds in Redis, and the
// longest keeps every expiry and bucket number far from overflow.
const (
	MinCoolDown = time.Millisecond
	MaxCoolDown = 24 * time.Hour
	MinWindow   = time.Millisecond
	MaxWindow   = 24 * time.Hour
)

// Policy is what a storage needs to know of a circuit's options to decide. The
// runtime resolves it once per circuit and binds the circuit's handle with it.
type Policy struct {
	// CoolDown is how long an open circuit skips calls; it is also the lifetime
	// of a probe reservation. Between MinCoolDown and MaxCoolDown.
	CoolDown time.Duration
	// EvaluationWindow is the span of time over which outcomes are counted.
	// Between MinWindow and MaxWindow.
	EvaluationWindow time.Duration
	// RateThreshold is the failure rate, in (0, 1], at which a closed circuit opens.
	RateThreshold float64
	// SampleThreshold is the number of outcomes within the window needed before
	// the circuit may open; at least 1.
	SampleThreshold int
}

// Validate reports the first field of p that is out of bounds, as an error
// wrapping ErrInvalid.
func (p Policy) Validate() error {
	switch {
	case p.CoolDown < MinCoolDown || p.CoolDown > MaxCoolDown:
		return fmt.Errorf("%w: CoolDown %v outside [%v, %v]", ErrInvalid, p.CoolDown, MinCoolDown, MaxCoolDown)
	case p.EvaluationWindow < MinWindow || p.EvaluationWindow > MaxWindow:
		return fmt.Errorf("%w: EvaluationWindow %v outside [%v, %v]", ErrInvalid, p.EvaluationWindow, MinWindow, MaxWindow)
	case math.IsNaN(p.RateThreshold) || p.RateThreshold <= 0 || p.RateThreshold > 1:
		return fmt.Errorf("%w: RateThreshold %v outside (0, 1]", ErrInvalid, p.RateThreshold)
	case p.SampleThreshold < 1:
		return fmt.Errorf("%w: SampleThreshold %d below 1", ErrInvalid, p.SampleThreshold)
	}
	return nil
}

// FailsThreshold reports whether failures out of samples should open a circuit.
func (p Policy) FailsThreshold(failures, samples int) bool {
	if samples == 0 || samples < p.SampleThreshold {
		return false
	}
	return float64(failures)/float64(samples) >= p.RateThreshold
}
