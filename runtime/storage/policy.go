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
	// MinSlowCall is the shortest SlowCall: the runtime times calls with a
	// clock of millisecond resolution.
	MinSlowCall = time.Millisecond
	// MinRamp and MaxRamp bound Ramp.
	MinRamp = time.Millisecond
	MaxRamp = 24 * time.Hour
	// MaxHalfOpenProbes bounds HalfOpenProbes.
	MaxHalfOpenProbes = 1000
	// MaxK bounds K: past it, adaptive mode would reject nothing a breaker
	// can tell from a healthy dependency.
	MaxK = 100
)

// Mode is how a circuit reacts to a failing dependency.
type Mode uint8

const (
	// ModeClassic opens the circuit when the window fails its thresholds, and
	// closes it after successful probes: Faulty's behaviour, the default.
	ModeClassic Mode = iota
	// ModeAdaptive never opens on failures: it rejects each call with Google
	// SRE's client-side throttling probability, max(0, (requests − K·accepts) /
	// (requests + 1)), over the window, where requests counts every call asked
	// for (run or rejected) and accepts every success.
	ModeAdaptive
)

// String returns "classic" or "adaptive".
func (m Mode) String() string {
	switch m {
	case ModeClassic:
		return "classic"
	case ModeAdaptive:
		return "adaptive"
	}
	return "invalid"
}

// Policy is what a storage needs to know of a circuit's options to decide. The
// runtime resolves it once per circuit and binds the circuit's handle with it.
//
// The first four fields are the classic policy, which every backend applies.
// The others (the policies of issue 19) are zero in a classic policy; a backend
// applies those it says it supports (PolicySupport), and the runtime refuses
// to bind a circuit whose policy sets one its storage does not support
// (CheckPolicy), so that none is silently ignored.
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

	// SlowCall, when set, makes a call that takes SlowCall or longer slow
	// (Outcome.Slow), and a call still in flight past SlowCall count as slow
	// too: a closed circuit opens when slow calls make up SlowRate of the
	// window's outcomes (with SampleThreshold, in-flight slow calls counted as
	// outcomes). 0: off. At least MinSlowCall, shorter than EvaluationWindow.
	SlowCall time.Duration
	// SlowRate is the share of slow calls, in (0, 1], at which a closed
	// circuit opens; set exactly when SlowCall is.
	SlowRate float64
	// CoolDownMax, when set, makes each failed probe double the cool-down of
	// the next open period, with jitter, up to CoolDownMax; a circuit that
	// closes (and, with Ramp, completes its ramp) starts again from CoolDown.
	// 0: every open period lasts CoolDown. Between CoolDown and MaxCoolDown.
	CoolDownMax time.Duration
	// Ramp, when set, makes a circuit closed by a probe admit a share of its
	// calls that grows linearly from 0 to all over Ramp, from the instant it
	// closed (Status.ClosedAt), refusing the others; a window that fails the
	// thresholds during the ramp opens it again, with the cool-down backed
	// off as after a failed probe. 0: a close admits every call at once.
	// Between MinRamp and MaxRamp.
	Ramp time.Duration
	// HalfOpenProbes is how many probes may run at once in a half-open
	// circuit; the circuit closes after that many succeed, and reopens on the
	// first that fails. 0 and 1 mean one: exactly one caller probes. At most
	// MaxHalfOpenProbes.
	HalfOpenProbes int
	// Mode is ModeClassic (the zero value) or ModeAdaptive. ModeAdaptive
	// excludes SlowCall, CoolDownMax, Ramp and HalfOpenProbes above 1, which
	// shape an opening that adaptive mode never makes.
	Mode Mode
	// K is adaptive mode's multiplier of accepts, in (0, MaxK]: the circuit
	// rejects nothing while requests stay below K·accepts. 0 in ModeClassic.
	K float64

	// Notify is not an option: it is the runtime's Notifier, told of what the
	// handle learns outside the calls it answers; nil when nothing is wanted.
	// A backend that never learns anything off a call ignores it.
	Notify Notifier
}

