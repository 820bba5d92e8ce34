package bench

import (
	"context"

	"github.com/breakergen/breakergen/runtime"
	"github.com/breakergen/breakergen/runtime/callcount"
)

// newBreakergen returns a breakergen circuit as a user gets it with no
// configuration: in-memory storage, default options (cool-down 5m, window 1m,
// rate 0.5, 3 samples), no listener.
func newBreakergen() *runtime.Circuit {
	return runtime.MustNew().Circuit("bench")
}

// newBreakergenTransitions returns the circuit of newBreakergen with one
// listener that wants only transitions (opened, reopened, closed) and counts
// them in t.
func newBreakergenTransitions(t *transitions) *runtime.Circuit {
	l := runtime.ListenerFunc(func(runtime.Event) { t.add() })
	return runtime.MustNew(runtime.WithListener(l, breakergenTransitionTypes...)).Circuit("bench")
}

// breakergenTransitionTypes are the event types of a state change.
var breakergenTransitionTypes = []runtime.EventType{runtime.EventOpened, runtime.EventReopened, runtime.EventClosed}

// newBreakergenCounting returns the circuit of newBreakergen with one listener
// that implements callcount.Counter and counts every call in o. It lists the
// transition types, as a metrics collector that also tracks the state would:
// listing none would make it want every event, and then a success needs a
// status read.
func newBreakergenCounting(o *outcomes) *runtime.Circuit {
	l := breakergenCounter{o: o}
	return runtime.MustNew(runtime.WithListener(l, breakergenTransitionTypes...)).Circuit("bench")
}

// breakergenCounter adapts outcomes to callcount.Counter. Its Handle ignores
// the transitions it receives.
type breakergenCounter struct{ o *outcomes }

// Handle ignores the event.
func (breakergenCounter) Handle(runtime.Event) {}

// CountCalls returns the function that counts the calls of one circuit, once
// per circuit.
func (c breakergenCounter) CountCalls(string) func(callcount.Outcome) {
	o := c.o
	return func(oc callcount.Outcome) {
		switch oc {
		case callcount.Success:
			o.success.Add(1)
		case callcount.Failure:
			o.failure.Add(1)
		case callcount.Skipped:
			o.skipped.Add(1)
		default:
			o.other.Add(1)
		}
	}
}

// breakergenTrips is how many consecutive failures open a circuit with the
// default options: three samples at a rate of 0.5.
const breakergenTrips = 3

// newBreakergenOpen returns a circuit with the default options but a cool-down
// of longCoolDown, opened by breakergenTrips failed calls through Allow and
// Done, so that every later call is refused for the rest of the run.
func newBreakergenOpen() *runtime.Circuit {
	c := runtime.MustNew().Circuit("bench", runtime.Options{CoolDown: longCoolDown})
	for range breakergenTrips {
		_ = breakergenAllowDone(context.Background(), c, failCtx)
	}
	return c
}

// breakergenNeverOpens are the options of a circuit that failures never open:
// the defaults with a sample threshold the benchmarks never reach.
var breakergenNeverOpens = runtime.Options{SampleThreshold: unreachable}

// newBreakergenNeverOpens returns a circuit with breakergenNeverOpens.
func newBreakergenNeverOpens() *runtime.Circuit {
	return runtime.MustNew().Circuit("bench", breakergenNeverOpens)
}

// newBreakergenMany returns one circuit per name, all of one Breaker (one
// in-memory storage), each with the options o laid over the defaults.
func newBreakergenMany(names []string, o runtime.Options) []*runtime.Circuit {
	b := runtime.MustNew()
	cs := make([]*runtime.Circuit, len(names))
	for i, name := range names {
		cs[i] = b.Circuit(name, o)
	}
	return cs
}

// breakergenAllowDone runs fn through c with the two-step API a generated
// decorator uses: Allow, the call, Done.
func breakergenAllowDone(ctx context.Context, c *runtime.Circuit, fn func(context.Context) error) error {
	a, err := c.Allow(ctx)
	if err != nil {
		return err
	}
	err = fn(ctx)
	a.Done(ctx, err)
	return err
}

// breakergenRun runs fn through c with Circuit.Run, which also records a panic
// in fn as a failure.
func breakergenRun(ctx context.Context, c *runtime.Circuit, fn func(context.Context) error) error {
	return c.Run(ctx, fn)
}
