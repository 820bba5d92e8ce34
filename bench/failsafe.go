package bench

import (
	"github.com/failsafe-go/failsafe-go"
	"github.com/failsafe-go/failsafe-go/circuitbreaker"
)

// newFailsafe returns a failsafe-go circuit breaker with its defaults
// (circuitbreaker.NewWithDefaults: count based, opens after 1 failure, closes
// after 1 success, 1 minute delay) and an executor around it, built once and
// reused for every call (an Executor is safe for concurrent use). Reusing the
// executor is the cheapest idiomatic form: failsafe.With(cb).Run(fn) on every
// call would build the same executor again each time.
func newFailsafe() (circuitbreaker.CircuitBreaker[any], failsafe.Executor[any]) {
	cb := circuitbreaker.NewWithDefaults[any]()
	return cb, failsafe.With[any](cb)
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
