package fleetsim_test

import (
	"context"
	"os"
	"strings"
	"testing"

	"github.com/breakergen/breakergen/internal/testing/redistest"
	"github.com/breakergen/breakergen/internal/tools/fleetsim"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// EnvLarge is the environment variable that runs the large configurations
// (TestLarge) when it is "large".
const EnvLarge = "BREAKERGEN_FLEETSIM"

// TestSmall runs CI's small configurations (fleetsim.Small), each against a
// redis-server of its own, and checks that the figures are sane: the calls
// were issued near the target rate and ended as the scenario says, and Redis
// was seen working. It asserts no performance.
func TestSmall(t *testing.T) {
	for _, p := range fleetsim.Small() {
		t.Run(p.Name, func(t *testing.T) {
			r := run(t, p)
			require.Len(t, r.Phases, len(phaseNames(p.Config.Scenario)))
			for i, ph := range r.Phases {
				assert.Equal(t, phaseNames(p.Config.Scenario)[i], ph.Name)
				checkPhase(t, p.Config, ph)
			}
			checkScenario(t, p.Config, r)
			assert.Empty(t, r.Shutdown, "the stores drained and stopped")
			var text, js strings.Builder
			require.NoError(t, r.WriteText(&text))
			require.NoError(t, r.WriteJSON(&js))
			assert.Contains(t, text.String(), "phase "+r.Phases[0].Name+":")
			assert.Contains(t, js.String(), `"scripts_per_s"`)
		})
	}
}

// TestLarge runs the large configurations (fleetsim.Large) when
// BREAKERGEN_FLEETSIM=large, printing each report; one can be chosen with
// -run TestLarge/<name>.
func TestLarge(t *testing.T) {
	if os.Getenv(EnvLarge) != "large" {
		t.Skipf("the large configurations run with %s=large", EnvLarge)
	}
	for _, p := range fleetsim.Large() {
		t.Run(p.Name, func(t *testing.T) { run(t, p) })
	}
}

// run runs p against a new redis-server, prints its report on standard
// output (seen with go test -v) and returns it.
func run(t *testing.T, p fleetsim.Preset) *fleetsim.Report {
	t.Helper()
	srv := redistest.Start(t)
	r, err := fleetsim.Run(context.Background(), srv.Addr(), p.Config)
	require.NoError(t, err)
	write(t, p.Name, r)
	return r
}

// phaseNames are the measured phases of a scenario, in order.
func phaseNames(s fleetsim.Scenario) []string {
	switch s {
	case fleetsim.IncidentOne, fleetsim.IncidentAll:
		return []string{"steady", "incident", "recovered"}
	case fleetsim.Idle:
		return []string{"never-called", "idle"}
	}
	return []string{"steady"}
}

// checkPhase checks what every phase of every scenario must show.
func checkPhase(t *testing.T, cfg fleetsim.Config, ph fleetsim.PhaseReport) {
	t.Helper()
	assert.GreaterOrEqual(t, ph.Seconds, 0.9*cfg.Phase.Seconds(), "phase %s lasts its time", ph.Name)
	assert.Zero(t, ph.Errors, "calls refused with an error other than an open circuit")
	assert.Greater(t, ph.RedisCores, 0.0, "Redis used CPU")
	assert.Greater(t, ph.Commands, 0.0, "Redis ran commands")
	assert.Greater(t, ph.RedisMB, 0.0)
	assert.Greater(t, ph.RedisClients, int64(cfg.Processes), "a connection per process, and INFO's")
	assert.Greater(t, ph.SimCores, 0.0, "the simulator used CPU")
	assert.NotEmpty(t, ph.CommandStats)
	if ph.TargetCalls == 0 {
		assert.Zero(t, ph.Calls, "no calls in phase %s", ph.Name)
		return
	}
	assert.Positive(t, ph.Ticks, "the workers ticked")
	assert.Positive(t, ph.RedisDatasetMB)
	assert.InDelta(t, ph.TargetCalls, ph.Calls, 0.5*ph.TargetCalls, "calls/s achieved, against the target")
	assert.Greater(t, ph.Scripts, 0.0, "traffic is flushed by scripts")
	assert.Greater(t, ph.RedisKeys, int64(0))
	assert.InDelta(t, ph.Calls, ph.OK+ph.Failed+ph.Refused+ph.Errors, 1e-6*ph.Calls, "every call is accounted for")
	if ph.Name == "steady" {
		assert.Zero(t, ph.Refused, "steady traffic below the threshold opens nothing")
		assert.InDelta(t, cfg.Failures, ph.Failed/(ph.OK+ph.Failed), cfg.Failures/2, "the failure rate")
		assert.Zero(t, ph.Events.Opened)
	}
}

// checkScenario checks what the incident phases must show: the failing
// circuits opened in every process and were refused, and closed again once
// the dependency recovered.
func checkScenario(t *testing.T, cfg fleetsim.Config, r *fleetsim.Report) {
	t.Helper()
	if cfg.Scenario != fleetsim.IncidentOne && cfg.Scenario != fleetsim.IncidentAll {
		return
	}
	failing := int64(cfg.Processes)
	if cfg.Scenario == fleetsim.IncidentAll {
		failing *= int64(cfg.Circuits)
	}
	incident, recovered := r.Phases[1], r.Phases[2]
	assert.Greater(t, incident.Refused, 0.0, "calls refused by the open circuits")
	assert.Positive(t, incident.IncidentRefused)
	assert.LessOrEqual(t, incident.IncidentRefused, failing)
	assert.Positive(t, incident.Events.Opened, "openings")
	assert.Positive(t, recovered.Events.Closed+incident.Events.Closed, "closings after the incident")
	assert.Greater(t, incident.Failed, r.Phases[0].Failed, "the incident's failures")
}
