package bench

import (
	"context"
	"errors"
	"testing"

	"github.com/breakergen/breakergen/runtime"
	"github.com/cep21/circuit/v4"
	"github.com/failsafe-go/failsafe-go/circuitbreaker"
	"github.com/sony/gobreaker/v2"
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

var errDependency = errors.New("dependency failed")

// contender drives one benchmarked call function with an arbitrary fn, on a
// fresh breaker built by the same constructor the benchmark uses.
type contender struct {
	name string
	// start builds the breaker and returns the benchmarked call, adapted to fn.
	start func() func(fn func() error) error
	// rejected reports whether err is the library's "circuit open" rejection.
	rejected func(err error) bool
	// trips is how many consecutive failures the default configuration needs
	// before it rejects the next call.
	trips int
}

func contenders() []contender {
	ctx := context.Background()
	isCep21Open := func(err error) bool {
		var ce circuit.Error
		return errors.As(err, &ce) && ce.CircuitOpen()
	}
	return []contender{
		{
			name: nameBreakergenAllowDone,
			start: func() func(func() error) error {
				c := newBreakergen()
				return func(fn func() error) error {
					return breakergenAllowDone(ctx, c, func(context.Context) error { return fn() })
				}
			},
			rejected: func(err error) bool { return errors.Is(err, runtime.ErrOpen) },
			trips:    3,
		},
		{
			name: nameBreakergenRun,
			start: func() func(func() error) error {
				c := newBreakergen()
				return func(fn func() error) error {
					return breakergenRun(ctx, c, func(context.Context) error { return fn() })
				}
			},
			rejected: func(err error) bool { return errors.Is(err, runtime.ErrOpen) },
			trips:    3,
		},
		{
			name: nameGobreaker,
			start: func() func(func() error) error {
				cb := newGobreaker()
				return func(fn func() error) error {
					return gobreakerExecute(cb, func() (struct{}, error) { return struct{}{}, fn() })
				}
			},
			rejected: func(err error) bool { return errors.Is(err, gobreaker.ErrOpenState) },
			trips:    6,
		},
		{
			name: nameGobreakerTwoStep,
			start: func() func(func() error) error {
				cb := newGobreakerTwoStep()
				return func(fn func() error) error { return gobreakerTwoStep(cb, fn) }
			},
			rejected: func(err error) bool { return errors.Is(err, gobreaker.ErrOpenState) },
			trips:    6,
		},
		{
			name: nameFailsafe,
			start: func() func(func() error) error {
				_, ex := newFailsafe()
				return func(fn func() error) error { return failsafeRun(ex, fn) }
			},
			rejected: func(err error) bool { return errors.Is(err, circuitbreaker.ErrOpen) },
			trips:    1,
		},
		{
			name: nameFailsafePermit,
			start: func() func(func() error) error {
				cb, _ := newFailsafe()
				return func(fn func() error) error { return failsafePermit(cb, fn) }
			},
			rejected: func(err error) bool { return errors.Is(err, circuitbreaker.ErrOpen) },
			trips:    1,
		},
		{
			name: nameCep21,
			start: func() func(func() error) error {
				c := newCep21()
				return func(fn func() error) error {
					return cep21Run(ctx, c, func(context.Context) error { return fn() })
				}
			},
			rejected: isCep21Open,
			trips:    20,
		},
	}
}

// TestContendersSucceed checks that the benchmarked path runs the call once and
// returns its nil error.
func TestContendersSucceed(t *testing.T) {
	for _, tc := range contenders() {
		t.Run(tc.name, func(t *testing.T) {
			call := tc.start()
			for i := range 100 {
				calls := 0
				if err := call(func() error { calls++; return nil }); err != nil {
					t.Fatalf("call %d: err = %v, want nil", i, err)
				}
				if calls != 1 {
					t.Fatalf("call %d: fn ran %d times, want 1", i, calls)
				}
			}
		})
	}
}

// TestContendersTrip checks that the benchmarked path goes through a live
// breaker: failures are returned untouched and counted, and once the default
// threshold is reached the next call is rejected without running.
func TestContendersTrip(t *testing.T) {
	for _, tc := range contenders() {
		t.Run(tc.name, func(t *testing.T) {
			call := tc.start()
			for i := 1; i <= tc.trips; i++ {
				calls := 0
				err := call(func() error { calls++; return errDependency })
				if calls != 1 || !errors.Is(err, errDependency) {
					t.Fatalf("failure %d: fn ran %d times, err = %v; want 1 run and %v", i, calls, err, errDependency)
				}
			}
			ran := false
			err := call(func() error { ran = true; return nil })
			if ran {
				t.Fatalf("after %d failures: fn ran, want the call rejected", tc.trips)
			}
			if !tc.rejected(err) {
				t.Fatalf("after %d failures: err = %v, want the library's open-circuit error", tc.trips, err)
			}
		})
	}
}

// TestContendersTripNoEarlier checks that one failure fewer than the threshold
// leaves the circuit closed, so trips is the exact threshold and the circuits
// above were tripped by their breaker's own counting.
func TestContendersTripNoEarlier(t *testing.T) {
	for _, tc := range contenders() {
		t.Run(tc.name, func(t *testing.T) {
			call := tc.start()
			for range tc.trips - 1 {
				_ = call(func() error { return errDependency })
			}
			ran := false
			if err := call(func() error { ran = true; return nil }); err != nil || !ran {
				t.Fatalf("after %d failures: ran = %v, err = %v; want the call to run", tc.trips-1, ran, err)
			}
		})
	}
}
