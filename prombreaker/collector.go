package prombreaker

import (
	"context"
	"errors"
	"fmt"
	"regexp"
	"strings"
	"time"

	"github.com/breakergen/breakergen/circuitstats"
	"github.com/breakergen/breakergen/runtime"
	"github.com/breakergen/breakergen/runtime/callcount"
	"github.com/prometheus/client_golang/prometheus"
)

// DefaultStatusTimeout bounds the status reads of one scrape when
// WithStatusTimeout is not given.
const DefaultStatusTimeout = 5 * time.Second

// Collector counts the calls and events of circuits and exports them, with
// the status of the watched breakers' circuits, as Prometheus metrics. Build
// it with NewCollector (or MustNewCollector). It is safe for concurrent use.
type Collector struct {
	stats   *circuitstats.Stats
	timeout time.Duration
	d       descs
}

// Option configures a Collector in NewCollector or MustNewCollector; an
// invalid one is an error of NewCollector.
type Option interface {
	apply(*config) error
}

type optionFunc func(*config) error

func (f optionFunc) apply(c *config) error { return f(c) }

type config struct {
	namespace string
	labels    prometheus.Labels
	timeout   time.Duration
}

// Names that every Prometheus version and scraper accepts.
var (
	metricName = regexp.MustCompile(`^[a-zA-Z_:][a-zA-Z0-9_:]*$`)
	labelName  = regexp.MustCompile(`^[a-zA-Z_][a-zA-Z0-9_]*$`)
)

// WithNamespace sets the prefix of every metric name, joined to it by an
// underscore. Default "breakergen"; empty for none. It must be a metric name
// of letters, digits, underscores and colons.
func WithNamespace(ns string) Option {
	return optionFunc(func(c *config) error {
		if ns != "" && !metricName.MatchString(ns) {
			return fmt.Errorf("WithNamespace(%q): not a metric name", ns)
		}
		c.namespace = ns
		return nil
	})
}

// WithConstLabels adds labels with fixed values to every metric, such as the
// service's name. They must not be circuit, outcome, to, scope or lock.
func WithConstLabels(l prometheus.Labels) Option {
	return optionFunc(func(c *config) error {
		for k := range l {
			if !labelName.MatchString(k) || strings.HasPrefix(k, "__") {
				return fmt.Errorf("WithConstLabels: %q is not a label name", k)
			}
			switch k {
			case "circuit", "outcome", "to", "scope", "lock":
				return fmt.Errorf("WithConstLabels: label %q is the collector's own", k)
			}
		}
		c.labels = l
		return nil
	})
}

// WithStatusTimeout bounds the status reads of one scrape (one per circuit);
// circuits not read by then have no gauges in that scrape. Default
// DefaultStatusTimeout; it must be positive.
func WithStatusTimeout(d time.Duration) Option {
	return optionFunc(func(c *config) error {
		if d <= 0 {
			return fmt.Errorf("WithStatusTimeout(%v): want a positive duration", d)
		}
		c.timeout = d
		return nil
	})
}

// NewCollector returns a collector configured by opts, or an error wrapping
// runtime.ErrInvalid that names every invalid option.
func NewCollector(opts ...Option) (*Collector, error) {
	cfg := config{namespace: "breakergen", timeout: DefaultStatusTimeout}
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
	d, err := newDescs(cfg.namespace, cfg.labels)
	if err != nil {
		errs = append(errs, err)
	}
	if err := errors.Join(errs...); err != nil {
		return nil, fmt.Errorf("prombreaker: %w: %w", runtime.ErrInvalid, err)
	}
	return &Collector{stats: circuitstats.New(), timeout: cfg.timeout, d: d}, nil
}

// MustNewCollector is NewCollector for start-up code with literal options, as
// prometheus.MustRegister is: it panics with NewCollector's error.
func MustNewCollector(opts ...Option) *Collector {
	c, err := NewCollector(opts...)
	if err != nil {
		panic(err)
	}
	return c
}

// Events returns the event types the collector needs: transitions, lock
// changes, probes and storage failures. runtime.WithListener(col) with no
// types asks for just these, so a closed circuit's success stays on the hot
// path.
func (c *Collector) Events() []runtime.EventType { return c.stats.Events() }

// Handle counts transitions (by scope), lock changes, probes and storage
// failures, those learnt from other processes (Event.Remote) like its own.
func (c *Collector) Handle(e runtime.Event) { c.stats.Handle(e) }

// CountCalls returns the function that counts the calls of the circuit: it
// implements callcount.Counter. The counts of a circuit live in a few
// atomic counters, spread over cache lines of their own once two cores count
// at once, so counting takes no lock and allocates nothing.
func (c *Collector) CountCalls(circuit string) func(callcount.Outcome) {
	return c.stats.CountCalls(circuit)
}

// Watch makes every scrape read the status of b's circuits for the gauges,
// and forget the counts of circuits b no longer holds. Watch every breaker
// the collector listens to. Watching b twice, or a nil b, changes nothing.
func (c *Collector) Watch(b *runtime.Breaker) { c.stats.Watch(b) }

// Describe sends the descriptions of every metric: it implements
// prometheus.Collector.
func (c *Collector) Describe(ch chan<- *prometheus.Desc) { c.d.describe(ch) }

// Collect sends the metrics of every circuit, reading the watched breakers'
// circuits' status: it implements prometheus.Collector.
func (c *Collector) Collect(ch chan<- prometheus.Metric) {
	ctx, cancel := context.WithTimeout(context.Background(), c.timeout)
	defer cancel()
	snap := c.stats.Snapshot(ctx)
	ch <- prometheus.MustNewConstMetric(c.d.storageFailures, prometheus.CounterValue, float64(snap.StorageFailures))
	for _, ci := range snap.Circuits {
		c.d.collect(ch, labelValue(ci.Name), ci)
	}
}

// labelValue makes a circuit name a valid label value: valid UTF-8.
func labelValue(name string) string { return strings.ToValidUTF8(name, "\uFFFD") }
