package fleetsim

import "time"

// Preset is a named configuration.
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
	return []Preset{
		{"steady", with(small, Steady)},
		{"incident-one", with(small, IncidentOne)},
		{"incident-all", with(small, IncidentAll)},
		{"idle", with(small, Idle)},
	}
}

// issue is the issue's fleet (DefaultConfig) with a cool-down short enough
// for its incidents to probe several times, and closes, within the phases.
var issue = Config{
	Processes: 16, Circuits: 1000, Rate: 20, Failures: 0.01,
	Warmup: 60 * time.Second, Phase: 20 * time.Second, Incident: 60 * time.Second,
	CoolDown: 5 * time.Second, Sample: time.Second,
}

// Large returns the configurations of bench/README.md: the issue's fleet of
// 16 processes × 1,000 circuits at 20 calls/s per pair, steady, idle, with an
// incident of one circuit and of all, and smaller fleets whose figures per
// (process, circuit) pair extrapolate where this machine cannot drive the
// issue's fleet. Each takes one to three minutes and loads the machine.
func Large() []Preset {
	smaller := issue
	smaller.Processes, smaller.Circuits = 4, 250
	idle := with(issue, Idle)
	idle.Warmup, idle.Sample = 5*time.Second, 0
	fast := with(smaller, Steady)
	fast.Rate = 100
	return []Preset{
		{"steady-16x1000", with(issue, Steady)},
		{"idle-16x1000", idle},
		{"incident-one-16x1000", with(issue, IncidentOne)},
		{"incident-all-16x1000", with(issue, IncidentAll)},
		{"steady-4x250", with(smaller, Steady)},
		{"steady-4x250-100", fast},
	}
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
