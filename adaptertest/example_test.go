package adaptertest_test

import (
	"context"
	"fmt"
	"testing"

	"github.com/breakergen/breakergen/adaptertest"
)

// Example_gate shows the Gate a fixture's servers use for the Hang behaviour:
// a handler holds until the suite releases it.
func Example_gate() {
	t := &testing.T{} // in a fixture, the scenario's t
	var g adaptertest.Gate
	released := make(chan bool)
	go func() { released <- g.Hold(context.Background()) }() // a server handler

	g.AwaitHeld(t, 1)
	fmt.Println("held:", g.Held())
	g.Release()
	fmt.Println("released:", <-released)
	// Output:
	// held: 1
	// released: true
}

// Example lists the scenarios an adapter must pass.
func Example() {
	names := adaptertest.Scenarios()
	fmt.Println(len(names) >= 30, names[0])
	// Output: true SuccessIsRecorded
}
