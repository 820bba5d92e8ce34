package runtime_test

import (
	"context"
	"errors"
	"fmt"
	goruntime "runtime"
	"sync/atomic"
	"testing"
	"time"

	"github.com/breakergen/breakergen/runtime"
	"github.com/breakergen/breakergen/runtime/callcount"
)

// Benchmarks of the hot paths on in-memory storage: a closed circuit's success,
// a failure below the threshold, a call refused by an open circuit, with no
// listener, a listener of transitions only, and a call counter; and the same
// with 10,000 circuits in one breaker.

var benchErr = errors.New("dependency failed")

// transitions is a listener that wants only transitions, as a log of state
// changes does.
func transitions() runtime.Option {
	return runtime.WithListener(runtime.ListenerFunc(func(runtime.Event) {}),
		runtime.EventOpened, runtime.EventReopened, runtime.EventClosed)
}

// calls is a callcount.Counter that counts every outcome in atomic counters, as a
// metrics collector does.
type calls struct{ n [8]atomic.Uint64 }

func (c *calls) Handle(runtime.Event) {}
func (c *calls) CountCalls(string) func(callcount.Outcome) {
	return func(o callcount.Outcome) { c.n[o].Add(1) }
}

func counted() runtime.Option {
	return runtime.WithListener(&calls{}, runtime.EventOpened, runtime.EventReopened, runtime.EventClosed)
}

// neverOpens keeps failures below the threshold.
var neverOpens = runtime.Options{SampleThreshold: 1 << 30}

func loop(b *testing.B, c *runtime.Circuit, err error) {
	ctx := context.Background()
	b.ReportAllocs()
	for b.Loop() {
		a, aerr := c.Allow(ctx)
		if aerr != nil {
			b.Fatal(aerr)
		}
		a.Done(ctx, err)
	}
}

func parallel(b *testing.B, c *runtime.Circuit, err error) {
	ctx := context.Background()
	b.ReportAllocs()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			a, aerr := c.Allow(ctx)
			if aerr != nil {
				b.Error(aerr)
				return
			}
			a.Done(ctx, err)
		}
	})
}

// BenchmarkAllowDone is the hot path: a closed circuit on memory storage, a
// successful call, no listeners.
func BenchmarkAllowDone(b *testing.B) { loop(b, runtime.MustNew().Circuit("bench"), nil) }

func BenchmarkAllowDoneParallel(b *testing.B) { parallel(b, runtime.MustNew().Circuit("bench"), nil) }

func BenchmarkAllowDoneTransitionListener(b *testing.B) {
	loop(b, runtime.MustNew(transitions()).Circuit("bench"), nil)
}

func BenchmarkAllowDoneTransitionListenerParallel(b *testing.B) {
	parallel(b, runtime.MustNew(transitions()).Circuit("bench"), nil)
}

func BenchmarkAllowDoneCallCounter(b *testing.B) {
	loop(b, runtime.MustNew(counted()).Circuit("bench"), nil)
}

func BenchmarkAllowDoneCallCounterParallel(b *testing.B) {
	parallel(b, runtime.MustNew(counted()).Circuit("bench"), nil)
}

func BenchmarkRun(b *testing.B) {
	c := runtime.MustNew().Circuit("bench")
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
	c := runtime.MustNew().Circuit("bench")
	ctx := context.Background()
	fn := func(context.Context) error { return nil }
	b.ReportAllocs()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			_ = c.Run(ctx, fn)
		}
	})
}

// BenchmarkFailure is a failure below the threshold.
func BenchmarkFailure(b *testing.B) {
	loop(b, runtime.MustNew().Circuit("bench", neverOpens), benchErr)
}

func BenchmarkFailureParallel(b *testing.B) {
	parallel(b, runtime.MustNew().Circuit("bench", neverOpens), benchErr)
}

// opened returns a circuit opened by failures, cooling down for an hour.
func opened(b *testing.B, opts ...runtime.Option) *runtime.Circuit {
	c := runtime.MustNew(opts...).Circuit("bench", runtime.Options{CoolDown: time.Hour})
	for range 3 {
		_ = c.Run(context.Background(), func(context.Context) error { return benchErr })
	}
	if _, err := c.Allow(context.Background()); err == nil {
		b.Fatal("not open")
	}
	return c
}

