// Package fleetsim is the fleet simulator: it measures what a fleet of
// processes sharing circuits through redisstore costs Redis.
//
// A run builds P fleet stores, each a redisstore.Store with a go-redis client
// of its own (as P processes would have), each behind a runtime.Breaker with C
// circuits, and calls every (store, circuit) pair at R calls a second, F of
// them failing, against one redis-server. A ticker-driven scheduler issues the
// calls at the target rate from several goroutines and reports the rate it
// achieved. Between the phases of a run it reads Redis's INFO (CPU, commands,
// scripts, memory, clients) and the simulator's own CPU, and prints the
// figures of each phase in a stable text format (Report.WriteText) or as JSON.
//
// The scenarios (Scenario) are steady traffic, an incident of one circuit or
// of every circuit in the middle of a run, and idle circuits, bound but never
// called and then called once.
//
// The package is driven by its tests, which start redis-server themselves on a
// free loopback port (internal/testing/redistest): the small configurations
// run in CI in seconds, the large ones when BREAKERGEN_FLEETSIM=large, and one
// run of any configuration from the test's flags. bench/README.md says how.
package fleetsim
