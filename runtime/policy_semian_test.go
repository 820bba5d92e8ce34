package runtime_test

import (
	"testing"
	"time"

	"github.com/breakergen/breakergen/internal/testing/policysim"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// runSemian runs one of Semian's scenarios with the adaptive and the classic
// circuits and logs their table.
func runSemian(t *testing.T, sc policysim.Scenario) (adaptive, classic []policysim.Interval) {
	t.Helper()
	a, err := policysim.Run(sc, policysim.Adaptive)
	require.NoError(t, err)
	c, err := policysim.Run(sc, policysim.Classic)
	require.NoError(t, err)
	t.Log("\n" + policysim.Table(sc, a.Intervals, c.Intervals))
	return a.Intervals, c.Intervals
}

// windowsFrom returns the intervals that start at least n windows after the
// phase named phase starts, up to the phase named until (or the end).
func windowsFrom(sc policysim.Scenario, ivs []policysim.Interval, phase string, n int, until string) []policysim.Interval {
	from := sc.PhaseStart(phase) + policysim.Window*time.Duration(n)
	to := sc.Duration()
	if until != "" {
		to = sc.PhaseStart(until)
	}
	var out []policysim.Interval
	for _, iv := range ivs {
		if iv.From >= from && iv.From < to {
			out = append(out, iv)
		}
	}
	return out
}

// TestSemianSpike replays a 20 % error spike: adaptive mode lets at least 90 %
// of the calls that would have succeeded through, and its rejections are
// below 1 % from the second window after the spike.
func TestSemianSpike(t *testing.T) {
	sc := policysim.SemianScenarios[0]
	adaptive, classic := runSemian(t, sc)
	spike := policysim.Totals(adaptive, "spike")
	good := float64(spike.AdmittedWouldSucceed) / float64(spike.WouldSucceed)
	assert.GreaterOrEqual(t, good, 0.90, "share of the calls that would have succeeded let through during the spike")
	t.Logf("during the spike: adaptive let %.1f%% of the good calls through (success share %.1f%%), classic %.1f%%",
		100*good, 100*float64(spike.Succeeded)/float64(spike.Calls),
		100*policysim.Totals(classic, "spike").AdmittedShare())
	for _, iv := range windowsFrom(sc, adaptive, "after", 1, "") {
		assert.Less(t, iv.RejectedShare(), 0.01, "rejections %v into the scenario, after the spike", iv.From)
	}
}

// TestSemianOutage replays a full outage: adaptive mode rejects at least 95 %
// of the calls after the outage's first window, and less than 1 % from 15
// windows after it ends.
func TestSemianOutage(t *testing.T) {
	sc := policysim.SemianScenarios[1]
	adaptive, _ := runSemian(t, sc)
	for _, iv := range windowsFrom(sc, adaptive, "outage", 1, "after") {
		assert.GreaterOrEqual(t, iv.RejectedShare(), 0.95, "rejections %v into the scenario, during the outage", iv.From)
	}
	recovered := -1
	for i, iv := range windowsFrom(sc, adaptive, "after", 0, "") {
		if iv.RejectedShare() >= 0.01 {
			recovered = -1
		} else if recovered < 0 {
			recovered = i
		}
	}
	require.GreaterOrEqual(t, recovered, 0, "rejections never fell below 1% after the outage")
	assert.Less(t, recovered, 15, "windows after the outage until rejections stay below 1%")
	t.Logf("after the outage, rejections stay below 1%% from window %d", recovered+1)
}

// TestSemianRecovery replays an outage that recovers in steps (half the
// calls failing, then a fifth): rejections follow the errors down, and are
// below 1 % within 15 windows after the errors stop. Google SRE's throttling
// with K = 2 holds still at half the calls failing (requests − 2·accepts
// stays what it was), so rejections fall only once the errors do.
func TestSemianRecovery(t *testing.T) {
	sc := policysim.SemianScenarios[2]
	adaptive, _ := runSemian(t, sc)
	fifty, twenty := policysim.Totals(adaptive, "50% errors"), policysim.Totals(adaptive, "20% errors")
	assert.LessOrEqual(t, twenty.RejectedShare(), fifty.RejectedShare(), "rejections at a fifth of the calls failing, against half")
	for _, iv := range windowsFrom(sc, adaptive, "after", 14, "") {
		assert.Less(t, iv.RejectedShare(), 0.01, "rejections %v into the scenario", iv.From)
	}
}
