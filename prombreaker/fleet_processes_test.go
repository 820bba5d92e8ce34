package prombreaker_test

import (
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"

	"github.com/breakergen/breakergen/internal/testing/fleetpair"
	"github.com/breakergen/breakergen/prombreaker"
	"github.com/breakergen/breakergen/runtime"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// envFleetChild carries a fleetpair.Child to the test binary run again as a
// process of the fleet.
const envFleetChild = "BREAKERGEN_PROMBREAKER_FLEET_CHILD"

// fleetReport is what a child scraped from its own /metrics at the end: the
// value of every series of the circuit "payments", by its name and labels as
// written (breakergen_transitions_total{circuit="payments",scope="fleet",to="opened"}).
type fleetReport struct {
	Series map[string]float64
}

// openedSeries is the series of the circuit's opening by the fleet.
const openedSeries = `breakergen_transitions_total{circuit="payments",scope="fleet",to="opened"}`

// TestLearntTransitionsInEveryProcess is issue 17's item 10 with two real
// processes on one real redis-server in fleet mode (fleetpair): process A's
// failures open the circuit; process B, which bound the circuit but made no
// call, counts the opening it learnt in its own breakergen_transitions_total,
// as scraped from its own /metrics, once; A counts it once too.
func TestLearntTransitionsInEveryProcess(t *testing.T) {
	var aRep, bRep fleetReport
	fleetpair.Run(t, envFleetChild, "TestFleetChild", &aRep, &bRep)
	t.Logf("A's series: %v", aRep.Series)
	t.Logf("B's series: %v", bRep.Series)

	assert.Equal(t, 1.0, aRep.Series[openedSeries], "A's count of the opening it made")
	assert.Equal(t, 3.0, aRep.Series[`breakergen_calls_total{circuit="payments",outcome="failure"}`], "A's failures")
	assert.Equal(t, 1.0, bRep.Series[openedSeries], "B's count of the opening it learnt from A: once")
	for _, outcome := range []string{"success", "failure", "excluded", "skipped"} {
		assert.Equal(t, 0.0, bRep.Series[`breakergen_calls_total{circuit="payments",outcome="`+outcome+`"}`], "B made no call: %s", outcome)
	}
	assert.Equal(t, 1.0, bRep.Series[`breakergen_circuit_open{circuit="payments"}`], "B sees the circuit open")
	for _, rep := range []fleetReport{aRep, bRep} {
		for _, s := range []string{
			`breakergen_transitions_total{circuit="payments",scope="process",to="opened"}`,
			`breakergen_transitions_total{circuit="payments",scope="fleet",to="reopened"}`,
			`breakergen_transitions_total{circuit="payments",scope="fleet",to="closed"}`,
		} {
			if assert.Contains(t, rep.Series, s) {
				assert.Equal(t, 0.0, rep.Series[s], s)
			}
		}
	}
}

// TestFleetChild is a process of TestLearntTransitionsInEveryProcess; it is
// skipped unless run by it.
func TestFleetChild(t *testing.T) {
	fc, ok := fleetpair.ChildOf(t, envFleetChild)
	if !ok {
		t.Skip("a child of TestLearntTransitionsInEveryProcess")
	}
	col := prombreaker.MustNewCollector()
	b := runtime.MustNew(runtime.WithStorage(fc.Store(t)), runtime.WithListener(col))
	col.Watch(b)
	reg := prometheus.NewPedanticRegistry()
	require.NoError(t, reg.Register(col))
	metrics := httptest.NewServer(promhttp.HandlerFor(reg, promhttp.HandlerOpts{}))
	defer metrics.Close()
	fc.Play(t, b, func() bool {
		series, err := scrape(metrics.URL)
		return err == nil && series[openedSeries] >= 1
	}, func() (any, error) {
		series, err := scrape(metrics.URL)
		return fleetReport{Series: series}, err
	})
}

// scrape reads the series of the circuit "payments" from a /metrics page.
// It runs in Eventually's goroutine too: it returns its errors.
func scrape(url string) (map[string]float64, error) {
	resp, err := http.Get(url)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		return nil, err
	}
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("%s: %s", resp.Status, body)
	}
	series := make(map[string]float64)
	for line := range strings.Lines(string(body)) {
		line = strings.TrimSpace(line)
		if strings.HasPrefix(line, "#") || !strings.Contains(line, `circuit="payments"`) {
			continue
		}
		i := strings.LastIndexByte(line, ' ')
		if i < 0 {
			return nil, fmt.Errorf("not a sample line: %q", line)
		}
		v, err := strconv.ParseFloat(line[i+1:], 64)
		if err != nil {
			return nil, fmt.Errorf("not a sample line: %q: %w", line, err)
		}
		series[line[:i]] = v
	}
	return series, nil
}
