package bench

import "github.com/sony/gobreaker/v2"

// gobreaker has no per-call hook: Settings offers OnStateChange for transitions
// and CircuitBreaker.Counts for the counts of the current generation (taken
// under the breaker's mutex and cleared on every state change), so there is no
// counting configuration here.

// gobreakerDefaults returns sony/gobreaker v2's default Settings (only a name):
// the breaker trips after more than 5 consecutive failures, stays open 60s, and
// never clears its counts while closed.
func gobreakerDefaults(name string) gobreaker.Settings {
	return gobreaker.Settings{Name: name}
}

// gobreakerTransitions returns the default Settings with an OnStateChange
// callback that counts the state changes in t.
func gobreakerTransitions(t *transitions) gobreaker.Settings {
	st := gobreakerDefaults("bench")
	st.OnStateChange = func(string, gobreaker.State, gobreaker.State) { t.add() }
	return st
}

// gobreakerTrips is how many consecutive failures trip a breaker with the
// default ReadyToTrip (more than 5).
const gobreakerTrips = 6

// gobreakerLongOpen returns the default Settings with an open state lasting
// longCoolDown (Timeout).
func gobreakerLongOpen() gobreaker.Settings {
	st := gobreakerDefaults("bench")
	st.Timeout = longCoolDown
	return st
}

// gobreakerNeverOpens returns the default Settings with the default trip rule's
// threshold raised: ReadyToTrip trips after more than unreachable consecutive
// failures instead of 5.
func gobreakerNeverOpens() gobreaker.Settings {
	st := gobreakerDefaults("bench")
	st.ReadyToTrip = func(c gobreaker.Counts) bool { return c.ConsecutiveFailures > unreachable }
	return st
}

// newGobreaker returns a breaker with Settings st. The result type is struct{}
// so that no value is boxed.
func newGobreaker(st gobreaker.Settings) *gobreaker.CircuitBreaker[struct{}] {
	return gobreaker.NewCircuitBreaker[struct{}](st)
}

// newGobreakerOpen returns a breaker with gobreakerLongOpen, tripped by
// gobreakerTrips failed calls through Execute.
func newGobreakerOpen() *gobreaker.CircuitBreaker[struct{}] {
	cb := newGobreaker(gobreakerLongOpen())
	for range gobreakerTrips {
		_ = gobreakerExecute(cb, failValue)
	}
	return cb
}

// newGobreakerMany returns one breaker per name, each with Settings st named
// after it.
func newGobreakerMany(names []string, st gobreaker.Settings) []*gobreaker.CircuitBreaker[struct{}] {
	cbs := make([]*gobreaker.CircuitBreaker[struct{}], len(names))
	for i, name := range names {
		st.Name = name
		cbs[i] = newGobreaker(st)
	}
	return cbs
}

// gobreakerExecute runs fn through cb with CircuitBreaker.Execute, which also
// recovers, records and re-panics a panic in fn.
func gobreakerExecute(cb *gobreaker.CircuitBreaker[struct{}], fn func() (struct{}, error)) error {
	_, err := cb.Execute(fn)
	return err
}

// newGobreakerTwoStep returns gobreaker's two-step breaker with Settings st; it
// is the closest peer of breakergen's Allow and Done.
func newGobreakerTwoStep(st gobreaker.Settings) *gobreaker.TwoStepCircuitBreaker[struct{}] {
	return gobreaker.NewTwoStepCircuitBreaker[struct{}](st)
}

// newGobreakerTwoStepOpen returns a two-step breaker with gobreakerLongOpen,
// tripped by gobreakerTrips failed calls through Allow and done.
func newGobreakerTwoStepOpen() *gobreaker.TwoStepCircuitBreaker[struct{}] {
	cb := newGobreakerTwoStep(gobreakerLongOpen())
	for range gobreakerTrips {
		_ = gobreakerTwoStep(cb, fail)
	}
	return cb
}

// newGobreakerTwoStepMany returns one two-step breaker per name, each with
// Settings st named after it.
func newGobreakerTwoStepMany(names []string, st gobreaker.Settings) []*gobreaker.TwoStepCircuitBreaker[struct{}] {
	cbs := make([]*gobreaker.TwoStepCircuitBreaker[struct{}], len(names))
	for i, name := range names {
		st.Name = name
		cbs[i] = newGobreakerTwoStep(st)
	}
	return cbs
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
