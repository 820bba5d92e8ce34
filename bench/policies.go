package bench

import (
	"time"

	"github.com/failsafe-go/failsafe-go"
	"github.com/failsafe-go/failsafe-go/adaptivethrottler"

	"github.com/breakergen/breakergen/runtime"
)

// The policies beyond Faulty's, timed beside the nearest each other library
// offers (policies_bench_test.go): gobreaker v2.4.0 has none of them;
// failsafe-go v0.9.8 has no slow-call threshold, ramp or backoff in its
// circuit breaker, but an adaptive throttler, Google SRE's client-side
// throttling as breakergen's ModeAdaptive is.

// breakergenSlowCall, breakergenAdaptive: breakergen's default circuit with
// SlowCall 2s, and in adaptive mode (K 2).
var (
	breakergenSlowCall = runtime.Options{SlowCall: 2 * time.Second}
	breakergenAdaptive = runtime.Options{Mode: runtime.ModeAdaptive}
)

// newBreakergenPolicy returns breakergen's default circuit with o.
func newBreakergenPolicy(o runtime.Options) *runtime.Circuit {
	return runtime.MustNew().Circuit("bench", o)
}

// newFailsafeAdaptive returns failsafe-go's adaptive throttler with its
// defaults (a failure rate threshold of 0.1 over a minute, rejecting at most
// 90 % of the calls) and an executor around it, built once.
func newFailsafeAdaptive() (adaptivethrottler.AdaptiveThrottler[any], failsafe.Executor[any]) {
	at := adaptivethrottler.NewWithDefaults[any]()
	return at, failsafe.With[any](at)
}

// failsafeAdaptivePermit runs fn through at with TryAcquirePermit and
// RecordError, the throttler's standalone use: the nearest peer of Allow and
// Done.
func failsafeAdaptivePermit(at adaptivethrottler.AdaptiveThrottler[any], fn func() error) error {
	if !at.TryAcquirePermit() {
		return adaptivethrottler.ErrExceeded
	}
	err := fn()
	at.RecordError(err)
	return err
}