// Validate reports the first field of p that is out of bounds, or set with a
// field it excludes, as an error wrapping ErrInvalid.
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
	if err := p.validateSlow(); err != nil {
		return err
	}
	if err := p.validateRecovery(); err != nil {
		return err
	}
	return p.validateMode()
}

// validateSlow checks SlowCall and SlowRate.
func (p Policy) validateSlow() error {
	switch {
	case p.SlowCall != 0 && (p.SlowCall < MinSlowCall || p.SlowCall >= p.EvaluationWindow):
		return fmt.Errorf("%w: SlowCall %v outside [%v, EvaluationWindow %v)", ErrInvalid, p.SlowCall, MinSlowCall, p.EvaluationWindow)
	case p.SlowCall == 0 && p.SlowRate != 0:
		return fmt.Errorf("%w: SlowRate %v without SlowCall", ErrInvalid, p.SlowRate)
	case p.SlowCall != 0 && (math.IsNaN(p.SlowRate) || p.SlowRate <= 0 || p.SlowRate > 1):
		return fmt.Errorf("%w: SlowRate %v outside (0, 1]", ErrInvalid, p.SlowRate)
	}
	return nil
}

// validateRecovery checks CoolDownMax, Ramp and HalfOpenProbes.
func (p Policy) validateRecovery() error {
	switch {
	case p.CoolDownMax != 0 && (p.CoolDownMax < p.CoolDown || p.CoolDownMax > MaxCoolDown):
		return fmt.Errorf("%w: CoolDownMax %v outside [CoolDown %v, %v]", ErrInvalid, p.CoolDownMax, p.CoolDown, MaxCoolDown)
	case p.Ramp != 0 && (p.Ramp < MinRamp || p.Ramp > MaxRamp):
		return fmt.Errorf("%w: Ramp %v outside [%v, %v]", ErrInvalid, p.Ramp, MinRamp, MaxRamp)
	case p.HalfOpenProbes < 0 || p.HalfOpenProbes > MaxHalfOpenProbes:
		return fmt.Errorf("%w: HalfOpenProbes %d outside [0, %d]", ErrInvalid, p.HalfOpenProbes, MaxHalfOpenProbes)
	}
	return nil
}

// validateMode checks Mode, K and what adaptive mode excludes.
func (p Policy) validateMode() error {
	switch p.Mode {
	case ModeClassic:
		if p.K != 0 {
			return fmt.Errorf("%w: K %v set in ModeClassic (K applies to ModeAdaptive)", ErrInvalid, p.K)
		}
		return nil
	case ModeAdaptive:
	default:
		return fmt.Errorf("%w: Mode %d is neither ModeClassic nor ModeAdaptive", ErrInvalid, p.Mode)
	}
	switch {
	case math.IsNaN(p.K) || p.K <= 0 || p.K > MaxK:
		return fmt.Errorf("%w: K %v outside (0, %d]", ErrInvalid, p.K, MaxK)
	case p.SlowCall != 0:
		return fmt.Errorf("%w: SlowCall with ModeAdaptive (adaptive mode counts a call as requested when it starts, so hung calls raise its rejections already)", ErrInvalid)
	case p.CoolDownMax != 0, p.Ramp != 0, p.HalfOpenProbes > 1:
		return fmt.Errorf("%w: CoolDownMax, Ramp and HalfOpenProbes shape the recovery of an opened circuit, and ModeAdaptive never opens one", ErrInvalid)
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

// SlowFails reports whether slow outcomes out of samples, with hung calls in
// flight past SlowCall counted as slow outcomes, should open a circuit. It is
// false when SlowCall is not set.
func (p Policy) SlowFails(slow, hung, samples int) bool {
	n := samples + hung
	if p.SlowCall == 0 || n == 0 || n < p.SampleThreshold {
		return false
	}
	return float64(slow+hung)/float64(n) >= p.SlowRate
}

// Probes returns how many probes may run at once: HalfOpenProbes, at least 1.
func (p Policy) Probes() int { return max(p.HalfOpenProbes, 1) }
