// Package bench compares breakergen's runtime with other Go circuit-breaker
// libraries (sony/gobreaker v2, failsafe-go, cep21/circuit v4) on the hot paths
// of a breaker, side by side in one run: a successful call through a closed
// circuit, the same with a listener of state changes and with a per-call
// counting hook, a call refused by an open circuit, a failure below the
// threshold, the same calls spread over 10,000 circuits, and the memory a
// circuit holds at rest.
//
// It is a module of its own (github.com/breakergen/breakergen/bench) so that the
// main module never depends on a competitor. Each contender lives in a file named
// after it (breakergen.go, gobreaker.go, failsafe.go, cep21circuit.go): the
// constructors that fix its configuration for each benchmark and the call
// functions the benchmarks time. The rows of the tables (rows_test.go) build
// breakers and calls with those functions for the benchmarks (*_bench_test.go)
// and for the tests (contenders_test.go), which prove that every timed call goes
// through a live breaker configured as documented. README.md holds the
// configuration of each contender, the command and the latest results.
package bench
