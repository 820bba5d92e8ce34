package main

import (
	"time"

	"github.com/breakergen/breakergen/internal/testing/policysim"
	"github.com/breakergen/breakergen/runtime"
)

// figure is one picture: a scenario replayed with each variant's options.
type figure struct {
	file, title string
	scenario    policysim.Scenario
	variants    []variant
}

// variant is one panel's options.
type variant struct {
	label   string
	options runtime.Options
}

// healthy is a healthy phase of d: calls take 20ms.
func healthy(name string, d time.Duration) policysim.Phase {
	return policysim.Phase{Name: name, Duration: d, Latency: policysim.Latency{Median: 20 * time.Millisecond}}
}

// figures returns the README's pictures.
func figures() []figure {
	outage := func(d time.Duration) policysim.Phase {
		return policysim.Phase{Name: "outage", Duration: d, ErrorRate: 1}
	}
	return []figure{
		{file: "slow.svg", title: "SlowCall: a dependency that hangs opens the circuit with no call completed",
			scenario: policysim.Scenario{Name: "slow", Rate: 50, Every: time.Second, Seed: 1, Phases: []policysim.Phase{
				healthy("healthy", 20*time.Second), {Name: "hangs", Duration: 40 * time.Second, Hang: true}, healthy("healthy", 30*time.Second),
			}},
			variants: []variant{
				{"classic: the hung calls are never judged", runtime.Options{CoolDown: 10 * time.Second}},
				{"SlowCall=2s: open within SlowCall and a bucket", runtime.Options{CoolDown: 10 * time.Second, SlowCall: 2 * time.Second}},
			}},
		{file: "backoff.svg", title: "CoolDownMax: failed probes back the cool-down off",
			scenario: policysim.Scenario{Name: "backoff", Rate: 50, Every: 2 * time.Second, Seed: 2, Phases: []policysim.Phase{
				healthy("healthy", 30*time.Second), outage(4 * time.Minute), healthy("healthy", time.Minute),
			}},
			variants: []variant{
				{"CoolDown=10s: a probe every 10s", runtime.Options{CoolDown: 10 * time.Second}},
				{"CoolDownMax=80s: 10s, 20s, 40s, 80s, less jitter", runtime.Options{CoolDown: 10 * time.Second, CoolDownMax: 80 * time.Second}},
			}},
		{file: "ramp.svg", title: "Ramp: after the probe, the admitted share grows instead of jumping",
			scenario: policysim.Scenario{Name: "ramp", Rate: 100, Every: time.Second, Seed: 3, Phases: []policysim.Phase{
				healthy("healthy", 10*time.Second), outage(30 * time.Second), healthy("recovered", time.Minute),
			}},
			variants: []variant{
				{"classic: one probe lets all the traffic in", runtime.Options{CoolDown: 5 * time.Second}},
				{"Ramp=30s: a share growing to all over 30s", runtime.Options{CoolDown: 5 * time.Second, Ramp: 30 * time.Second}},
			}},
		{file: "probes.svg", title: "HalfOpenProbes: a flaky recovery closes the circuit only when it holds",
			scenario: policysim.Scenario{Name: "probes", Rate: 100, Every: time.Second, Seed: 4, Phases: []policysim.Phase{
				healthy("healthy", 10*time.Second), outage(20 * time.Second),
				{Name: "30% errors", Duration: 50 * time.Second, ErrorRate: 0.3, Latency: policysim.Latency{Median: 20 * time.Millisecond}},
				healthy("recovered", 30*time.Second),
			}},
			variants: []variant{
				{"HalfOpenProbes=1: one lucky probe closes it, and it flaps", flaky(1)},
				{"HalfOpenProbes=5: five probes must pass together", flaky(5)},
			}},
		{file: "adaptive.svg", title: "Mode=ModeAdaptive: Semian's 20% error spike and full outage, against a classic circuit",
			scenario: semianFigure(),
			variants: []variant{
				{"adaptive (K=2): rejects with Google SRE's probability", policysim.Adaptive},
				{"classic, tuned to open on the first errors", policysim.Classic},
			}},
	}
}

// flaky returns the options of the probes figure: a circuit that opens at a
// fifth of 10 calls failing, probing with n probes.
func flaky(n int) runtime.Options {
	return runtime.Options{CoolDown: 3 * time.Second, RateThreshold: 0.2, SampleThreshold: 10, EvaluationWindow: 10 * time.Second, HalfOpenProbes: n}
}

// semianFigure is Semian's spike, then its outage, in one timeline.
func semianFigure() policysim.Scenario {
	w := policysim.Window
	return policysim.Scenario{Name: "semian", Rate: 200, Every: time.Second, Seed: 5, Phases: []policysim.Phase{
		{Name: "healthy", Duration: 3 * w}, {Name: "20% errors", Duration: 6 * w, ErrorRate: 0.2},
		{Name: "healthy", Duration: 3 * w}, {Name: "outage", Duration: 4 * w, ErrorRate: 1}, {Name: "healthy", Duration: 10 * w},
	}}
}
