// Package policies has policy directives that do not parse, are out of
// range, or do not go together.
package policies

import "context"

//breaker:circuit slow=fast slowrate=2 cooldownmax=0s ramp=25h probes=0 mode=fast k=-1
type Values interface {
	//breaker:circuit slow=1m slowrate=0.5
	A(ctx context.Context) error
	//breaker:circuit cooldown=1m cooldownmax=30s
	B(ctx context.Context) error
	//breaker:circuit k=3
	C(ctx context.Context) error
	//breaker:circuit mode=adaptive ramp=30s probes=3 slow=2s cooldownmax=10m
	D(ctx context.Context) error
}

// Merged has options that go together on the interface and on each method
// alone, but not once a method's are laid over the interface's.
//
//breaker:circuit mode=adaptive
type Merged interface {
	//breaker:circuit ramp=30s
	A(ctx context.Context) error
	//breaker:circuit k=1.5 probes=1
	B(ctx context.Context) error
}
