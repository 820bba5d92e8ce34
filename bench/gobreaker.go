package bench

import "github.com/sony/gobreaker/v2"

// newGobreaker returns a sony/gobreaker v2 breaker with default Settings (only a
// name): it trips after more than 5 consecutive failures, stays open 60s, and
// never clears its counts while closed. The result type is struct{} so that no
// value is boxed.
func newGobreaker() *gobreaker.CircuitBreaker[struct{}] {
	return gobreaker.NewCircuitBreaker[struct{}](gobreaker.Settings{Name: "bench"})
}

// gobreakerExecute runs fn through cb with CircuitBreaker.Execute, which also
// recovers, records and re-panics a panic in fn.
func gobreakerExecute(cb *gobreaker.CircuitBreaker[struct{}], fn func() (struct{}, error)) error {
	_, err := cb.Execute(fn)
	return err
}

// newGobreakerTwoStep returns gobreaker's two-step breaker with the same default
// Settings as newGobreaker; it is the closest peer of breakergen's Allow and Done.
func newGobreakerTwoStep() *gobreaker.TwoStepCircuitBreaker[struct{}] {
	return gobreaker.NewTwoStepCircuitBreaker[struct{}](gobreaker.Settings{Name: "bench"})
}

// gobreakerTwoStep runs fn through cb with Allow and the returned done callback.
func gobreakerTwoStep(cb *gobreaker.TwoStepCircuitBreaker[struct{}], fn func() error) error {
	done, err := cb.Allow()
	if err != nil {
		return err
	}
	err = fn()
	done(err)
	return err
}
