package engine

import "github.com/breakergen/breakergen/internal/hotpath/coarse"

// Clock is the local monotonic time the engine reads, in nanoseconds since
// an arbitrary origin of its own. Batches are stamped with Now, the link's
// exchanges are timed by it (the staleness bound, the pings), and the refresh
// turns are drawn from it; the estimate of the server's clock advances with
// Coarse, which the hot path reads on every decision and so must be cheap.
// Tests give the engine a fake one to move time without sleeping.
type Clock interface {
	// Now returns the precise monotonic time.
	Now() int64
	// Coarse returns the monotonic time of Now's origin, at most a few
	// milliseconds stale.
	Coarse() int64
}

// RealClock is the process's monotonic clock, from package coarse: Coarse
// is as stale as coarse.Nanos, and one atomic load.
type RealClock struct{}

// Now returns coarse.MonoNow.
func (RealClock) Now() int64 { return coarse.MonoNow() }

// Coarse returns coarse.Mono.
func (RealClock) Coarse() int64 { return coarse.Mono() }
