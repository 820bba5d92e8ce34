package bench

import (
	"context"

	"github.com/breakergen/breakergen/runtime"
)

// newBreakergen returns a breakergen circuit as a user gets it with no
// configuration: in-memory storage, default options (cool-down 5m, window 1m,
// rate 0.5, 3 samples), no listener.
func newBreakergen() *runtime.Circuit {
	return runtime.New().Circuit("bench")
}

// breakergenAllowDone runs fn through c with the two-step API a generated
// decorator uses: Allow, the call, Done.
func breakergenAllowDone(ctx context.Context, c *runtime.Circuit, fn func(context.Context) error) error {
	a, err := c.Allow(ctx)
	if err != nil {
		return err
	}
	err = fn(ctx)
	a.Done(ctx, err)
	return err
}

// breakergenRun runs fn through c with Circuit.Run, which also records a panic
// in fn as a failure.
func breakergenRun(ctx context.Context, c *runtime.Circuit, fn func(context.Context) error) error {
	return c.Run(ctx, fn)
}
