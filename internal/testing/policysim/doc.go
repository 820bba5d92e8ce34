// Package policysim replays traffic against one circuit on a fake clock: a
// scenario is a list of phases, each a span during which the dependency fails
// a share of its calls, takes some time to answer, or hangs. Run drives the
// calls through a runtime.Circuit on in-memory storage, one event at a time
// in the order of the scenario's clock, and returns what became of them
// interval by interval: admitted, rejected, succeeded, failed, and how many of
// the calls would have succeeded had they run.
//
// The runtime's acceptance tests (the Semian scenarios, the soak, the hung
// handler) and the README's timeline pictures (cmd policysvg, under
// internal/tools) are built on it, so the pictures show what the tests check.
// Everything is deterministic: arrivals are evenly spaced, and outcomes and
// latencies come from a seeded generator.
package policysim
