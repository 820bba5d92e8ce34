//go:build race

package breakergrpc_test

// raceEnabled reports that the tests run with the race detector, under
// which sync.Pool drops some of the values put in it.
const raceEnabled = true
