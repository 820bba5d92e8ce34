package otelbreaker

import (
	"context"
	"errors"
	"fmt"
	"reflect"
	"sync"
	"time"

	"github.com/breakergen/breakergen/circuitstats"
	"github.com/breakergen/breakergen/runtime"
	"github.com/breakergen/breakergen/runtime/callcount"
	"go.opentelemetry.io/otel"
	"go.opentelemetry.io/otel/metric"
)

// ScopeName is the name of the meter the instruments belong to.
const ScopeName = "github.com/breakergen/breakergen/otelbreaker"

// DefaultStatusTimeout bounds the status reads of one collection when
// WithStatusTimeout is not given.
const DefaultStatusTimeout = 5 * time.Second

// Recorder counts the calls and events of circuits and reports them, with the
// status of the watched breakers' circuits, through OpenTelemetry
// instruments. Build it with NewRecorder; stop it with Shutdown, or let the
// Breaker it listens to do so. It is safe for concurrent use.
type Recorder struct {
	stats   *circuitstats.Stats
	timeout time.Duration
	inst    instruments
	reg     metric.Registration
	stop    sync.Once
	stopErr error
}

// Option configures a Recorder in NewRecorder.
type Option interface {
	apply(*config) error
}

type optionFunc func(*config) error

func (f optionFunc) apply(c *config) error { return f(c) }

type config struct {
	provider metric.MeterProvider
	timeout  time.Duration
}

// WithMeterProvider sets where the instruments are created. Default: the
// global provider, otel.GetMeterProvider().
func WithMeterProvider(p metric.MeterProvider) Option {
	return optionFunc(func(c *config) error {
		if isNil(p) {
			return errors.New("WithMeterProvider(nil)")
		}
		c.provider = p
		return nil
	})
}

// WithStatusTimeout bounds the status reads of one collection (one per
// circuit); circuits not read by then have no gauges in that collection.
// Default DefaultStatusTimeout; it must be positive.
func WithStatusTimeout(d time.Duration) Option {
	return optionFunc(func(c *config) error {
		if d <= 0 {
			return fmt.Errorf("WithStatusTimeout(%v): want a positive duration", d)
		}
		c.timeout = d
		return nil
	})
}

// NewRecorder creates the instruments and returns the recorder that reports
// through them. It fails with an error wrapping runtime.ErrInvalid when an
// option is invalid, or with the meter's error when an instrument cannot be
// created.
func NewRecorder(opts ...Option) (*Recorder, error) {
	cfg := config{timeout: DefaultStatusTimeout}
	var errs []error
	for i, o := range opts {
		if o == nil {
			errs = append(errs, fmt.Errorf("option %d is nil", i+1))
			continue
		}
		if err := o.apply(&cfg); err != nil {
			errs = append(errs, err)
		}
	}
	if err := errors.Join(errs...); err != nil {
		return nil, fmt.Errorf("otelbreaker: %w: %w", runtime.ErrInvalid, err)
	}
	if cfg.provider == nil {
		cfg.provider = otel.GetMeterProvider()
	}
	r := &Recorder{stats: circuitstats.New(), timeout: cfg.timeout}
	meter := cfg.provider.Meter(ScopeName)
	var err error
	if r.inst, err = newInstruments(meter); err != nil {
		return nil, fmt.Errorf("otelbreaker: %w", err)
	}
	if r.reg, err = meter.RegisterCallback(r.observe, r.inst.all()...); err != nil {
		return nil, fmt.Errorf("otelbreaker: %w", err)
	}
	return r, nil
}

// Events returns the event types the recorder needs: transitions, lock
// changes, probes and storage failures. runtime.WithListener(rec) with no
// types asks for just these.
func (r *Recorder) Events() []runtime.EventType { return r.stats.Events() }

// Handle counts transitions (by scope), lock changes, probes and storage
// failures, those learnt from other processes (Event.Remote) like its own.
func (r *Recorder) Handle(e runtime.Event) { r.stats.Handle(e) }

// CountCalls returns the function that counts the calls of the circuit: it
// implements callcount.Counter, taking no lock and allocating nothing.
func (r *Recorder) CountCalls(circuit string) func(callcount.Outcome) {
	return r.stats.CountCalls(circuit)
}

// Watch makes every collection read the status of b's circuits for the
// gauges, and forget the counts of circuits b no longer holds. Watching b
// twice, or a nil b, changes nothing.
func (r *Recorder) Watch(b *runtime.Breaker) { r.stats.Watch(b) }

// Shutdown unregisters the instruments' callback: the recorder reports
// nothing more. It may be called more than once; later calls return the
// first's result. A Breaker that the recorder was given to with
// runtime.WithListener owns it and calls Shutdown from its own.
func (r *Recorder) Shutdown(context.Context) error {
	r.stop.Do(func() { r.stopErr = r.reg.Unregister() })
	return r.stopErr
}

// isNil reports whether v is nil or an interface holding a nil pointer, map,
// slice, channel or function: an ignored constructor error.
func isNil(v any) bool {
	if v == nil {
		return true
	}
	switch rv := reflect.ValueOf(v); rv.Kind() {
	case reflect.Pointer, reflect.Map, reflect.Slice, reflect.Chan, reflect.Func, reflect.Interface:
		return rv.IsNil()
	}
	return false
}

// observe reports a snapshot of the stats.
func (r *Recorder) observe(ctx context.Context, o metric.Observer) error {
	ctx, cancel := context.WithTimeout(ctx, r.timeout)
	defer cancel()
	snap := r.stats.Snapshot(ctx)
	r.inst.observe(o, snap)
	return nil
}
