package bench

import (
	"context"
	"testing"
)

// No-op protected calls, one per contender signature; each benchmark op calls
// exactly one of them through its breaker.
var (
	nopCtx   = func(context.Context) error { return nil }
	nop      = func() error { return nil }
	nopValue = func() (struct{}, error) { return struct{}{}, nil }
)

// BenchmarkSuccess times one successful no-op call through a closed circuit,
// from a single goroutine.
func BenchmarkSuccess(b *testing.B) {
	ctx := context.Background()
	b.Run(nameBreakergenAllowDone, func(b *testing.B) {
		c := newBreakergen()
		b.ReportAllocs()
		for b.Loop() {
			if err := breakergenAllowDone(ctx, c, nopCtx); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run(nameBreakergenRun, func(b *testing.B) {
		c := newBreakergen()
		b.ReportAllocs()
		for b.Loop() {
			if err := breakergenRun(ctx, c, nopCtx); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run(nameGobreaker, func(b *testing.B) {
		cb := newGobreaker()
		b.ReportAllocs()
		for b.Loop() {
			if err := gobreakerExecute(cb, nopValue); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run(nameGobreakerTwoStep, func(b *testing.B) {
		cb := newGobreakerTwoStep()
		b.ReportAllocs()
		for b.Loop() {
			if err := gobreakerTwoStep(cb, nop); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run(nameFailsafe, func(b *testing.B) {
		_, ex := newFailsafe()
		b.ReportAllocs()
		for b.Loop() {
			if err := failsafeRun(ex, nop); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run(nameFailsafePermit, func(b *testing.B) {
		cb, _ := newFailsafe()
		b.ReportAllocs()
		for b.Loop() {
			if err := failsafePermit(cb, nop); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run(nameCep21, func(b *testing.B) {
		c := newCep21()
		b.ReportAllocs()
		for b.Loop() {
			if err := cep21Run(ctx, c, nopCtx); err != nil {
				b.Fatal(err)
			}
		}
	})
}

// BenchmarkSuccessParallel times the same call as BenchmarkSuccess from
// b.RunParallel (GOMAXPROCS goroutines) on one shared circuit.
func BenchmarkSuccessParallel(b *testing.B) {
	ctx := context.Background()
	b.Run(nameBreakergenAllowDone, func(b *testing.B) {
		c := newBreakergen()
		b.ReportAllocs()
		b.RunParallel(func(pb *testing.PB) {
			for pb.Next() {
				if err := breakergenAllowDone(ctx, c, nopCtx); err != nil {
					b.Error(err)
					return
				}
			}
		})
	})
	b.Run(nameBreakergenRun, func(b *testing.B) {
		c := newBreakergen()
		b.ReportAllocs()
		b.RunParallel(func(pb *testing.PB) {
			for pb.Next() {
				if err := breakergenRun(ctx, c, nopCtx); err != nil {
					b.Error(err)
					return
				}
			}
		})
	})
	b.Run(nameGobreaker, func(b *testing.B) {
		cb := newGobreaker()
		b.ReportAllocs()
		b.RunParallel(func(pb *testing.PB) {
			for pb.Next() {
				if err := gobreakerExecute(cb, nopValue); err != nil {
					b.Error(err)
					return
				}
			}
		})
	})
	b.Run(nameGobreakerTwoStep, func(b *testing.B) {
		cb := newGobreakerTwoStep()
		b.ReportAllocs()
		b.RunParallel(func(pb *testing.PB) {
			for pb.Next() {
				if err := gobreakerTwoStep(cb, nop); err != nil {
					b.Error(err)
					return
				}
			}
		})
	})
	b.Run(nameFailsafe, func(b *testing.B) {
		_, ex := newFailsafe()
		b.ReportAllocs()
		b.RunParallel(func(pb *testing.PB) {
			for pb.Next() {
				if err := failsafeRun(ex, nop); err != nil {
					b.Error(err)
					return
				}
			}
		})
	})
	b.Run(nameFailsafePermit, func(b *testing.B) {
		cb, _ := newFailsafe()
		b.ReportAllocs()
		b.RunParallel(func(pb *testing.PB) {
			for pb.Next() {
				if err := failsafePermit(cb, nop); err != nil {
					b.Error(err)
					return
				}
			}
		})
	})
	b.Run(nameCep21, func(b *testing.B) {
		c := newCep21()
		b.ReportAllocs()
		b.RunParallel(func(pb *testing.PB) {
			for pb.Next() {
				if err := cep21Run(ctx, c, nopCtx); err != nil {
					b.Error(err)
					return
				}
			}
		})
	})
}
