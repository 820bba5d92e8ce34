package otelbreaker_test

import (
	"context"
	"fmt"

	"github.com/breakergen/breakergen/otelbreaker"
	"github.com/breakergen/breakergen/runtime"
	sdkmetric "go.opentelemetry.io/otel/sdk/metric"
	"go.opentelemetry.io/otel/sdk/metric/metricdata"
)

// Example reports a breaker's circuits through an OpenTelemetry meter
// provider; a service would give it a periodic reader and an exporter
// instead of the manual reader used here.
func Example() {
	reader := sdkmetric.NewManualReader()
	provider := sdkmetric.NewMeterProvider(sdkmetric.WithReader(reader))
	defer func() { _ = provider.Shutdown(context.Background()) }()

	rec, err := otelbreaker.NewRecorder(otelbreaker.WithMeterProvider(provider))
	if err != nil {
		fmt.Println(err)
		return
	}
	b := runtime.MustNew(runtime.WithListener(rec))         // only the events rec needs
	defer func() { _ = b.Shutdown(context.Background()) }() // the breaker owns rec: this shuts it down
	rec.Watch(b)
	_ = b.Circuit("search").Run(context.Background(), func(context.Context) error { return nil })

	var rm metricdata.ResourceMetrics
	_ = reader.Collect(context.Background(), &rm)
	for _, m := range rm.ScopeMetrics[0].Metrics {
		fmt.Println(m.Name, m.Unit)
	}
	// Output:
	// breakergen.calls {call}
	// breakergen.fallbacks {call}
	// breakergen.transitions {transition}
	// breakergen.lock_changes {change}
	// breakergen.probes {probe}
	// breakergen.storage.failures {failure}
	// breakergen.circuit.open 1
	// breakergen.circuit.local 1
	// breakergen.circuit.failure_rate 1
	// breakergen.circuit.samples {call}
	// breakergen.circuit.locked 1
}
