package fleetsim_test

import (
	"fmt"

	"github.com/breakergen/breakergen/internal/tools/fleetsim"
)

// Example lists the large configurations; TestLarge runs them with
// BREAKERGEN_FLEETSIM=large, each against a redis-server of its own, and
// prints a Report per run.
func Example() {
	for _, p := range fleetsim.Large() {
		fmt.Printf("%s: %s\n", p.Name, p.Config)
	}
	// Output:
	// steady-16x1000: scenario steady, 16 processes × 1000 circuits, 20 calls/s per pair (320000 calls/s), 1.00% failures
	// idle-16x1000: scenario idle, 16 processes × 1000 circuits, 0 calls/s per pair (0 calls/s), 0.00% failures
	// incident-one-16x1000: scenario incident-one, 16 processes × 1000 circuits, 20 calls/s per pair (320000 calls/s), 1.00% failures
	// incident-all-16x1000: scenario incident-all, 16 processes × 1000 circuits, 20 calls/s per pair (320000 calls/s), 1.00% failures
	// steady-16x100: scenario steady, 16 processes × 100 circuits, 20 calls/s per pair (32000 calls/s), 1.00% failures
	// incident-one-16x100: scenario incident-one, 16 processes × 100 circuits, 20 calls/s per pair (32000 calls/s), 1.00% failures
	// incident-all-16x100: scenario incident-all, 16 processes × 100 circuits, 20 calls/s per pair (32000 calls/s), 1.00% failures
	// steady-4x250: scenario steady, 4 processes × 250 circuits, 20 calls/s per pair (20000 calls/s), 1.00% failures
	// steady-4x250-100: scenario steady, 4 processes × 250 circuits, 100 calls/s per pair (100000 calls/s), 1.00% failures
}
