package circuitstats_test

import (
	"context"
	"fmt"

	"github.com/breakergen/breakergen/circuitstats"
	"github.com/breakergen/breakergen/runtime"
)

// Example counts the calls of a watched breaker's circuit and reads them back
// with its status, as a metrics exporter does at collection time.
func Example() {
	stats := circuitstats.New()
	b := runtime.MustNew(runtime.WithListener(stats))
	stats.Watch(b)
	c := b.Circuit("search")
	for range 2 {
		_ = c.Run(context.Background(), func(context.Context) error { return nil })
	}

	snap := stats.Snapshot(context.Background())
	for _, ci := range snap.Circuits {
		for i, o := range circuitstats.Outcomes {
			if ci.Calls[i] > 0 {
				fmt.Println(ci.Name, o, ci.Calls[i])
			}
		}
		fmt.Println(ci.Name, "closed:", ci.HasStatus && ci.Status.Closed())
	}
	// Output:
	// search success 2
	// search closed: true
}
