package bench

import (
	"context"
	"testing"

	"github.com/failsafe-go/failsafe-go/adaptivethrottler"
	"github.com/sony/gobreaker/v2"
)

// policyRow is one row of the policy benchmarks: a library, the policy set,
// and the call of w through a fresh breaker.
type policyRow struct {
	name  string
	build func(w work) func() error
}

// policyRows returns the rows of the policy benchmarks, in print order.
func policyRows() []policyRow {
	return []policyRow{
		{"breakergen-classic", func(w work) func() error {
			c := newBreakergen()
			return func() error { return breakergenAllowDone(context.Background(), c, w.ctx) }
		}},
		{"breakergen-slowcall", func(w work) func() error {
			c := newBreakergenPolicy(breakergenSlowCall)
			return func() error { return breakergenAllowDone(context.Background(), c, w.ctx) }
		}},
		{"breakergen-adaptive", func(w work) func() error {
			c := newBreakergenPolicy(breakergenAdaptive)
			return func() error { return breakergenAllowDone(context.Background(), c, w.ctx) }
		}},
		{"gobreaker", func(w work) func() error {
			cb := gobreaker.NewCircuitBreaker[struct{}](gobreakerDefaults("bench"))
			return func() error { return gobreakerExecute(cb, w.value) }
		}},
		{"failsafe-adaptive", func(w work) func() error {
			_, ex := newFailsafeAdaptive()
			return func() error { return ex.Run(w.plain) }
		}},
		{"failsafe-adaptive-permit", func(w work) func() error {
			at, _ := newFailsafeAdaptive()
			return func() error { return failsafeAdaptivePermit(at, w.plain) }
		}},
	}
}

// eachPolicyRow runs one sub-benchmark per policy row.
func eachPolicyRow(b *testing.B, w work, timed func(b *testing.B, call func() error)) {
	for _, r := range policyRows() {
		b.Run(r.name, func(b *testing.B) { timed(b, r.build(w)) })
	}
}

// BenchmarkPolicySuccess times one successful no-op call through a closed
// circuit with each policy, from a single goroutine: breakergen classic,
// with SlowCall and in adaptive mode, gobreaker's defaults, and failsafe-go's
// adaptive throttler.
func BenchmarkPolicySuccess(b *testing.B) { eachPolicyRow(b, succeed, returning(nil)) }

// BenchmarkPolicySuccessParallel times the call of BenchmarkPolicySuccess
// from b.RunParallel on one shared circuit.
func BenchmarkPolicySuccessParallel(b *testing.B) {
	eachPolicyRow(b, succeed, returningParallel(nil))
}

// outage returns a call of w through the row's breaker after 1,000 failed
// calls: the breaker refuses most calls (adaptive throttling) or every call
// (an open circuit), and the calls that run fail.
func outage(r policyRow) func() error {
	sp := &spy{err: errDependency}
	call := r.build(sp.work())
	for range 1000 {
		_ = call()
	}
	return call
}

// BenchmarkPolicyOutage times one call during a full outage, after 1,000
// failures: refused, or run and failed, as each breaker decides.
func BenchmarkPolicyOutage(b *testing.B) {
	for _, r := range policyRows() {
		b.Run(r.name, func(b *testing.B) {
			call := outage(r)
			b.ReportAllocs()
			for b.Loop() {
				if call() == nil {
					b.Fatal("a call succeeded during the outage")
				}
			}
		})
	}
}

// rejectedByThrottler reports whether err is failsafe-go's throttling
// rejection.
func rejectedByThrottler(err error) bool { return err == adaptivethrottler.ErrExceeded }
