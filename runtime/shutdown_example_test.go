package runtime_test

import (
	"context"
	"fmt"
	"time"

	"github.com/breakergen/breakergen/runtime"
	"github.com/breakergen/breakergen/runtime/async"
)

// ExampleBreaker_Shutdown stops what a breaker owns when the service drains:
// here an asynchronous listener, whose queued events are delivered first, and
// a function registered by code built on the breaker.
func ExampleBreaker_Shutdown() {
	logged := make(chan string, 10)
	logs, err := async.New(runtime.ListenerFunc(func(e runtime.Event) { logged <- e.Type.String() }))
	if err != nil {
		fmt.Println(err)
		return
	}
	b := runtime.MustNew(runtime.WithListener(logs, runtime.EventOpened))
	b.OnShutdown(func(context.Context) error {
		fmt.Println("keyed families stopped")
		return nil
	})
	c := b.Circuit("search", runtime.Options{SampleThreshold: 1})
	_ = c.Run(context.Background(), func(context.Context) error { return context.DeadlineExceeded })

	ctx, cancel := context.WithTimeout(context.Background(), time.Second)
	defer cancel()
	fmt.Println("shutdown:", b.Shutdown(ctx))
	fmt.Println("delivered:", <-logged)
	// Output:
	// keyed families stopped
	// shutdown: <nil>
	// delivered: opened
}
