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
}

// defaultOptions are the options every circuit starts from: Faulty's defaults.
var defaultOptions = Options{
	CoolDown:         5 * time.Minute,
	EvaluationWindow: time.Minute,
	RateThreshold:    0.5,
	SampleThreshold:  3,
}

// DefaultOptions returns the options a circuit has when nothing is configured.
func DefaultOptions() Options { return defaultOptions }

// Validate reports the first field that is out of range: a CoolDown or
// EvaluationWindow outside the storage bounds (zero inherits), a rate outside
// (0, 1] (zero inherits) or a negative sample threshold. The error wraps
// storage.ErrInvalid.
func (o Options) Validate() error {
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
	return o
}

func (o Options) policy() storage.Policy {
	return storage.Policy{
		CoolDown:         o.CoolDown,
		EvaluationWindow: o.EvaluationWindow,
		RateThreshold:    o.RateThreshold,
		SampleThreshold:  o.SampleThreshold,
	}
}
