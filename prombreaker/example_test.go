package prombreaker_test

import (
	"context"
	"fmt"
	"strings"

	"github.com/breakergen/breakergen/prombreaker"
	"github.com/breakergen/breakergen/runtime"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"
)

// Example wires a collector into a breaker and a registry. A service would
// then serve the registry with promhttp.HandlerFor(reg, promhttp.HandlerOpts{}).
func Example() {
	col := prombreaker.MustNewCollector()
	b := runtime.MustNew(runtime.WithListener(col)) // only the events it needs
	col.Watch(b)                                    // gauges read at scrape time
	reg := prometheus.NewRegistry()
	reg.MustRegister(col)

	search := b.Circuit("search")
	_ = search.Run(context.Background(), func(context.Context) error { return nil })

	err := testutil.GatherAndCompare(reg, strings.NewReader(`
# HELP breakergen_circuit_open 1 when the circuit is open or half-open, 0 when closed; read at scrape time.
# TYPE breakergen_circuit_open gauge
breakergen_circuit_open{circuit="search"} 0
`), "breakergen_circuit_open")
	fmt.Println("circuit_open as expected:", err == nil)
	n, _ := testutil.GatherAndCount(reg)
	fmt.Println("series:", n) // 21 of the circuit, and the storage failures
	// Output:
	// circuit_open as expected: true
	// series: 22
}
