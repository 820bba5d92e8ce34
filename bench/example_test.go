package bench

import (
	"context"
	"errors"
	"fmt"

	"github.com/breakergen/breakergen/runtime"
)

// Example shows the breakergen path the benchmarks time, tripped by three
// failures under the default options.
func Example() {
	ctx := context.Background()
	c := newBreakergen()
	fail := func(context.Context) error { return errors.New("dependency failed") }
	for range 3 {
		_ = breakergenAllowDone(ctx, c, fail)
	}
	err := breakergenAllowDone(ctx, c, nopCtx)
	fmt.Println(errors.Is(err, runtime.ErrOpen))
	// Output: true
}
