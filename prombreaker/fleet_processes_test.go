package prombreaker_test

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/breakergen/breakergen/internal/testing/redistest"
	"github.com/breakergen/breakergen/prombreaker"
	"github.com/breakergen/breakergen/runtime"
	"github.com/breakergen/breakergen/runtime/storage/redisstore"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"
	"github.com/redis/go-redis/v9"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// envFleetChild carries a fleetChild to the test binary run again as a
// process of the fleet.
const envFleetChild = "BREAKERGEN_PROMBREAKER_FLEET_CHILD"

// Lines a child writes to its standard output: that it is ready, and its
// report.
const (
	readyMark  = "FLEETCHILDREADY"
	reportMark = "FLEETCHILDREPORT "
)

// fleetChild is what one process of the fleet does: on a fleet store of the
// redis-server at Addr, it binds the circuit "payments" and, Trip, calls it
// with three failures (its threshold), or reads its status and waits until its
// /metrics shows the opening, at most Wait.
type fleetChild struct {
	Addr, Prefix string
	Trip         bool
	Wait         time.Duration
}

// fleetReport is what a child scraped from its own /metrics at the end: the
// value of every series of the circuit "payments", by its name and labels as
// written (breakergen_transitions_total{circuit="payments",scope="fleet",to="opened"}).
type fleetReport struct {
	Series map[string]float64
}

// fleetOptions are the options of the fleet's circuit: three failures open it.
var fleetOptions = runtime.Options{CoolDown: time.Minute, EvaluationWindow: time.Minute, SampleThreshold: 3}

// openedSeries is the series of the circuit's opening by the fleet.
const openedSeries = `breakergen_transitions_total{circuit="payments",scope="fleet",to="opened"}`

// TestLearntTransitionsInEveryProcess is issue 17's item 10 with two real
// processes on one real redis-server in fleet mode: process A's failures open
// the circuit; process B, which bound the circuit but made no call, counts
// the opening it learnt in its own breakergen_transitions_total, as scraped
// from its own /metrics, once; A counts it once too.
func TestLearntTransitionsInEveryProcess(t *testing.T) {
	srv := redistest.Start(t)
	exe, err := os.Executable()
	require.NoError(t, err)
	prefix := fmt.Sprintf("prombreaker-fleet-%d", time.Now().UnixNano())
	child := func(c fleetChild) *exec.Cmd {
		cfg, err := json.Marshal(c)
		require.NoError(t, err)
		ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		t.Cleanup(cancel)
		cmd := exec.CommandContext(ctx, exe, "-test.run=^TestFleetChild$", "-test.count=1")
		cmd.Env = append(os.Environ(), envFleetChild+"="+string(cfg))
		return cmd
	}

	// B first: it knows the circuit and says so.
	b := child(fleetChild{Addr: srv.Addr(), Prefix: prefix, Wait: 10 * time.Second})
	var bErr strings.Builder
	b.Stderr = &bErr
	out, err := b.StdoutPipe()
	require.NoError(t, err)
	require.NoError(t, b.Start())
	lines := bufio.NewScanner(out)
	ready := false
	for !ready && lines.Scan() {
		ready = strings.Contains(lines.Text(), readyMark)
	}
	require.True(t, ready, "B never got ready:\n%s", bErr.String())

	// A trips the circuit and exits.
	a := child(fleetChild{Addr: srv.Addr(), Prefix: prefix, Trip: true})
	aOut, err := a.CombinedOutput()
	require.NoError(t, err, "A:\n%s", aOut)
	aRep := childReport(t, "A", string(aOut))

	var rest strings.Builder
	for lines.Scan() {
		rest.WriteString(lines.Text() + "\n")
	}
	require.NoError(t, b.Wait(), "B:\n%s%s\nA:\n%s", rest.String(), bErr.String(), aOut)
	bRep := childReport(t, "B", rest.String())
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

// childReport returns the report in a child's output.
func childReport(t *testing.T, who, out string) fleetReport {
	t.Helper()
	_, line, found := strings.Cut(out, reportMark)
	require.True(t, found, "%s's report:\n%s", who, out)
	line, _, _ = strings.Cut(line, "\n")
	var rep fleetReport
	require.NoError(t, json.Unmarshal([]byte(line), &rep), "%s's report:\n%s", who, out)
	return rep
}

// TestFleetChild is a process of TestLearntTransitionsInEveryProcess; it is
// skipped unless run by it.
func TestFleetChild(t *testing.T) {
	cfg := os.Getenv(envFleetChild)
	if cfg == "" {
		t.Skip("a child of TestLearntTransitionsInEveryProcess")
	}
	var fc fleetChild
	require.NoError(t, json.Unmarshal([]byte(cfg), &fc))
	client := redis.NewClient(&redis.Options{Addr: fc.Addr})
	defer client.Close()
	store, err := redisstore.New(client, redisstore.WithPrefix(fc.Prefix))
	require.NoError(t, err)
	col := prombreaker.MustNewCollector()
	b := runtime.MustNew(runtime.WithStorage(store), runtime.WithListener(col))
	defer func() { assert.NoError(t, b.Shutdown(context.Background())) }()
	col.Watch(b)
	reg := prometheus.NewPedanticRegistry()
	require.NoError(t, reg.Register(col))
	metrics := httptest.NewServer(promhttp.HandlerFor(reg, promhttp.HandlerOpts{}))
	defer metrics.Close()

	c := b.Circuit("payments", fleetOptions)
	ctx := context.Background()
	if fc.Trip {
		for range 3 {
			err := c.Run(ctx, func(context.Context) error { return fmt.Errorf("payments: 503") })
			require.Error(t, err)
		}
		st, err := c.Status(ctx)
		require.NoError(t, err)
		require.True(t, st.Open(), "A's circuit after its failures: %v", st)
	} else {
		// B knows the circuit, as a service that built its clients does, but
		// calls nothing: a process with calls of its own that all succeed
		// would be a process that does not vote to open, and with the
		// default quorum (2) A's failures would then open the circuit in A
		// only (a local opening), which the fleet never learns.
		_, err := c.Status(ctx)
		require.NoError(t, err, "B reading its circuit")
		fmt.Println(readyMark)
		if !assert.Eventually(t, func() bool {
			series, err := scrape(metrics.URL)
			return err == nil && series[openedSeries] >= 1
		}, fc.Wait, 10*time.Millisecond, "B's /metrics counting the opening") {
			st, err := c.Status(ctx)
			t.Fatalf("B's circuit: %v, error %v", st, err)
		}
		time.Sleep(100 * time.Millisecond) // room for a duplicate to show up
	}
	series, err := scrape(metrics.URL)
	require.NoError(t, err)
	out, err := json.Marshal(fleetReport{Series: series})
	require.NoError(t, err)
	fmt.Println("\n" + reportMark + string(out))
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
