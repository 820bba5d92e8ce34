package breakertest_test

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/breakergen/breakergen/breakertest"
	"github.com/breakergen/breakergen/runtime"
)

// quote is code under test: it answers from a cache when the pricing
// dependency's circuit refuses the call.
func quote(ctx context.Context, pricing *runtime.Circuit) string {
	price, err := runtime.Do(ctx, pricing, func(context.Context) (string, error) { return "42.00", nil })
	if errors.Is(err, runtime.ErrOpen) {
		return "41.50 (cached)"
	}
	return price
}

// Example forces a circuit open to test the code's fallback, then lets the
// cool-down pass so the probe closes the circuit. In a real test, t is the
// test's *testing.T.
func Example() {
	t := &testing.T{}
	kit := breakertest.New(t, runtime.WithDefaults(runtime.Options{CoolDown: 30 * time.Second}))
	pricing := kit.Breaker.Circuit("pricing")

	kit.ForceOpen("pricing")
	fmt.Println(quote(context.Background(), pricing))

	kit.Clock.Advance(30 * time.Second)
	fmt.Println(quote(context.Background(), pricing))
	fmt.Println(kit.Events.Transitions("pricing"))
	// Output:
	// 41.50 (cached)
	// 42.00
	// [closed]
}
