package runtime_test

import (
	"context"
	"testing"

	"github.com/breakergen/breakergen/runtime"
)

// BenchmarkAllowDone is the hot path: a closed circuit on memory storage, a
// successful call, no listeners.
func BenchmarkAllowDone(b *testing.B) {
	c := runtime.New().Circuit("bench")
	ctx := context.Background()
	b.ReportAllocs()
	for b.Loop() {
		a, err := c.Allow(ctx)
		if err != nil {
			b.Fatal(err)
		}
		a.Done(ctx, nil)
	}
}

func BenchmarkAllowDoneParallel(b *testing.B) {
	c := runtime.New().Circuit("bench")
	ctx := context.Background()
	b.ReportAllocs()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			a, err := c.Allow(ctx)
			if err != nil {
				b.Error(err)
				return
			}
			a.Done(ctx, nil)
		}
	})
}

func BenchmarkRun(b *testing.B) {
	c := runtime.New().Circuit("bench")
	ctx := context.Background()
	fn := func(context.Context) error { return nil }
	b.ReportAllocs()
	for b.Loop() {
		if err := c.Run(ctx, fn); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkRunParallel(b *testing.B) {
	c := runtime.New().Circuit("bench")
	ctx := context.Background()
	fn := func(context.Context) error { return nil }
	b.ReportAllocs()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			_ = c.Run(ctx, fn)
		}
	})
}

// BenchmarkSkip measures a call skipped by an open circuit.
func BenchmarkSkip(b *testing.B) {
	c := runtime.New().Circuit("bench")
	ctx := context.Background()
	_ = c.LockOpen(ctx)
	b.ReportAllocs()
	for b.Loop() {
		if _, err := c.Allow(ctx); err == nil {
			b.Fatal("not skipped")
		}
	}
}
