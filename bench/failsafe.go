package bench

import (
	"time"

	"github.com/failsafe-go/failsafe-go"
	"github.com/failsafe-go/failsafe-go/circuitbreaker"
)

// failsafeDefaults returns a builder of failsafe-go's default circuit breaker
// (the one circuitbreaker.NewWithDefaults builds): count based, opens after 1
// failure, closes after 1 success, 1 minute delay.
func failsafeDefaults() circuitbreaker.Builder[any] {
	return circuitbreaker.NewBuilder[any]()
}

// failsafeTransitions returns the default builder with an OnStateChanged
// listener that counts the state changes in t.
func failsafeTransitions(t *transitions) circuitbreaker.Builder[any] {
	return failsafeDefaults().OnStateChanged(func(circuitbreaker.StateChangedEvent) { t.add() })
}

// failsafeCounting returns the default builder with the policy's execution
// listeners, OnSuccess and OnFailure, counting the outcomes in o. failsafe-go
// calls them for the executions the breaker records through an executor: not
// for a call it refuses, nor for outcomes recorded with the standalone API
// (RecordSuccess, RecordError).
func failsafeCounting(o *outcomes) circuitbreaker.Builder[any] {
	return failsafeDefaults().
		OnSuccess(func(failsafe.ExecutionEvent[any]) { o.success.Add(1) }).
		OnFailure(func(failsafe.ExecutionEvent[any]) { o.failure.Add(1) })
}

// failsafeTrips is how many failures open the default breaker.
const failsafeTrips = 1

// failsafeLongOpen returns the default builder with an open state lasting
// longCoolDown (WithDelay).
func failsafeLongOpen() circuitbreaker.Builder[any] {
	return failsafeDefaults().WithDelay(longCoolDown)
}

// failsafeNeverOpens returns a builder of a breaker that failures never open:
// time based, opening at a failure rate of 0.5 over a 1 minute window once
// unreachable executions were seen in it, as breakergenNeverOpens. A count-based
// threshold cannot be made unreachable this way: its window is a bitset as long
// as the threshold (128 MiB for this one).
func failsafeNeverOpens() circuitbreaker.Builder[any] {
	return failsafeDefaults().WithFailureRateThreshold(0.5, unreachable, time.Minute)
}

// newFailsafe builds a breaker with b and an executor around it, built once and
// reused for every call (an Executor is safe for concurrent use). Reusing the
// executor is the cheapest idiomatic form: failsafe.With(cb).Run(fn) on every
// call would build the same executor again each time.
func newFailsafe(b circuitbreaker.Builder[any]) (circuitbreaker.CircuitBreaker[any], failsafe.Executor[any]) {
	cb := b.Build()
	return cb, failsafe.With[any](cb)
}

// newFailsafeOpen returns a breaker built with failsafeLongOpen and its
// executor, opened by failsafeTrips failed calls through the executor.
func newFailsafeOpen() (circuitbreaker.CircuitBreaker[any], failsafe.Executor[any]) {
	cb, ex := newFailsafe(failsafeLongOpen())
	for range failsafeTrips {
		_ = failsafeRun(ex, fail)
	}
	return cb, ex
}

// newFailsafeMany builds n breakers with b (failsafe-go's breakers have no
// name).
func newFailsafeMany(n int, b circuitbreaker.Builder[any]) []circuitbreaker.CircuitBreaker[any] {
	cbs := make([]circuitbreaker.CircuitBreaker[any], n)
	for i := range cbs {
		cbs[i] = b.Build()
	}
	return cbs
}

// failsafeExecutors returns an executor around each breaker of cbs.
func failsafeExecutors(cbs []circuitbreaker.CircuitBreaker[any]) []failsafe.Executor[any] {
	exs := make([]failsafe.Executor[any], len(cbs))
	for i, cb := range cbs {
		exs[i] = failsafe.With[any](cb)
	}
	return exs
}

// failsafeRun runs fn through the executor ex with Executor.Run.
func failsafeRun(ex failsafe.Executor[any], fn func() error) error {
	return ex.Run(fn)
}

// failsafePermit runs fn through cb with failsafe-go's standalone API
// (TryAcquirePermit, then RecordSuccess or RecordError), the closest peer of
// breakergen's Allow and Done.
func failsafePermit(cb circuitbreaker.CircuitBreaker[any], fn func() error) error {
	if !cb.TryAcquirePermit() {
		return circuitbreaker.ErrOpen
	}
	err := fn()
	if err != nil {
		cb.RecordError(err)
	} else {
		cb.RecordSuccess()
	}
	return err
}
