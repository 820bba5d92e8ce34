package otelbreaker_test

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/breakergen/breakergen/internal/testing/redistest"
	"github.com/breakergen/breakergen/otelbreaker"
	"github.com/breakergen/breakergen/runtime"
	"github.com/breakergen/breakergen/runtime/storage/redisstore"
	"github.com/redis/go-redis/v9"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/otel/attribute"
	sdkmetric "go.opentelemetry.io/otel/sdk/metric"
	"go.opentelemetry.io/otel/sdk/metric/metricdata"
)

// envFleetChild carries a fleetChild to the test binary run again as a
// process of the fleet.
const envFleetChild = "BREAKERGEN_OTELBREAKER_FLEET_CHILD"

// Lines a child writes to its standard output: that it is ready, and its
// report.
const (
	readyMark  = "FLEETCHILDREADY"
	reportMark = "FLEETCHILDREPORT "
)

// fleetChild is what one process of the fleet does: on a fleet store of the
// redis-server at Addr, it binds the circuit "payments" and, Trip, calls it
// with three failures (its threshold), or reads its status and waits until its
// reader collects the opening, at most Wait.
type fleetChild struct {
	Addr, Prefix string
	Trip         bool
	Wait         time.Duration
}

// fleetReport is what a child's ManualReader collected at the end: the
// value of every data point of the circuit "payments", by instrument and
// attributes (breakergen.transitions{breakergen.circuit.name=payments,breakergen.circuit.scope=fleet,breakergen.transition.to=opened}).
type fleetReport struct {
	Points map[string]float64
}

// fleetOptions are the options of the fleet's circuit: three failures open it.
var fleetOptions = runtime.Options{CoolDown: time.Minute, EvaluationWindow: time.Minute, SampleThreshold: 3}

// openedPoint is the data point of the circuit's opening by the fleet.
const openedPoint = "breakergen.transitions{breakergen.circuit.name=payments,breakergen.circuit.scope=fleet,breakergen.transition.to=opened}"

// TestLearntTransitionsInEveryProcess is issue 17's item 10 with two real
// processes on one real redis-server in fleet mode: process A's failures open
// the circuit; process B, which bound the circuit but made no call, counts
// the opening it learnt in its own breakergen.transitions, as its
// ManualReader collects it, once; A counts it once too.
func TestLearntTransitionsInEveryProcess(t *testing.T) {
	srv := redistest.Start(t)
	exe, err := os.Executable()
	require.NoError(t, err)
	prefix := fmt.Sprintf("otelbreaker-fleet-%d", time.Now().UnixNano())
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
	t.Logf("A's points: %v", aRep.Points)
	t.Logf("B's points: %v", bRep.Points)

	const calls = "breakergen.calls{breakergen.call.outcome=%s,breakergen.circuit.name=payments}"
	assert.Equal(t, 1.0, aRep.Points[openedPoint], "A's count of the opening it made")
	assert.Equal(t, 3.0, aRep.Points[fmt.Sprintf(calls, "failure")], "A's failures")
	assert.Equal(t, 1.0, bRep.Points[openedPoint], "B's count of the opening it learnt from A: once")
	for _, outcome := range []string{"success", "failure", "excluded", "skipped"} {
		assert.Equal(t, 0.0, bRep.Points[fmt.Sprintf(calls, outcome)], "B made no call: %s", outcome)
	}
	assert.Equal(t, 1.0, bRep.Points["breakergen.circuit.open{breakergen.circuit.name=payments}"], "B sees the circuit open")
	for _, rep := range []fleetReport{aRep, bRep} {
		for _, p := range []string{
			"breakergen.transitions{breakergen.circuit.name=payments,breakergen.circuit.scope=process,breakergen.transition.to=opened}",
			"breakergen.transitions{breakergen.circuit.name=payments,breakergen.circuit.scope=fleet,breakergen.transition.to=reopened}",
			"breakergen.transitions{breakergen.circuit.name=payments,breakergen.circuit.scope=fleet,breakergen.transition.to=closed}",
		} {
			if assert.Contains(t, rep.Points, p) {
				assert.Equal(t, 0.0, rep.Points[p], p)
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
	reader := sdkmetric.NewManualReader()
	mp := sdkmetric.NewMeterProvider(sdkmetric.WithReader(reader))
	defer func() { assert.NoError(t, mp.Shutdown(context.Background())) }()
	rec, err := otelbreaker.NewRecorder(otelbreaker.WithMeterProvider(mp))
	require.NoError(t, err)
	b := runtime.MustNew(runtime.WithStorage(store), runtime.WithListener(rec))
	defer func() { assert.NoError(t, b.Shutdown(context.Background())) }()
	rec.Watch(b)

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
			points, err := collect(reader)
			return err == nil && points[openedPoint] >= 1
		}, fc.Wait, 10*time.Millisecond, "B's reader collecting the opening") {
			st, err := c.Status(ctx)
			t.Fatalf("B's circuit: %v, error %v", st, err)
		}
		time.Sleep(100 * time.Millisecond) // room for a duplicate to show up
	}
	points, err := collect(reader)
	require.NoError(t, err)
	out, err := json.Marshal(fleetReport{Points: points})
	require.NoError(t, err)
	fmt.Println("\n" + reportMark + string(out))
}

// collect returns the data points of the circuit "payments" the reader
// collects from the recorder's meter. It runs in Eventually's goroutine too:
// it returns its error.
func collect(reader *sdkmetric.ManualReader) (map[string]float64, error) {
	var rm metricdata.ResourceMetrics
	if err := reader.Collect(context.Background(), &rm); err != nil {
		return nil, err
	}
	points := make(map[string]float64)
	add := func(name string, attrs attribute.Set, v float64) {
		if c, ok := attrs.Value(otelbreaker.AttrCircuit); ok && c.AsString() == "payments" {
			points[name+"{"+attrs.Encoded(attribute.DefaultEncoder())+"}"] = v
		}
	}
	for _, sm := range rm.ScopeMetrics {
		if sm.Scope.Name != otelbreaker.ScopeName {
			continue
		}
		for _, m := range sm.Metrics {
			switch d := m.Data.(type) {
			case metricdata.Sum[int64]:
				for _, p := range d.DataPoints {
					add(m.Name, p.Attributes, float64(p.Value))
				}
			case metricdata.Gauge[int64]:
				for _, p := range d.DataPoints {
					add(m.Name, p.Attributes, float64(p.Value))
				}
			case metricdata.Gauge[float64]:
				for _, p := range d.DataPoints {
					add(m.Name, p.Attributes, p.Value)
				}
			}
		}
	}
	return points, nil
}
