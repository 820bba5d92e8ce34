package async_test

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/breakergen/breakergen/runtime"
	"github.com/breakergen/breakergen/runtime/async"
)

// Example puts a listener that may block (here, one that writes to a slow
// sink) behind a bounded queue. The breaker owns it: its Shutdown delivers
// what is queued, then stops the queue's goroutine.
func Example() {
	sink := make(chan string, 10)
	slow := runtime.ListenerFunc(func(e runtime.Event) { sink <- e.Circuit + " " + e.Type.String() })
	logs, err := async.New(slow, async.WithQueue(256))
	if err != nil {
		fmt.Println(err)
		return
	}
	b := runtime.MustNew(runtime.WithListener(logs, runtime.EventOpened, runtime.EventClosed))
	c := b.Circuit("search")
	for range 3 {
		_ = c.Run(context.Background(), func(context.Context) error { return errors.New("timeout") })
	}

	ctx, cancel := context.WithTimeout(context.Background(), time.Second)
	defer cancel()
	_ = b.Shutdown(ctx)
	fmt.Println(<-sink, "dropped:", logs.Dropped())
	// Output: search opened dropped: 0
}
