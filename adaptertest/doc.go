// Package adaptertest is the conformance suite of breakergen's adapters: the
// scenarios every adapter that puts a client library's calls behind circuits
// (breakerhttp, breakergrpc, breakerredis, breakersql, or a third party's)
// must pass, against real servers.
//
// An adapter's test fills in a Harness: Setup wires the adapter, on the
// breaker the suite gives it, to servers that can be told how to answer each
// call (Behavior), and returns a Fixture that makes calls and reports what
// reached the servers. Run then plays every scenario, each with a fresh
// breaker on a clock the suite moves, so no scenario sleeps:
//
//	func TestConformance(t *testing.T) {
//		adaptertest.Run(t, adaptertest.Harness{Name: "myadapter", Setup: setup})
//	}
//
// The scenarios check that failures open the circuit and successes below the
// threshold keep it closed; that the caller's own cancellation and the
// protocol's "not found" are never failures; that a skipped call makes no
// request, matches runtime.ErrOpen and the protocol's own "unavailable",
// carries the retry-after, and leaves no body or stream open; that one probe
// runs after the cool-down and closes the circuit; that circuits of different
// targets stay separate; that a server handler that panics is counted once;
// and that concurrent calls are counted exactly. Run them under -race.
package adaptertest
