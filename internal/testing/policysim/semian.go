package policysim

import (
	"fmt"
	"strings"
	"time"

	"github.com/breakergen/breakergen/runtime"
)

// Window is the evaluation window of the Semian scenarios.
const Window = 10 * time.Second

// Adaptive is the adaptive circuit of the Semian scenarios: Google SRE's
// throttling with the default K.
var Adaptive = runtime.Options{Mode: runtime.ModeAdaptive, EvaluationWindow: Window}

// Classic is the classic circuit of the Semian scenarios, tuned as Semian's
// experiment tuned its classic breaker, to open on the first errors: a tenth
// of 20 calls fail, and it opens for half a window.
var Classic = runtime.Options{EvaluationWindow: Window, RateThreshold: 0.1, SampleThreshold: 20, CoolDown: Window / 2}

func healthy(windows int) Phase {
	return Phase{Name: "healthy", Duration: time.Duration(windows) * Window}
}

// SemianScenarios are the shapes of Shopify Semian's published experiments,
// at 200 calls a second: a 20 % error spike, a full outage, and an outage
// that recovers in steps.
var SemianScenarios = []Scenario{
	{Name: "20% error spike", Rate: 200, Every: Window, Seed: 1, Phases: []Phase{
		healthy(3),
		{Name: "spike", Duration: 10 * Window, ErrorRate: 0.2},
		{Name: "after", Duration: 6 * Window},
	}},
	{Name: "full outage", Rate: 200, Every: Window, Seed: 2, Phases: []Phase{
		healthy(3),
		{Name: "outage", Duration: 6 * Window, ErrorRate: 1},
		{Name: "after", Duration: 18 * Window},
	}},
	{Name: "recovery", Rate: 200, Every: Window, Seed: 3, Phases: []Phase{
		healthy(3),
		{Name: "outage", Duration: 3 * Window, ErrorRate: 1},
		{Name: "50% errors", Duration: 3 * Window, ErrorRate: 0.5},
		{Name: "20% errors", Duration: 3 * Window, ErrorRate: 0.2},
		{Name: "after", Duration: 18 * Window},
	}},
}

// Totals sums the intervals of the phase named phase.
func Totals(ivs []Interval, phase string) Interval {
	var t Interval
	for _, iv := range ivs {
		if iv.Phase != phase {
			continue
		}
		t.Phase = phase
		t.Calls += iv.Calls
		t.Admitted += iv.Admitted
		t.Rejected += iv.Rejected
		t.Succeeded += iv.Succeeded
		t.Failed += iv.Failed
		t.WouldSucceed += iv.WouldSucceed
		t.AdmittedWouldSucceed += iv.AdmittedWouldSucceed
	}
	return t
}

// Table renders the success and rejection shares of each phase of sc, for
// the adaptive and the classic runs side by side.
func Table(sc Scenario, adaptive, classic []Interval) string {
	var b strings.Builder
	fmt.Fprintf(&b, "%s\n", sc.Name)
	fmt.Fprintf(&b, "  %-11s | %-30s | %-30s\n", "phase", "adaptive", "classic")
	fmt.Fprintf(&b, "  %-11s | %9s %9s %10s | %9s %9s %10s\n", "", "success", "rejected", "of good", "success", "rejected", "of good")
	seen := map[string]bool{}
	for _, p := range sc.Phases {
		if seen[p.Name] {
			continue
		}
		seen[p.Name] = true
		a, c := Totals(adaptive, p.Name), Totals(classic, p.Name)
		fmt.Fprintf(&b, "  %-11s | %8.1f%% %8.1f%% %9.1f%% | %8.1f%% %8.1f%% %9.1f%%\n", p.Name,
			100*share(a.Succeeded, a.Calls), 100*share(a.Rejected, a.Calls), 100*share(a.AdmittedWouldSucceed, a.WouldSucceed),
			100*share(c.Succeeded, c.Calls), 100*share(c.Rejected, c.Calls), 100*share(c.AdmittedWouldSucceed, c.WouldSucceed))
	}
	return b.String()
}

// PhaseStart returns the offset at which the first phase named name starts.
func (s Scenario) PhaseStart(name string) time.Duration {
	var from time.Duration
	for _, p := range s.Phases {
		if p.Name == name {
			return from
		}
		from += p.Duration
	}
	return -1
}
