package bench

import (
	"context"
	"encoding/json"
	"errors"
	"math"

	"github.com/breakergen/breakergen/runtime"
	"github.com/cep21/circuit/v4"
	"github.com/cep21/circuit/v4/closers/hystrix"
	"github.com/failsafe-go/failsafe-go"
	"github.com/failsafe-go/failsafe-go/circuitbreaker"
	"github.com/sony/gobreaker/v2"
)

// The rows of each library. A row's call closure calls the contender's call
// function directly, so every timed op makes one indirect call (the closure)
// before the library's API, whatever the row.

// ctx is the context of every call that takes one.
var ctx = context.Background()

// breakergenContenders returns breakergen's rows: Allow and Done, and Run.
func breakergenContenders() []contender {
	isOpen := func(err error) bool { return errors.Is(err, runtime.ErrOpen) }
	return []contender{
		{
			name: nameBreakergenAllowDone,
			build: func(s setup, h *hooks, w work) target {
				c, f := breakergenFor(s, h), w.ctx
				return target{call: func() error { return breakergenAllowDone(ctx, c, f) }, failures: breakergenFailures(c)}
			},
			many: func(names []string, s setup, w work) func() error {
				cs, r, f := newBreakergenMany(names, breakergenOptions(s)), ring{n: len(names)}, w.ctx
				return func() error { return breakergenAllowDone(ctx, cs[r.next()], f) }
			},
			rejected: isOpen,
			trips:    breakergenTrips,
		},
		{
			name: nameBreakergenRun,
			build: func(s setup, h *hooks, w work) target {
				c, f := breakergenFor(s, h), w.ctx
				return target{call: func() error { return breakergenRun(ctx, c, f) }, failures: breakergenFailures(c)}
			},
			many: func(names []string, s setup, w work) func() error {
				cs, r, f := newBreakergenMany(names, breakergenOptions(s)), ring{n: len(names)}, w.ctx
				return func() error { return breakergenRun(ctx, cs[r.next()], f) }
			},
			rejected: isOpen,
			trips:    breakergenTrips,
		},
	}
}

// breakergenFor returns the circuit of setup s.
func breakergenFor(s setup, h *hooks) *runtime.Circuit {
	switch s {
	case setupTransitions:
		return newBreakergenTransitions(&h.transitions)
	case setupCounting:
		return newBreakergenCounting(&h.outcomes)
	case setupOpened:
		return newBreakergenOpen()
	case setupNeverOpens:
		return newBreakergenNeverOpens()
	}
	return newBreakergen()
}

// breakergenOptions returns the options of the circuits of setup s.
func breakergenOptions(s setup) runtime.Options {
	if s == setupNeverOpens {
		return breakergenNeverOpens
	}
	return runtime.Options{}
}

// breakergenFailures returns how many failures c's window holds.
func breakergenFailures(c *runtime.Circuit) func() int64 {
	return func() int64 {
		st, err := c.Status(ctx)
		if err != nil {
			return -1
		}
		return int64(math.Round(st.FailureRate * float64(st.SampleSize)))
	}
}

// gobreakerContenders returns gobreaker's rows: Execute, and the two-step
// breaker's Allow and done.
func gobreakerContenders() []contender {
	isOpen := func(err error) bool { return errors.Is(err, gobreaker.ErrOpenState) }
	return []contender{
		{
			name:  nameGobreaker,
			lacks: []setup{setupCounting},
			build: func(s setup, h *hooks, w work) target {
				cb, f := gobreakerFor(s, h), w.value
				return target{call: func() error { return gobreakerExecute(cb, f) }, failures: gobreakerFailures(cb.Counts)}
			},
			many: func(names []string, s setup, w work) func() error {
				cbs, r, f := newGobreakerMany(names, gobreakerSettings(s, nil)), ring{n: len(names)}, w.value
				return func() error { return gobreakerExecute(cbs[r.next()], f) }
			},
			rejected: isOpen,
			trips:    gobreakerTrips,
		},
		{
			name:  nameGobreakerTwoStep,
			lacks: []setup{setupCounting},
			build: func(s setup, h *hooks, w work) target {
				cb, f := gobreakerTwoStepFor(s, h), w.plain
				return target{call: func() error { return gobreakerTwoStep(cb, f) }, failures: gobreakerFailures(cb.Counts)}
			},
			many: func(names []string, s setup, w work) func() error {
				cbs, r, f := newGobreakerTwoStepMany(names, gobreakerSettings(s, nil)), ring{n: len(names)}, w.plain
				return func() error { return gobreakerTwoStep(cbs[r.next()], f) }
			},
			rejected: isOpen,
			trips:    gobreakerTrips,
		},
	}
}

// gobreakerFor returns the breaker of setup s.
func gobreakerFor(s setup, h *hooks) *gobreaker.CircuitBreaker[struct{}] {
	if s == setupOpened {
		return newGobreakerOpen()
	}
	return newGobreaker(gobreakerSettings(s, h))
}

// gobreakerTwoStepFor returns the two-step breaker of setup s.
func gobreakerTwoStepFor(s setup, h *hooks) *gobreaker.TwoStepCircuitBreaker[struct{}] {
	if s == setupOpened {
		return newGobreakerTwoStepOpen()
	}
	return newGobreakerTwoStep(gobreakerSettings(s, h))
}

