package runtime_test

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/breakergen/breakergen/runtime"
	"github.com/breakergen/breakergen/runtime/fakeclock"
)

// Example trips a circuit, is skipped while it cools down, and closes it with one
// successful probe.
func Example() {
	clock := fakeclock.New(time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC))
	b := runtime.MustNew(
		runtime.WithClock(clock),
		// Only the events it lists: successes and failures stay on the hot path.
		runtime.WithListener(runtime.ListenerFunc(func(e runtime.Event) {
			fmt.Println("event:", e.Type)
		}), runtime.EventOpened, runtime.EventReopened, runtime.EventClosed, runtime.EventSkipped),
	)
	payments := b.Circuit("payments", runtime.Options{CoolDown: 30 * time.Second})
	ctx := context.Background()
	down := errors.New("connection refused")

	for range 3 {
		err := payments.Run(ctx, func(context.Context) error { return down })
		fmt.Println("call:", err)
	}
	err := payments.Run(ctx, func(context.Context) error { return nil })
	fmt.Println("call:", err, errors.Is(err, runtime.ErrOpen))

	clock.Advance(30 * time.Second)
	err = payments.Run(ctx, func(context.Context) error { return nil })
	fmt.Println("probe:", err)
	st, _ := payments.Status(ctx)
	fmt.Println("closed:", st.Closed())
	// Output:
	// call: connection refused
	// call: connection refused
	// event: opened
	// call: connection refused
	// event: skipped
	// call: breakergen: circuit "payments" open true
	// event: closed
	// probe: <nil>
	// closed: true
}

// ExampleCircuit_Allow shows the two-step path that generated decorators use: no
// closure is allocated per call.
func ExampleCircuit_Allow() {
	c := runtime.MustNew().Circuit("inventory")
	ctx := context.Background()

	a, err := c.Allow(ctx)
	if err != nil {
		fmt.Println("skipped:", err)
		return
	}
	defer a.RecordPanic()
	err = nil // call the dependency here
	a.Done(ctx, err)
	fmt.Println("ran")
	// Output: ran
}

// ExampleDo returns a value through a circuit.
func ExampleDo() {
	c := runtime.MustNew().Circuit("prices")
	price, err := runtime.Do(context.Background(), c, func(context.Context) (int, error) {
		return 42, nil
	})
	fmt.Println(price, err)
	// Output: 42 <nil>
}

// ExampleWithOverrides lets an operator retune a circuit without regenerating.
func ExampleWithOverrides() {
	b := runtime.MustNew(runtime.WithOverrides("payments", runtime.Options{CoolDown: time.Minute}))
	c := b.Circuit("payments", runtime.Options{CoolDown: 10 * time.Second, SampleThreshold: 5})
	fmt.Println(c.Options().CoolDown, c.Options().SampleThreshold)
	// Output: 1m0s 5
}

// ExampleNew reports invalid configuration as an error instead of MustNew's panic.
func ExampleNew() {
	_, err := runtime.New(runtime.WithDefaults(runtime.Options{RateThreshold: 2}))
	fmt.Println(err)
	// Output: breakergen: invalid options: breakergen: invalid configuration: RateThreshold 2 outside (0, 1] (WithDefaults)
}