// BenchmarkSkip measures a call refused by an open circuit: the hot path of
// every outage.
func BenchmarkSkip(b *testing.B) {
	c := opened(b)
	ctx := context.Background()
	b.ReportAllocs()
	for b.Loop() {
		if _, err := c.Allow(ctx); err == nil {
			b.Fatal("not skipped")
		}
	}
}

func BenchmarkSkipParallel(b *testing.B) {
	c := opened(b)
	ctx := context.Background()
	b.ReportAllocs()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			if _, err := c.Allow(ctx); err == nil {
				b.Error("not skipped")
				return
			}
		}
	})
}

// manyCircuits is the number of circuits of the scale benchmarks.
const manyCircuits = 10_000

func many(opts ...runtime.Options) []*runtime.Circuit {
	br := runtime.MustNew()
	cs := make([]*runtime.Circuit, manyCircuits)
	for i := range cs {
		cs[i] = br.Circuit(fmt.Sprintf("circuit-%d", i), opts...)
	}
	return cs
}

func loopMany(b *testing.B, cs []*runtime.Circuit, err error) {
	ctx := context.Background()
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		c := cs[i]
		if i++; i == len(cs) {
			i = 0
		}
		a, aerr := c.Allow(ctx)
		if aerr != nil {
			b.Fatal(aerr)
		}
		a.Done(ctx, err)
	}
}

// BenchmarkManyCircuitsAllowDone is a closed success on each of 10,000
// circuits in turn: every call touches memory no recent call touched.
func BenchmarkManyCircuitsAllowDone(b *testing.B) { loopMany(b, many(), nil) }

// BenchmarkManyCircuitsFailure is a failure below the threshold on each of
// 10,000 circuits in turn.
func BenchmarkManyCircuitsFailure(b *testing.B) { loopMany(b, many(neverOpens), benchErr) }

// BenchmarkCircuitMemory reports the heap one idle circuit takes, bound and
// registered, after one call.
func BenchmarkCircuitMemory(b *testing.B) {
	for b.Loop() {
		var before, after goruntime.MemStats
		goruntime.GC()
		goruntime.ReadMemStats(&before)
		cs := many()
		for _, c := range cs {
			_ = c.Run(context.Background(), func(context.Context) error { return nil })
		}
		goruntime.GC()
		goruntime.ReadMemStats(&after)
		b.ReportMetric(float64(after.HeapAlloc-before.HeapAlloc)/manyCircuits, "B/circuit")
		goruntime.KeepAlive(cs)
	}
}

// The policies beyond Faulty's, on a closed circuit's success: SlowCall times
// every call (one more clock read), adaptive mode counts every call as
// requested and checks its rejection probability, a ramp only checks it is
// not ramping.

var (
	slowCall     = runtime.Options{SlowCall: 2 * time.Second}
	adaptiveMode = runtime.Options{Mode: runtime.ModeAdaptive}
	rampUp       = runtime.Options{Ramp: 30 * time.Second}
)

func BenchmarkAllowDoneSlowCall(b *testing.B) {
	loop(b, runtime.MustNew().Circuit("bench", slowCall), nil)
}

func BenchmarkAllowDoneSlowCallParallel(b *testing.B) {
	parallel(b, runtime.MustNew().Circuit("bench", slowCall), nil)
}

func BenchmarkAllowDoneAdaptive(b *testing.B) {
	loop(b, runtime.MustNew().Circuit("bench", adaptiveMode), nil)
}

func BenchmarkAllowDoneAdaptiveParallel(b *testing.B) {
	parallel(b, runtime.MustNew().Circuit("bench", adaptiveMode), nil)
}

func BenchmarkAllowDoneRamp(b *testing.B) { loop(b, runtime.MustNew().Circuit("bench", rampUp), nil) }

// BenchmarkAdaptiveThrottled measures an adaptive circuit whose dependency
// is down: nearly every call is rejected, the rest fail.
func BenchmarkAdaptiveThrottled(b *testing.B) {
	c := runtime.MustNew().Circuit("bench", adaptiveMode)
	ctx := context.Background()
	for range 1000 {
		_ = c.Run(ctx, func(context.Context) error { return benchErr })
	}
	b.ReportAllocs()
	for b.Loop() {
		if a, err := c.Allow(ctx); err == nil {
			a.Done(ctx, benchErr)
		}
	}
}
