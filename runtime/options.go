package runtime

import (
	"fmt"
	"math"
	"time"

	"github.com/breakergen/breakergen/runtime/storage"
)

// Options tune a circuit. A zero field inherits: the Breaker's defaults
// (WithDefaults, else the values below) are overridden by the options given in
// code (Breaker.Circuit, generated from directives), which are overridden by the
// operator's WithOverrides. Options are plain values, safe to share once built.
type Options struct {
	// CoolDown is how long an open circuit skips calls before one probe may run;
	// it is also how long a probe's reservation lasts. Default 5m; at least
	// storage.MinCoolDown (1ms), at most storage.MaxCoolDown (24h).
	CoolDown time.Duration
	// EvaluationWindow is the span over which outcomes are counted. Default 1m;
	// at least storage.MinWindow (1ms), at most storage.MaxWindow (24h).
	EvaluationWindow time.Duration
	// RateThreshold is the failure rate, in (0, 1], at which the circuit opens.
	// Default 0.5.
	RateThreshold float64
	// SampleThreshold is the number of outcomes within the window needed before
	// the circuit may open. Default 3.
	SampleThreshold int
	// Exclude lists errors (matched with errors.Is, or by type for an entry made
	// with ErrorAs) that are returned untouched and not recorded at all. A non-nil
	// list replaces the inherited one; an empty, non-nil list clears it.
	Exclude []error
	// Success lists errors (matched as Exclude's) that are returned untouched and
	// recorded as successes, such as a conditional-check failure. A non-nil list
	// replaces the inherited one.
	Success []error
	// IsFailure decides whether an error that is neither excluded nor listed in
	// Success is a failure; when it reports false the call counts as a success.
	// Nil: every such error is a failure. A panic in IsFailure is recovered: the
	// call is then not recorded, and a probe releases its reservation.
	IsFailure func(error) bool

	// The options below are the policies beyond Faulty's; each one's zero
	// value keeps the classic behaviour. A storage that does not apply one
	// refuses a circuit that sets it (Register's error names it).

	// SlowCall makes a call that takes SlowCall or longer slow, and a call
	// still in flight past SlowCall count as slow too, so that a dependency
	// that hangs opens the circuit with no call completed, within SlowCall and
	// one bucket of the window (an eighth to a sixteenth of it). A closed
	// circuit opens when slow calls make up SlowRate of the window's outcomes
	// (with SampleThreshold); a slow probe fails. Default 0: no call is slow.
	// At least storage.MinSlowCall (1ms), shorter than EvaluationWindow.
	SlowCall time.Duration
	// SlowRate is the share of slow calls, in (0, 1], at which the circuit
	// opens. Default: RateThreshold. Only with SlowCall.
	SlowRate float64
	// CoolDownMax makes each failed probe double the next cool-down, less a
	// jitter of up to a fifth, up to CoolDownMax; a close (with Ramp, a
	// completed ramp) starts again from CoolDown. Status.CoolDown is the
	// current one. Default 0: every cool-down is CoolDown. At least CoolDown.
	CoolDownMax time.Duration
	// Ramp makes a circuit closed by its probes admit a share of its calls
	// that grows linearly from none to all over Ramp, refusing the others as
	// skipped (ErrOpen); a window that fails the thresholds during the ramp
	// opens the circuit again, as a failed probe would. Default 0: a close
	// admits every call at once. Between storage.MinRamp and storage.MaxRamp.
	Ramp time.Duration
	// HalfOpenProbes is how many probes may run at once in a half-open
	// circuit; it closes after that many succeed and reopens on the first
	// that fails. Default 1: exactly one caller probes. At most
	// storage.MaxHalfOpenProbes.
	HalfOpenProbes int
	// Mode is how the circuit reacts to a failing dependency. The zero value,
	// storage.ModeClassic, opens the circuit when the window fails its
	// thresholds. ModeAdaptive never opens on failures but rejects each call,
	// as skipped, with Google SRE's client-side throttling probability
	// max(0, (requests − K·accepts) / (requests + 1)) over the window.
	// ModeAdaptive excludes SlowCall, CoolDownMax, Ramp and HalfOpenProbes.
	Mode storage.Mode
	// K is adaptive mode's multiplier of accepts, in (0, storage.MaxK]: it
	// rejects nothing while requests stay below K times the successes.
	// Default 2 in ModeAdaptive (Google SRE's choice); only with ModeAdaptive.
	K float64
}

// ModeAdaptive is the Options.Mode that rejects a share of the calls that
// grows with the failures, never opening outright.
const ModeAdaptive = storage.ModeAdaptive

// defaultK is K when ModeAdaptive is set without one: requests may reach
// twice the successes before any call is rejected.
const defaultK = 2

// defaultOptions are the options every circuit starts from: Faulty's defaults,
// as Options documents them.
var defaultOptions = Options{
	CoolDown:         5 * time.Minute,
	EvaluationWindow: time.Minute,
	RateThreshold:    0.5,
	SampleThreshold:  3,
}

// Validate reports the first field that is out of range: a CoolDown or
// EvaluationWindow outside the storage bounds (zero inherits), a rate outside
// (0, 1] (zero inherits) or a negative sample threshold, and so on for the
// policies' fields. The error wraps storage.ErrInvalid. Options that inherit
// are checked field by field; how the fields go together (SlowRate needs
// SlowCall, CoolDownMax is at least CoolDown, what ModeAdaptive excludes) is
// checked on a circuit's resolved options, when it is registered.
func (o Options) Validate() error {
	if err := o.validateClassic(); err != nil {
		return err
	}
	return o.validatePolicies()
}

