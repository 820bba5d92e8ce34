package bench

import (
	"context"
	"errors"
	"time"
)

// errDependency is the error of every failed call: the protected dependency
// failing. The benchmarks compare returned errors with it by identity.
var errDependency = errors.New("dependency failed")

// The protected calls, one per signature a contender takes: a no-op that
// succeeds and one that fails with errDependency. Every benchmark op calls one of
// them through its breaker (or, refused, none).
var (
	nopCtx    = func(context.Context) error { return nil }
	nop       = func() error { return nil }
	nopValue  = func() (struct{}, error) { return struct{}{}, nil }
	failCtx   = func(context.Context) error { return errDependency }
	fail      = func() error { return errDependency }
	failValue = func() (struct{}, error) { return struct{}{}, errDependency }
)

// longCoolDown is how long a circuit opened for the skip benchmarks stays open:
// far longer than any benchmark, so no call is let through as a probe.
const longCoolDown = time.Hour

// unreachable is a failure threshold that the failure benchmarks never reach:
// about a billion calls, more than 30 seconds of failures at the fastest rate
// measured here, where each breaker is called for about a second.
const unreachable = 1 << 30
