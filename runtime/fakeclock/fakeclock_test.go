package fakeclock_test

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/breakergen/breakergen/runtime"
	"github.com/breakergen/breakergen/runtime/fakeclock"
)

var _ runtime.Clock = (*fakeclock.Clock)(nil)

func TestClock(t *testing.T) {
	start := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	c := fakeclock.New(start)
	if !c.Now().Equal(start) {
		t.Fatalf("Now = %v, want %v", c.Now(), start)
	}
	c.Advance(90 * time.Second)
	if got := c.Now().Sub(start); got != 90*time.Second {
		t.Fatalf("after Advance the clock moved %v, want 1m30s", got)
	}
	c.Set(start)
	if !c.Now().Equal(start) {
		t.Fatal("Set did not move the clock")
	}
}

// Example drives a circuit's cool-down without sleeping.
func Example() {
	clock := fakeclock.New(time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC))
	c := runtime.MustNew(runtime.WithClock(clock)).Circuit("db", runtime.Options{CoolDown: time.Minute})
	ctx := context.Background()
	for range 3 {
		_ = c.Run(ctx, func(context.Context) error { return errors.New("timeout") })
	}
	fmt.Println(errors.Is(c.Run(ctx, func(context.Context) error { return nil }), runtime.ErrOpen))
	clock.Advance(time.Minute)
	fmt.Println(c.Run(ctx, func(context.Context) error { return nil }))
	// Output:
	// true
	// <nil>
}
