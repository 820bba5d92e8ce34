package bench

import (
	"context"
	"fmt"
	"slices"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// Sub-benchmark names, in the order the benchmarks print them.
const (
	nameBreakergenAllowDone = "breakergen-allowdone"
	nameBreakergenRun       = "breakergen-run"
	nameGobreaker           = "gobreaker"
	nameGobreakerTwoStep    = "gobreaker-twostep"
	nameFailsafe            = "failsafe"
	nameFailsafePermit      = "failsafe-permit"
	nameCep21               = "cep21circuit"
)

// setup is the configuration a breaker is built in; each benchmark uses one.
type setup int

const (
	setupPlain       setup = iota // the library's defaults
	setupTransitions              // the defaults and one listener of state changes only
	setupCounting                 // the defaults and one per-call counting hook
	setupOpened                   // opened by failures, cooling down for longer than any benchmark
	setupNeverOpens               // a failure threshold the benchmarks never reach
)

// setupNames are the setups' names, for test names.
var setupNames = [...]string{setupPlain: "plain", setupTransitions: "transitions", setupCounting: "counting", setupOpened: "opened", setupNeverOpens: "never-opens"}

// String returns the setup's name.
func (s setup) String() string { return setupNames[s] }

// hooks are the hooks a breaker is built with in the setups that have them.
type hooks struct {
	transitions transitions
	outcomes    outcomes
}

// work is one protected call in each signature the contenders take.
type work struct {
	ctx   func(context.Context) error
	plain func() error
	value func() (struct{}, error)
}

// The calls the benchmarks time: a success and a failure.
var (
	succeed = work{ctx: nopCtx, plain: nop, value: nopValue}
	failing = work{ctx: failCtx, plain: fail, value: failValue}
)

// adapt returns fn in every signature, so tests can see each call.
func adapt(fn func() error) work {
	return work{
		ctx:   func(context.Context) error { return fn() },
		plain: fn,
		value: func() (struct{}, error) { return struct{}{}, fn() },
	}
}

// target is a breaker built for a benchmark.
type target struct {
	call     func() error // the timed call: the work through the breaker
	failures func() int64 // how many failures the breaker counts now
}

// contender is one row of the tables: a library and the API timed. The
// benchmarks and the tests below build breakers and calls with these very
// functions.
type contender struct {
	name string
	// lacks lists the setups the library has no equivalent of.
	lacks []setup
	// build makes a breaker for s, with the hooks h when s has one, and returns
	// the call of w through it.
	build func(s setup, h *hooks, w work) target
	// many makes one breaker per name in setup plain or neverOpens and returns a
	// call of w that goes round-robin over them; it is not safe for concurrent use.
	many func(names []string, s setup, w work) func() error
	// rejected reports whether err is the library's open-circuit rejection.
	rejected func(err error) bool
	// trips is how many consecutive failures open a breaker in setup plain.
	trips int
}

// has reports whether the library has an equivalent of s.
func (c contender) has(s setup) bool { return !slices.Contains(c.lacks, s) }

// contenders returns every row, in the order the benchmarks print them.
func contenders() []contender {
	return slices.Concat(breakergenContenders(), gobreakerContenders(), failsafeContenders(), cep21Contenders())
}

// ring hands out the indexes 0 to n-1 in turn.
type ring struct{ i, n int }

// next returns the next index.
func (r *ring) next() int {
	i := r.i
	if r.i++; r.i == r.n {
		r.i = 0
	}
	return i
}

// circuitNames returns n distinct circuit names.
func circuitNames(n int) []string {
	names := make([]string, n)
	for i := range names {
		names[i] = fmt.Sprintf("circuit-%d", i)
	}
	return names
}

// spy is a protected call that counts its runs and returns err.
type spy struct {
	runs int
	err  error
}

// work returns the spy in every signature.
func (s *spy) work() work { return adapt(func() error { s.runs++; return s.err }) }

// callOnce calls t with the spy returning err and reports how many times the
// spy ran and the error the call returned.
func (s *spy) callOnce(t target, err error) (int, error) {
	s.runs, s.err = 0, err
	got := t.call()
	return s.runs, got
}

// rows runs f on a fresh breaker of setup s for every contender that has one.
func rows(t *testing.T, s setup, f func(t *testing.T, c contender, tg target, sp *spy, h *hooks)) {
	for _, c := range contenders() {
		if !c.has(s) {
			continue
		}
		t.Run(c.name, func(t *testing.T) {
			sp, h := &spy{}, &hooks{}
			f(t, c, c.build(s, h, sp.work()), sp, h)
		})
	}
}

// TestContendersSucceed checks that the call of every setup with a closed
// circuit runs the protected call once and returns its nil error.
func TestContendersSucceed(t *testing.T) {
	for _, s := range []setup{setupPlain, setupTransitions, setupCounting, setupNeverOpens} {
		t.Run(fmt.Sprint(s), func(t *testing.T) {
			rows(t, s, func(t *testing.T, _ contender, tg target, sp *spy, _ *hooks) {
				for i := range 100 {
					runs, err := sp.callOnce(tg, nil)
					require.NoError(t, err, "call %d", i)
					require.Equal(t, 1, runs, "call %d", i)
				}
				assert.Zero(t, tg.failures())
			})
		})
	}
}

// TestContendersTrip checks that the default breakers are live: failures are
// returned untouched and counted, and once the default threshold is reached the
// next call is rejected with the library's own error, without running.
func TestContendersTrip(t *testing.T) {
	rows(t, setupPlain, func(t *testing.T, c contender, tg target, sp *spy, _ *hooks) {
		for i := 1; i <= c.trips; i++ {
			runs, err := sp.callOnce(tg, errDependency)
			require.Equal(t, 1, runs, "failure %d", i)
			require.Same(t, errDependency, err, "failure %d", i)
		}
		runs, err := sp.callOnce(tg, nil)
		require.Zero(t, runs, "after %d failures the call must be rejected", c.trips)
		require.True(t, c.rejected(err), "after %d failures: err = %v, want the library's open-circuit error", c.trips, err)
	})
}

// TestContendersTripNoEarlier checks that one failure fewer than the threshold
// leaves the circuit closed, so trips is the exact threshold and the circuits
// above were opened by their breaker's own counting.
func TestContendersTripNoEarlier(t *testing.T) {
	rows(t, setupPlain, func(t *testing.T, c contender, tg target, sp *spy, _ *hooks) {
		for range c.trips - 1 {
			_, _ = sp.callOnce(tg, errDependency)
		}
		runs, err := sp.callOnce(tg, nil)
		require.NoError(t, err)
		require.Equal(t, 1, runs)
	})
}

// TestContendersTransitionListener checks that the transitions-only listener is
// wired to the breaker: successes do not call it, and the failures that open the
// circuit (as many as the successes make the library need) call it once.
func TestContendersTransitionListener(t *testing.T) {
	rows(t, setupTransitions, func(t *testing.T, c contender, tg target, sp *spy, h *hooks) {
		for range 10 {
			_, _ = sp.callOnce(tg, nil)
		}
		require.Zero(t, h.transitions.count(), "successes of a closed circuit are no transition")
		var err error
		for range 100 {
			var runs int
			if runs, err = sp.callOnce(tg, errDependency); runs == 0 {
				break
			}
		}
		require.True(t, c.rejected(err), "err = %v, want the library's open-circuit error", err)
		assert.Equal(t, int64(1), h.transitions.count(), "opening is one transition")
	})
}

// TestContendersCallCounter checks that the per-call hook counts every call the
// breaker records, by outcome.
func TestContendersCallCounter(t *testing.T) {
	rows(t, setupCounting, func(t *testing.T, _ contender, tg target, sp *spy, h *hooks) {
		for range 5 {
			_, _ = sp.callOnce(tg, nil)
		}
		_, _ = sp.callOnce(tg, errDependency)
		o := &h.outcomes
		assert.Equal(t, int64(5), o.success.Load())
		assert.Equal(t, int64(1), o.failure.Load())
		assert.Zero(t, o.skipped.Load()+o.other.Load())
	})
}

// TestContendersSkip checks that the breakers of the skip benchmarks were
// opened by failures: every call is rejected with the library's own error,
// without running, and the failures that opened it are still counted.
func TestContendersSkip(t *testing.T) {
	rows(t, setupOpened, func(t *testing.T, c contender, tg target, sp *spy, _ *hooks) {
		for i := range 100 {
			runs, err := sp.callOnce(tg, nil)
			require.Zero(t, runs, "call %d", i)
			require.True(t, c.rejected(err), "call %d: err = %v, want the library's open-circuit error", i, err)
		}
	})
}

// TestContendersFailBelowThreshold checks that the breakers of the failure
// benchmarks record every failure and never open: far more failures than any
// default threshold are each run, returned untouched and counted, and a success
// still runs afterwards.
func TestContendersFailBelowThreshold(t *testing.T) {
	const failures = 1000
	rows(t, setupNeverOpens, func(t *testing.T, _ contender, tg target, sp *spy, _ *hooks) {
		for i := range failures {
			runs, err := sp.callOnce(tg, errDependency)
			require.Equal(t, 1, runs, "failure %d", i)
			require.Same(t, errDependency, err, "failure %d", i)
		}
		assert.Equal(t, int64(failures), tg.failures())
		runs, err := sp.callOnce(tg, nil)
		require.NoError(t, err)
		require.Equal(t, 1, runs)
	})
}

// TestContendersMany checks that the scale benchmarks' calls go round-robin
// over distinct live breakers: n times the threshold of failures all run (one
// breaker would have opened after the first trips of them), and then every one
// of the n breakers rejects a call.
func TestContendersMany(t *testing.T) {
	const n = 7
	for _, c := range contenders() {
		t.Run(c.name, func(t *testing.T) {
			sp := &spy{}
			call := c.many(circuitNames(n), setupPlain, sp.work())
			sp.err = errDependency
			for i := range n * c.trips {
				require.Same(t, errDependency, call(), "failure %d", i)
			}
			require.Equal(t, n*c.trips, sp.runs)
			for i := range n {
				err := call()
				require.True(t, c.rejected(err), "breaker %d: err = %v, want the library's open-circuit error", i, err)
			}
			require.Equal(t, n*c.trips, sp.runs)
		})
	}
}

// TestContendersManyNeverOpen checks that the breakers of the scale failure
// benchmark never open either.
func TestContendersManyNeverOpen(t *testing.T) {
	const n, rounds = 7, 100
	for _, c := range contenders() {
		t.Run(c.name, func(t *testing.T) {
			sp := &spy{err: errDependency}
			call := c.many(circuitNames(n), setupNeverOpens, sp.work())
			for i := range n * rounds {
				require.Same(t, errDependency, call(), "failure %d", i)
			}
			require.Equal(t, n*rounds, sp.runs)
		})
	}
}