// gobreakerSettings returns the Settings of setup s (not opened, which also
// needs failures).
func gobreakerSettings(s setup, h *hooks) gobreaker.Settings {
	switch s {
	case setupTransitions:
		return gobreakerTransitions(&h.transitions)
	case setupNeverOpens:
		return gobreakerNeverOpens()
	}
	return gobreakerDefaults("bench")
}

// gobreakerFailures returns how many failures a breaker's counts hold.
func gobreakerFailures(counts func() gobreaker.Counts) func() int64 {
	return func() int64 { return int64(counts().TotalFailures) }
}

// failsafeContenders returns failsafe-go's rows: an executor's Run, and the
// standalone permit API.
func failsafeContenders() []contender {
	isOpen := func(err error) bool { return errors.Is(err, circuitbreaker.ErrOpen) }
	return []contender{
		{
			name: nameFailsafe,
			build: func(s setup, h *hooks, w work) target {
				cb, ex := failsafeFor(s, h)
				f := w.plain
				return target{call: func() error { return failsafeRun(ex, f) }, failures: failsafeFailures(cb)}
			},
			many: func(names []string, s setup, w work) func() error {
				exs := failsafeExecutors(newFailsafeMany(len(names), failsafeBuilder(s, nil)))
				r, f := ring{n: len(names)}, w.plain
				return func() error { return failsafeRun(exs[r.next()], f) }
			},
			rejected: isOpen,
			trips:    failsafeTrips,
		},
		{
			name: nameFailsafePermit,
			// The policy's OnSuccess and OnFailure are not called for outcomes
			// recorded with RecordSuccess and RecordError.
			lacks: []setup{setupCounting},
			build: func(s setup, h *hooks, w work) target {
				cb, _ := failsafeFor(s, h)
				f := w.plain
				return target{call: func() error { return failsafePermit(cb, f) }, failures: failsafeFailures(cb)}
			},
			many: func(names []string, s setup, w work) func() error {
				cbs, r, f := newFailsafeMany(len(names), failsafeBuilder(s, nil)), ring{n: len(names)}, w.plain
				return func() error { return failsafePermit(cbs[r.next()], f) }
			},
			rejected: isOpen,
			trips:    failsafeTrips,
		},
	}
}

// failsafeFor returns the breaker of setup s and its executor.
func failsafeFor(s setup, h *hooks) (circuitbreaker.CircuitBreaker[any], failsafe.Executor[any]) {
	if s == setupOpened {
		return newFailsafeOpen()
	}
	return newFailsafe(failsafeBuilder(s, h))
}

// failsafeBuilder returns the builder of setup s (not opened, which also needs
// failures).
func failsafeBuilder(s setup, h *hooks) circuitbreaker.Builder[any] {
	switch s {
	case setupTransitions:
		return failsafeTransitions(&h.transitions)
	case setupCounting:
		return failsafeCounting(&h.outcomes)
	case setupNeverOpens:
		return failsafeNeverOpens()
	}
	return failsafeDefaults()
}

// failsafeFailures returns how many failures cb's metrics hold.
func failsafeFailures(cb circuitbreaker.CircuitBreaker[any]) func() int64 {
	return func() int64 { return int64(cb.Metrics().Failures()) }
}

// cep21Contenders returns cep21/circuit's row: Circuit.Run.
func cep21Contenders() []contender {
	return []contender{{
		name: nameCep21,
		build: func(s setup, h *hooks, w work) target {
			c, f := cep21For(s, h), w.ctx
			return target{call: func() error { return cep21Run(ctx, c, f) }, failures: cep21Failures(c)}
		},
		many: func(names []string, s setup, w work) func() error {
			fy := hystrix.Factory{}
			if s == setupNeverOpens {
				fy = cep21NeverOpens
			}
			cs, r, f := newCep21Many(names, fy), ring{n: len(names)}, w.ctx
			return func() error { return cep21Run(ctx, cs[r.next()], f) }
		},
		rejected: func(err error) bool {
			var ce circuit.Error
			return errors.As(err, &ce) && ce.CircuitOpen()
		},
		trips: cep21Trips,
	}}
}

// cep21For returns the circuit of setup s.
func cep21For(s setup, h *hooks) *circuit.Circuit {
	switch s {
	case setupTransitions:
		return newCep21Transitions(&h.transitions)
	case setupCounting:
		return newCep21Counting(&h.outcomes)
	case setupOpened:
		return newCep21Open()
	case setupNeverOpens:
		return newCep21NeverOpens()
	}
	return newCep21()
}

// cep21Failures returns how many failures the Hystrix opener of c counts,
// read from its JSON form: the count itself is not exported.
func cep21Failures(c *circuit.Circuit) func() int64 {
	return func() int64 {
		o, ok := c.ClosedToOpen.(*hystrix.Opener)
		if !ok {
			return -1
		}
		raw, err := o.MarshalJSON()
		if err != nil {
			return -1
		}
		var v struct{ Errors struct{ TotalSum int64 } }
		if err := json.Unmarshal(raw, &v); err != nil {
			return -1
		}
		return v.Errors.TotalSum
	}
}