// validateClassic checks Faulty's four fields.
func (o Options) validateClassic() error {
	switch {
	case o.CoolDown != 0 && (o.CoolDown < storage.MinCoolDown || o.CoolDown > storage.MaxCoolDown):
		return fmt.Errorf("breakergen: invalid options: %w: CoolDown %v outside [%v, %v]", storage.ErrInvalid, o.CoolDown, storage.MinCoolDown, storage.MaxCoolDown)
	case o.EvaluationWindow != 0 && (o.EvaluationWindow < storage.MinWindow || o.EvaluationWindow > storage.MaxWindow):
		return fmt.Errorf("breakergen: invalid options: %w: EvaluationWindow %v outside [%v, %v]", storage.ErrInvalid, o.EvaluationWindow, storage.MinWindow, storage.MaxWindow)
	case math.IsNaN(o.RateThreshold) || o.RateThreshold < 0 || o.RateThreshold > 1:
		return fmt.Errorf("breakergen: invalid options: %w: RateThreshold %v outside (0, 1]", storage.ErrInvalid, o.RateThreshold)
	case o.SampleThreshold < 0:
		return fmt.Errorf("breakergen: invalid options: %w: negative SampleThreshold %d", storage.ErrInvalid, o.SampleThreshold)
	}
	return nil
}

// validatePolicies checks the range of each field of the policies beyond
// Faulty's.
func (o Options) validatePolicies() error {
	switch {
	case o.SlowCall < 0 || (o.SlowCall != 0 && o.SlowCall < storage.MinSlowCall) || o.SlowCall > storage.MaxWindow:
		return invalid("SlowCall %v outside [%v, %v)", o.SlowCall, storage.MinSlowCall, storage.MaxWindow)
	case math.IsNaN(o.SlowRate) || o.SlowRate < 0 || o.SlowRate > 1:
		return invalid("SlowRate %v outside (0, 1]", o.SlowRate)
	case o.CoolDownMax < 0 || (o.CoolDownMax != 0 && o.CoolDownMax < storage.MinCoolDown) || o.CoolDownMax > storage.MaxCoolDown:
		return invalid("CoolDownMax %v outside [%v, %v]", o.CoolDownMax, storage.MinCoolDown, storage.MaxCoolDown)
	case o.Ramp < 0 || (o.Ramp != 0 && o.Ramp < storage.MinRamp) || o.Ramp > storage.MaxRamp:
		return invalid("Ramp %v outside [%v, %v]", o.Ramp, storage.MinRamp, storage.MaxRamp)
	case o.HalfOpenProbes < 0 || o.HalfOpenProbes > storage.MaxHalfOpenProbes:
		return invalid("HalfOpenProbes %d outside [1, %d]", o.HalfOpenProbes, storage.MaxHalfOpenProbes)
	case o.Mode > ModeAdaptive:
		return invalid("Mode %d is neither classic nor adaptive", o.Mode)
	case math.IsNaN(o.K) || o.K < 0 || o.K > storage.MaxK:
		return invalid("K %v outside (0, %d]", o.K, storage.MaxK)
	}
	return nil
}

// merge returns o with every non-zero field of top laid over it.
func (o Options) merge(top Options) Options {
	if top.CoolDown != 0 {
		o.CoolDown = top.CoolDown
	}
	if top.EvaluationWindow != 0 {
		o.EvaluationWindow = top.EvaluationWindow
	}
	if top.RateThreshold != 0 {
		o.RateThreshold = top.RateThreshold
	}
	if top.SampleThreshold != 0 {
		o.SampleThreshold = top.SampleThreshold
	}
	if top.Exclude != nil {
		o.Exclude = top.Exclude
	}
	if top.Success != nil {
		o.Success = top.Success
	}
	if top.IsFailure != nil {
		o.IsFailure = top.IsFailure
	}
	return o.mergePolicies(top)
}

// mergePolicies lays the non-zero policy fields of top over o.
func (o Options) mergePolicies(top Options) Options {
	if top.SlowCall != 0 {
		o.SlowCall = top.SlowCall
	}
	if top.SlowRate != 0 {
		o.SlowRate = top.SlowRate
	}
	if top.CoolDownMax != 0 {
		o.CoolDownMax = top.CoolDownMax
	}
	if top.Ramp != 0 {
		o.Ramp = top.Ramp
	}
	if top.HalfOpenProbes != 0 {
		o.HalfOpenProbes = top.HalfOpenProbes
	}
	if top.Mode != storage.ModeClassic {
		o.Mode = top.Mode
	}
	if top.K != 0 {
		o.K = top.K
	}
	return o
}

// withDefaults fills the defaults that depend on other fields of resolved
// options: SlowRate is RateThreshold, K is defaultK in ModeAdaptive.
func (o Options) withDefaults() Options {
	if o.SlowCall != 0 && o.SlowRate == 0 {
		o.SlowRate = o.RateThreshold
	}
	if o.Mode == ModeAdaptive && o.K == 0 {
		o.K = defaultK
	}
	return o
}

func (o Options) policy() storage.Policy {
	return storage.Policy{
		CoolDown:         o.CoolDown,
		EvaluationWindow: o.EvaluationWindow,
		RateThreshold:    o.RateThreshold,
		SampleThreshold:  o.SampleThreshold,
		SlowCall:         o.SlowCall,
		SlowRate:         o.SlowRate,
		CoolDownMax:      o.CoolDownMax,
		Ramp:             o.Ramp,
		HalfOpenProbes:   o.HalfOpenProbes,
		Mode:             o.Mode,
		K:                o.K,
	}
}
