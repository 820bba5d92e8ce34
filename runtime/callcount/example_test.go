package callcount_test

import (
	"context"
	"errors"
	"fmt"
	"sync/atomic"

	"github.com/breakergen/breakergen/runtime"
	"github.com/breakergen/breakergen/runtime/callcount"
)

// skips counts the refused calls of every circuit. It wants no event, so
// calls stay on the hot path; its counting function adds an atomic increment.
type skips struct{ n atomic.Int64 }

func (s *skips) Handle(runtime.Event) {}

func (s *skips) Events() []runtime.EventType { return []runtime.EventType{} }

func (s *skips) CountCalls(string) func(callcount.Outcome) {
	return func(o callcount.Outcome) {
		if o == callcount.Skipped {
			s.n.Add(1)
		}
	}
}

// Example counts the calls an open circuit refuses.
func Example() {
	s := &skips{}
	b := runtime.MustNew(runtime.WithListener(s))
	c := b.Circuit("search", runtime.Options{SampleThreshold: 1})
	ctx := context.Background()
	down := errors.New("down")
	for range 3 {
		_ = c.Run(ctx, func(context.Context) error { return down })
	}
	fmt.Println("skipped:", s.n.Load())
	// Output:
	// skipped: 2
}
