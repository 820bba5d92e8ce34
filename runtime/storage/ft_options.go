package storage

import (
	"errors"
	"fmt"
	"math"
	"time"

	"github.com/breakergen/breakergen/internal/hotpath/nilness"
)

// FaultTolerantOption configures FaultTolerant. Options are applied in order,
// a later option of one kind replacing an earlier one; any invalid option, or a
// nil one, makes FaultTolerant fail with an error naming it.
type FaultTolerantOption interface {
	applyFaultTolerant(*faultTolerantConfig)
}

type faultTolerantConfig struct {
	onFailure []func(Failure)
	gate      gateConfig
	errs      []error
}

type faultTolerantOptionFunc func(*faultTolerantConfig)

func (f faultTolerantOptionFunc) applyFaultTolerant(c *faultTolerantConfig) { f(c) }

// faultTolerantOptions checks s and applies opts over the defaults, for what
// (an error's prefix).
func faultTolerantOptions(what string, s Storage, opts []FaultTolerantOption) (faultTolerantConfig, error) {
	cfg := faultTolerantConfig{gate: defaultGateConfig()}
	if nilness.Is(s) {
		return cfg, fmt.Errorf("%w: %s: nil storage", ErrInvalid, what)
	}
	for i, o := range opts {
		if o == nil {
			return cfg, fmt.Errorf("%w: %s: option %d is nil", ErrInvalid, what, i+1)
		}
		o.applyFaultTolerant(&cfg)
	}
	return cfg, errors.Join(cfg.errs...)
}

// gateConfig is the configuration of the breaker that guards a backend; its
// zero value is invalid, start from defaultGateConfig.
type gateConfig struct {
	inARow   int
	rate     float64
	samples  int
	window   time.Duration
	coolDown time.Duration
}

func defaultGateConfig() gateConfig {
	return gateConfig{inARow: 3, rate: 0.5, samples: 10, window: 10 * time.Second, coolDown: 2 * time.Second}
}

// OnFailure registers fn to be told of every backend failure a FaultTolerant
// wrapper meets, on any circuit, besides the function the runtime registers on
// each handle: those it tolerates and those an operator's call returns. A
// storage that never fails, which FaultTolerant returns unchanged, reports no
// failures, so fn is never called for it. fn must not be nil. Default: none.
func OnFailure(fn func(Failure)) FaultTolerantOption {
	return faultTolerantOptionFunc(func(c *faultTolerantConfig) {
		if fn == nil {
			c.errs = append(c.errs, fmt.Errorf("%w: fault tolerant: OnFailure(nil)", ErrInvalid))
			return
		}
		c.onFailure = append(c.onFailure, fn)
	})
}

// WithFailuresInARow makes the backend's guard open after n backend failures
// in a row, n ≥ 1. Default 3.
func WithFailuresInARow(n int) FaultTolerantOption {
	return faultTolerantOptionFunc(func(c *faultTolerantConfig) {
		if n < 1 {
			c.errs = append(c.errs, fmt.Errorf("%w: fault tolerant: WithFailuresInARow(%d): want at least 1", ErrInvalid, n))
		}
		c.gate.inARow = n
	})
}

// WithFailureRate makes the backend's guard open when, within the rate window,
// at least samples calls were counted (samples ≥ 1) and a share rate of them
// (0 < rate ≤ 1) failed; it catches a backend that fails often but not in a
// row. Default 0.5 over 10 calls.
func WithFailureRate(rate float64, samples int) FaultTolerantOption {
	return faultTolerantOptionFunc(func(c *faultTolerantConfig) {
		if math.IsNaN(rate) || rate <= 0 || rate > 1 || samples < 1 {
			c.errs = append(c.errs, fmt.Errorf("%w: fault tolerant: WithFailureRate(%v, %d): want a rate in (0, 1] and at least 1 sample", ErrInvalid, rate, samples))
		}
		c.gate.rate, c.gate.samples = rate, samples
	})
}

// WithRateWindow sets the span over which WithFailureRate counts; the count
// starts afresh when a call comes d or more after the count began. Between
// MinWindow and MaxWindow. Default 10s.
func WithRateWindow(d time.Duration) FaultTolerantOption {
	return faultTolerantOptionFunc(func(c *faultTolerantConfig) {
		if d < MinWindow || d > MaxWindow {
			c.errs = append(c.errs, fmt.Errorf("%w: fault tolerant: WithRateWindow(%v): want [%v, %v]", ErrInvalid, d, MinWindow, MaxWindow))
		}
		c.gate.window = d
	})
}

// WithBackendCoolDown sets how long the open guard answers from the fallback
// without calling the backend before it lets one probe through; it also bounds
// how long a probe that never returns holds back the next. Between
// MinCoolDown and MaxCoolDown. Default 2s, so a recovered backend is used
// again within seconds.
func WithBackendCoolDown(d time.Duration) FaultTolerantOption {
	return faultTolerantOptionFunc(func(c *faultTolerantConfig) {
		if d < MinCoolDown || d > MaxCoolDown {
			c.errs = append(c.errs, fmt.Errorf("%w: fault tolerant: WithBackendCoolDown(%v): want [%v, %v]", ErrInvalid, d, MinCoolDown, MaxCoolDown))
		}
		c.gate.coolDown = d
	})
}
