//go:build race

package runtime_test

// raceEnabled reports that the tests run with the race detector, which
// makes a simulated day of traffic take minutes instead of a second.
const raceEnabled = true
