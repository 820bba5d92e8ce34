package otelbreaker_test

import (
	"context"
	"fmt"
	"testing"

	"github.com/breakergen/breakergen/internal/testing/fleetpair"
	"github.com/breakergen/breakergen/otelbreaker"
	"github.com/breakergen/breakergen/runtime"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/otel/attribute"
	sdkmetric "go.opentelemetry.io/otel/sdk/metric"
	"go.opentelemetry.io/otel/sdk/metric/metricdata"
)

// envFleetChild carries a fleetpair.Child to the test binary run again as a
// process of the fleet.
const envFleetChild = "BREAKERGEN_OTELBREAKER_FLEET_CHILD"

// fleetReport is what a child's ManualReader collected at the end: the
// value of every data point of the circuit "payments", by instrument and
// attributes (breakergen.transitions{breakergen.circuit.name=payments,breakergen.circuit.scope=fleet,breakergen.transition.to=opened}).
type fleetReport struct {
	Points map[string]float64
}

// openedPoint is the data point of the circuit's opening by the fleet.
const openedPoint = "breakergen.transitions{breakergen.circuit.name=payments,breakergen.circuit.scope=fleet,breakergen.transition.to=opened}"

// TestLearntTransitionsInEveryProcess is issue 17's item 10 with two real
// processes on one real redis-server in fleet mode (fleetpair): process A's
// failures open the circuit; process B, which bound the circuit but made no
// call, counts the opening it learnt in its own breakergen.transitions, as
// its ManualReader collects it, once; A counts it once too.
func TestLearntTransitionsInEveryProcess(t *testing.T) {
	var aRep, bRep fleetReport
	fleetpair.Run(t, envFleetChild, "TestFleetChild", &aRep, &bRep)
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

// TestFleetChild is a process of TestLearntTransitionsInEveryProcess; it is
// skipped unless run by it.
func TestFleetChild(t *testing.T) {
	fc, ok := fleetpair.ChildOf(t, envFleetChild)
	if !ok {
		t.Skip("a child of TestLearntTransitionsInEveryProcess")
	}
	reader := sdkmetric.NewManualReader()
	mp := sdkmetric.NewMeterProvider(sdkmetric.WithReader(reader))
	defer func() { assert.NoError(t, mp.Shutdown(context.Background())) }()
	rec, err := otelbreaker.NewRecorder(otelbreaker.WithMeterProvider(mp))
	require.NoError(t, err)
	b := runtime.MustNew(runtime.WithStorage(fc.Store(t)), runtime.WithListener(rec))
	rec.Watch(b)
	fc.Play(t, b, func() bool {
		points, err := collect(reader)
		return err == nil && points[openedPoint] >= 1
	}, func() (any, error) {
		points, err := collect(reader)
		return fleetReport{Points: points}, err
	})
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
