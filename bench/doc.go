// Package bench compares breakergen's runtime with other Go circuit-breaker
// libraries on the same workload: a successful no-op call through a closed
// circuit, from one goroutine and from b.RunParallel.
//
// It is a module of its own (github.com/breakergen/breakergen/bench) so that the
// main module never depends on a competitor. Each contender lives in a file named
// after it (breakergen.go, gobreaker.go, failsafe.go, cep21circuit.go): a
// constructor that fixes the contender's configuration and the call functions the
// benchmarks time. The tests drive those very functions with failures until the
// breaker rejects a call, so every benchmarked path provably goes through a live
// breaker. README.md holds the configuration of each contender, the command and
// the latest results.
package bench
