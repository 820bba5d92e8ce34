package prombreaker_test

import (
	"context"
	"testing"

	"github.com/breakergen/breakergen/prombreaker"
	"github.com/breakergen/breakergen/runtime"
)

// The cost of the collector on the hot path: a closed circuit's successful
// Allow+Done on memory storage, with the collector attached and with no
// listener, on one goroutine and on every processor.

func collected() *runtime.Circuit {
	col := prombreaker.MustNewCollector()
	b := runtime.MustNew(runtime.WithListener(col))
	col.Watch(b)
	return b.Circuit("bench")
}

func allowDone(b *testing.B, c *runtime.Circuit) {
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

func allowDoneParallel(b *testing.B, c *runtime.Circuit) {
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

func BenchmarkAllowDoneNoListener(b *testing.B) { allowDone(b, runtime.MustNew().Circuit("bench")) }

func BenchmarkAllowDoneCollector(b *testing.B) { allowDone(b, collected()) }

func BenchmarkAllowDoneNoListenerParallel(b *testing.B) {
	allowDoneParallel(b, runtime.MustNew().Circuit("bench"))
}

func BenchmarkAllowDoneCollectorParallel(b *testing.B) { allowDoneParallel(b, collected()) }
