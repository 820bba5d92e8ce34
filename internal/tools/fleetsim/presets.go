package fleetsim

import "time"

// Preset is a named configuration, a plain value.
type Preset struct {
	Name   string
	Config Config
}

// small is the fleet of the CI runs: 4 processes × 50 circuits at 20 calls/s
// per pair with 1% failures, with a window and a cool-down short enough for an
// incident to open and close the circuits within seconds.
var small = Config{
	Processes: 4, Circuits: 50, Rate: 20, Failures: 0.01,
	Warmup: 500 * time.Millisecond, Phase: 700 * time.Millisecond, Incident: 1200 * time.Millisecond,
	CoolDown: 200 * time.Millisecond, Window: 500 * time.Millisecond, Workers: 4,
}

// Small returns the configurations CI runs, each in seconds: steady traffic,
// an incident of one circuit and of all, and idle circuits.
func Small() []Preset {
	idle := with(small, Idle)
	// Longer than the stores' refresh interval (1 s), in which they read
	// the circuits just bound or just called once: the idle phases measure
	// what follows.
	idle.Warmup = 1200 * time.Millisecond
	return []Preset{
		{"steady", with(small, Steady)},
		{"incident-one", with(small, IncidentOne)},
		{"incident-all", with(small, IncidentAll)},
		{"idle", idle},
	}
}

// issue is the issue's fleet (DefaultConfig) with a cool-down short enough
// for its incidents to probe several times, and close, within the phases.
var issue = Config{
	Processes: 16, Circuits: 1000, Rate: 20, Failures: 0.01,
	Warmup: 60 * time.Second, Phase: 20 * time.Second, Incident: 60 * time.Second,
	CoolDown: 5 * time.Second,
}

// Large returns the configurations of bench/README.md: the issue's fleet of
// 16 processes × 1,000 circuits at 20 calls/s per pair, steady, idle, with an
// incident of one circuit and of all; the same 16 processes with 100 circuits
// each, steady and with incidents, and 4 processes × 250 circuits at 20 and
// 100 calls/s per pair: fleets small enough for one Redis core, whose figures
// per (process, circuit) pair extrapolate. Each takes one to three minutes
// and loads the machine.
func Large() []Preset {
	fleet16x100 := issue
	fleet16x100.Circuits = 100
	fleet4x250 := issue
	fleet4x250.Processes, fleet4x250.Circuits = 4, 250
	fast := with(fleet4x250, Steady)
	fast.Rate = 100
	idle := with(issue, Idle)
	idle.Warmup = 5 * time.Second
	return []Preset{
		{"steady-16x1000", with(issue, Steady)},
		{"idle-16x1000", idle},
		{"incident-one-16x1000", incident(issue, IncidentOne)},
		{"incident-all-16x1000", incident(issue, IncidentAll)},
		{"steady-16x100", with(fleet16x100, Steady)},
		{"incident-one-16x100", incident(fleet16x100, IncidentOne)},
		{"incident-all-16x100", incident(fleet16x100, IncidentAll)},
		{"steady-4x250", with(fleet4x250, Steady)},
		{"steady-4x250-100", fast},
	}
}

// incident returns c with scenario s and a timeline every 2 s.
func incident(c Config, s Scenario) Config {
	c = with(c, s)
	c.Sample = 2 * time.Second
	return c
}

// with returns c with scenario s; an idle run makes no calls, so its rate and
// failures are zero, to say so in its report.
func with(c Config, s Scenario) Config {
	c.Scenario = s
	if s == Idle {
		c.Rate, c.Failures = 0, 0
	}
	return c
}
