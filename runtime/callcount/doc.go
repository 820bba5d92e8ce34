// Package callcount is the hot-path hook of metrics: it counts every call of
// every circuit by its outcome, without the status an event carries, so that a
// metrics collector adds a few nanoseconds to a call rather than a status read.
//
// A listener given to runtime.WithListener that also implements Counter is
// asked once per circuit, when the circuit is made, for the function that
// counts that circuit's calls; the circuit then calls that function once per
// call with its Outcome. prombreaker, otelbreaker and circuitstats count calls
// this way. The package imports nothing of breakergen, so the runtime and every
// integration can import it.
package callcount
