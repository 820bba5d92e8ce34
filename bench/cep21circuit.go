package bench

import (
	"context"

	"github.com/cep21/circuit/v4"
	"github.com/cep21/circuit/v4/closers/hystrix"
)

// newCep21 returns a cep21/circuit v4 circuit configured as a plain breaker.
//
// A Manager with no configuration makes circuits that never open, so the
// Manager uses the library's Hystrix logic with its defaults (hystrix.Factory{}:
// opens at 50% errors over at least 20 requests in a 10s window, probes after
// 5s). The execution config turns off what a plain breaker does not do: the
// default 1s Timeout (Timeout: -1), which wraps every call's context in
// context.WithDeadline and its timer, and the default limit of 10 concurrent
// calls (MaxConcurrentRequests: -1), a bulkhead. Calls go through Circuit.Run
// (Execute without a fallback), never Circuit.Go, which runs fn on a new
// goroutine.
func newCep21() *circuit.Circuit {
	f := hystrix.Factory{}
	m := circuit.Manager{DefaultCircuitProperties: []circuit.CommandPropertiesConstructor{f.Configure}}
	return m.MustCreateCircuit("bench", circuit.Config{
		Execution: circuit.ExecutionConfig{Timeout: -1, MaxConcurrentRequests: -1},
	})
}

// cep21Run runs fn through c with Circuit.Run.
func cep21Run(ctx context.Context, c *circuit.Circuit, fn func(context.Context) error) error {
	return c.Run(ctx, fn)
}
