package bench

import (
	"context"
	"time"

	"github.com/cep21/circuit/v4"
	"github.com/cep21/circuit/v4/closers/hystrix"
)

// cep21Execution is the execution config of every cep21/circuit circuit here:
// it turns off what a plain breaker does not do. The default 1s Timeout wraps
// every call's context in context.WithDeadline and its timer (Timeout: -1), and
// the default limit of 10 concurrent calls is a bulkhead
// (MaxConcurrentRequests: -1).
var cep21Execution = circuit.ExecutionConfig{Timeout: -1, MaxConcurrentRequests: -1}

// newCep21With returns a circuit of a new Manager that uses the library's
// Hystrix logic configured by f, with the metrics collectors m. A Manager with
// no configuration makes circuits that never open, so the Hystrix opener and
// closer are the library's plain breaker; with hystrix.Factory{} they have their
// defaults: open at 50% errors over at least 20 requests in a 10s window, probe
// after 5s.
func newCep21With(f hystrix.Factory, m circuit.MetricsCollectors) *circuit.Circuit {
	mgr := circuit.Manager{DefaultCircuitProperties: []circuit.CommandPropertiesConstructor{f.Configure}}
	return mgr.MustCreateCircuit("bench", circuit.Config{Execution: cep21Execution, Metrics: m})
}

// newCep21 returns a circuit with the default Hystrix logic and no metrics
// collector of the caller's.
func newCep21() *circuit.Circuit {
	return newCep21With(hystrix.Factory{}, circuit.MetricsCollectors{})
}

// newCep21Transitions returns the circuit of newCep21 with a circuit metrics
// collector (circuit.Metrics: Opened, Closed) counting the state changes in t.
func newCep21Transitions(t *transitions) *circuit.Circuit {
	m := circuit.MetricsCollectors{Circuit: []circuit.Metrics{cep21Transitions{t: t}}}
	return newCep21With(hystrix.Factory{}, m)
}

// cep21Transitions adapts transitions to circuit.Metrics.
type cep21Transitions struct{ t *transitions }

// Opened counts a state change.
func (c cep21Transitions) Opened(context.Context, time.Time) { c.t.add() }

// Closed counts a state change.
func (c cep21Transitions) Closed(context.Context, time.Time) { c.t.add() }

// newCep21Counting returns the circuit of newCep21 with a run metrics collector
// (circuit.RunMetrics) counting every call's outcome in o.
func newCep21Counting(o *outcomes) *circuit.Circuit {
	m := circuit.MetricsCollectors{Run: []circuit.RunMetrics{cep21Counter{o: o}}}
	return newCep21With(hystrix.Factory{}, m)
}

// cep21Counter adapts outcomes to circuit.RunMetrics, which the circuit calls
// exactly once per call.
type cep21Counter struct{ o *outcomes }

// Success counts a success.
func (c cep21Counter) Success(context.Context, time.Time, time.Duration) { c.o.success.Add(1) }

// ErrFailure counts a failure.
func (c cep21Counter) ErrFailure(context.Context, time.Time, time.Duration) { c.o.failure.Add(1) }

// ErrShortCircuit counts a call refused by the open circuit.
func (c cep21Counter) ErrShortCircuit(context.Context, time.Time) { c.o.skipped.Add(1) }

// ErrTimeout counts a call that ran past the execution timeout.
func (c cep21Counter) ErrTimeout(context.Context, time.Time, time.Duration) { c.o.other.Add(1) }

// ErrBadRequest counts a call that failed with a bad-request error.
func (c cep21Counter) ErrBadRequest(context.Context, time.Time, time.Duration) { c.o.other.Add(1) }

// ErrInterrupt counts a call that failed after its caller's context ended.
func (c cep21Counter) ErrInterrupt(context.Context, time.Time, time.Duration) { c.o.other.Add(1) }

// ErrConcurrencyLimitReject counts a call refused by the concurrency limit.
func (c cep21Counter) ErrConcurrencyLimitReject(context.Context, time.Time) { c.o.other.Add(1) }

// cep21Trips is how many failed calls, and no success, open a circuit with the
// default Hystrix opener: 20 requests at 50% errors or more.
const cep21Trips = 20

// newCep21Open returns a circuit with the default Hystrix logic but a sleep
// window (the time before a probe) of longCoolDown, opened by cep21Trips failed
// calls through Run.
func newCep21Open() *circuit.Circuit {
	f := hystrix.Factory{ConfigureCloser: hystrix.ConfigureCloser{SleepWindow: longCoolDown}}
	c := newCep21With(f, circuit.MetricsCollectors{})
	for range cep21Trips {
		_ = cep21Run(context.Background(), c, failCtx)
	}
	return c
}

// cep21NeverOpens is Hystrix logic that failures never open: the defaults with a
// request volume threshold (the samples needed in the window before the circuit
// may open) of unreachable instead of 20.
var cep21NeverOpens = hystrix.Factory{ConfigureOpener: hystrix.ConfigureOpener{RequestVolumeThreshold: unreachable}}

// newCep21NeverOpens returns a circuit with cep21NeverOpens.
func newCep21NeverOpens() *circuit.Circuit {
	return newCep21With(cep21NeverOpens, circuit.MetricsCollectors{})
}

// newCep21Many returns one circuit per name, all of one Manager that uses the
// Hystrix logic configured by f.
func newCep21Many(names []string, f hystrix.Factory) []*circuit.Circuit {
	mgr := circuit.Manager{DefaultCircuitProperties: []circuit.CommandPropertiesConstructor{f.Configure}}
	cs := make([]*circuit.Circuit, len(names))
	for i, name := range names {
		cs[i] = mgr.MustCreateCircuit(name, circuit.Config{Execution: cep21Execution})
	}
	return cs
}

// cep21Run runs fn through c with Circuit.Run (Execute without a fallback);
// Circuit.Go, which runs fn on a new goroutine, is not used.
func cep21Run(ctx context.Context, c *circuit.Circuit, fn func(context.Context) error) error {
	return c.Run(ctx, fn)
}
