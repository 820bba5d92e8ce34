package fleetsim

import (
	"errors"
	"fmt"
	"time"
)

// Scenario says what the calls do in each phase of a run.
type Scenario string

// The scenarios. Every phase but the warm-up (and the idle scenario's settling
// after its single calls) is measured and reported.
const (
	// Steady is a warm-up, then one phase of steady traffic.
	Steady Scenario = "steady"
	// IncidentOne is a warm-up, steady traffic, an incident of circuit 0 (every
	// call to it fails, in every process) for Config.Incident, then steady
	// traffic again ("recovered"), long enough for the cool-down to pass.
	IncidentOne Scenario = "incident-one"
	// IncidentAll is IncidentOne with every circuit failing in the incident.
	IncidentAll Scenario = "incident-all"
	// Idle binds the circuits and waits for the warm-up ("bind", not
	// measured: the stores subscribe), measures a phase in which they are
	// never called ("never-called"), calls each pair once and waits for the
	// warm-up again ("settle", not measured), then measures a phase of idle
	// circuits ("idle").
	Idle Scenario = "idle"
)

// Config is one run of the simulator. A zero field takes the value of
// DefaultConfig, except Failures and Rate, for which zero is a value. In JSON
// the durations are nanoseconds. A Config is a plain value, safe to copy and
// share.
type Config struct {
	Scenario  Scenario `json:"scenario"`
	Processes int      `json:"processes"`     // fleet stores, each with its own Redis client
	Circuits  int      `json:"circuits"`      // circuits bound in each store
	Rate      float64  `json:"rate_per_pair"` // calls a second to each (store, circuit) pair; 0 for none
	// Failures is the fraction, in [0, 1], of the calls that fail outside an
	// incident. They are evenly spaced in each pair's calls (a call fails when
	// a running sum of Failures passes a whole number), so no pair ever fails
	// more than its share, and the circuits never open by chance.
	Failures float64       `json:"failures"`
	Warmup   time.Duration `json:"warmup_ns"`   // traffic before the first measured phase
	Phase    time.Duration `json:"phase_ns"`    // each measured phase but the incident
	Incident time.Duration `json:"incident_ns"` // the incident phase (incident scenarios)
	// CoolDown and Window are the circuits' runtime.Options CoolDown and
	// EvaluationWindow; zero keeps the library's defaults (5m and 1m).
	CoolDown time.Duration `json:"cooldown_ns"`
	Window   time.Duration `json:"window_ns"`
	// Workers is the number of goroutines issuing the calls, each calling
	// its share of the pairs. A call that waits for Redis (a failure sent at
	// once, a probe's reservation) holds up its worker's other pairs until
	// it returns, as it would not in a service, where every request has a
	// goroutine; the more workers, the fewer pairs one wait holds up.
	Workers int           `json:"workers"`
	Tick    time.Duration `json:"tick_ns"` // how often each worker issues the calls that are due
	// Sample is the period of the timeline: rows of figures every Sample
	// throughout the measured phases. Zero: no timeline.
	Sample time.Duration `json:"sample_ns"`
}

// DefaultConfig is the fleet: 16 processes × 1,000 busy circuits at 20
// calls a second per pair with 1% failures, steady traffic.
var DefaultConfig = Config{
	Scenario:  Steady,
	Processes: 16,
	Circuits:  1000,
	Rate:      20,
	Failures:  0.01,
	Warmup:    60 * time.Second,
	Phase:     20 * time.Second,
	Incident:  60 * time.Second,
	Workers:   128,
	Tick:      10 * time.Millisecond,
}

// withDefaults returns c with its zero durations and sizes set from
// DefaultConfig.
func (c Config) withDefaults() Config {
	d := DefaultConfig
	if c.Scenario == "" {
		c.Scenario = d.Scenario
	}
	setInt(&c.Processes, d.Processes)
	setInt(&c.Circuits, d.Circuits)
	setInt(&c.Workers, d.Workers)
	setDuration(&c.Warmup, d.Warmup)
	setDuration(&c.Phase, d.Phase)
	setDuration(&c.Incident, d.Incident)
	setDuration(&c.Tick, d.Tick)
	return c
}

func setInt(v *int, d int) {
	if *v == 0 {
		*v = d
	}
}

func setDuration(v *time.Duration, d time.Duration) {
	if *v == 0 {
		*v = d
	}
}

// Validate reports every field out of range, after the defaults are applied.
func (c Config) Validate() error {
	c = c.withDefaults()
	var errs []error
	bad := func(format string, args ...any) { errs = append(errs, fmt.Errorf(format, args...)) }
	switch c.Scenario {
	case Steady, IncidentOne, IncidentAll, Idle:
	default:
		bad("unknown scenario %q (want %s, %s, %s or %s)", c.Scenario, Steady, IncidentOne, IncidentAll, Idle)
	}
	if c.Processes < 1 || c.Circuits < 1 || c.Workers < 1 {
		bad("processes (%d), circuits (%d) and workers (%d) must be positive", c.Processes, c.Circuits, c.Workers)
	}
	if c.Rate < 0 || c.Failures < 0 || c.Failures > 1 {
		bad("rate %v must not be negative and failures %v must be in [0, 1]", c.Rate, c.Failures)
	}
	if c.Warmup < 0 || c.Phase < 0 || c.Incident < 0 || c.Sample < 0 || c.Tick < time.Millisecond {
		bad("durations must not be negative, and the tick (%v) must be at least 1ms", c.Tick)
	}
	if c.CoolDown < 0 || c.Window < 0 {
		bad("cool-down %v and window %v must not be negative", c.CoolDown, c.Window)
	}
	return errors.Join(errs...)
}

// Pairs is the number of (store, circuit) pairs.
func (c Config) Pairs() int { return c.Processes * c.Circuits }

// String describes the configuration in one line.
func (c Config) String() string {
	return fmt.Sprintf("scenario %s, %d processes × %d circuits, %g calls/s per pair (%g calls/s), %.2f%% failures",
		c.Scenario, c.Processes, c.Circuits, c.Rate, c.Rate*float64(c.Pairs()), 100*c.Failures)
}
