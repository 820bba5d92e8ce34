package fleetsim_test

import (
	"flag"
	"fmt"
	"os"
	"strings"
	"testing"

	"github.com/breakergen/breakergen/internal/tools/fleetsim"
	"github.com/stretchr/testify/require"
)

// The flags of one run of any configuration (TestRun); their defaults are
// fleetsim.DefaultConfig. Give them after -args.
var (
	flagScenario  = flag.String("scenario", string(fleetsim.DefaultConfig.Scenario), "fleetsim: steady, incident-one, incident-all or idle")
	flagProcesses = flag.Int("processes", fleetsim.DefaultConfig.Processes, "fleetsim: fleet stores (processes)")
	flagCircuits  = flag.Int("circuits", fleetsim.DefaultConfig.Circuits, "fleetsim: circuits per store")
	flagRate      = flag.Float64("rate", fleetsim.DefaultConfig.Rate, "fleetsim: calls/s per (store, circuit) pair")
	flagFailures  = flag.Float64("failures", fleetsim.DefaultConfig.Failures, "fleetsim: fraction of the calls that fail")
	flagWarmup    = flag.Duration("warmup", fleetsim.DefaultConfig.Warmup, "fleetsim: traffic before the first measured phase")
	flagPhase     = flag.Duration("phase", fleetsim.DefaultConfig.Phase, "fleetsim: each measured phase")
	flagIncident  = flag.Duration("incident", fleetsim.DefaultConfig.Incident, "fleetsim: the incident phase")
	flagCoolDown  = flag.Duration("cooldown", 0, "fleetsim: the circuits' cool-down (0: the library's default)")
	flagWindow    = flag.Duration("window", 0, "fleetsim: the circuits' evaluation window (0: the library's default)")
	flagWorkers   = flag.Int("workers", fleetsim.DefaultConfig.Workers, "fleetsim: goroutines issuing the calls")
	flagTick      = flag.Duration("tick", fleetsim.DefaultConfig.Tick, "fleetsim: the scheduler's tick")
	flagSample    = flag.Duration("sample", 0, "fleetsim: the timeline's period (0: no timeline)")
	flagJSON      = flag.Bool("fleetsim.json", false, "fleetsim: print reports as JSON")
)

// TestRun runs one configuration given by the flags above, when at least one
// of them is set, and prints its report.
func TestRun(t *testing.T) {
	set := false
	flag.Visit(func(f *flag.Flag) {
		// The simulator's flags say so in their usage; -fleetsim.json only
		// formats.
		set = set || f.Name != "fleetsim.json" && strings.HasPrefix(f.Usage, "fleetsim: ")
	})
	if !set {
		t.Skip("runs when a simulator flag is given, e.g. go test -run TestRun -v -args -processes 4")
	}
	run(t, fleetsim.Preset{Name: "flags", Config: fleetsim.Config{
		Scenario: fleetsim.Scenario(*flagScenario), Processes: *flagProcesses, Circuits: *flagCircuits,
		Rate: *flagRate, Failures: *flagFailures, Warmup: *flagWarmup, Phase: *flagPhase,
		Incident: *flagIncident, CoolDown: *flagCoolDown, Window: *flagWindow, Workers: *flagWorkers,
		Tick: *flagTick, Sample: *flagSample,
	}})
}

// write prints r on standard output, as text or JSON: the simulator's output,
// seen with go test -v.
func write(t *testing.T, name string, r *fleetsim.Report) {
	t.Helper()
	if !testing.Verbose() {
		return
	}
	fmt.Printf("=== fleetsim %s\n", name)
	if *flagJSON {
		require.NoError(t, r.WriteJSON(os.Stdout))
		return
	}
	require.NoError(t, r.WriteText(os.Stdout))
}
