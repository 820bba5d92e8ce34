package redistest_test

import (
	"fmt"

	"github.com/breakergen/breakergen/internal/testing/redistest"
)

// A test starts a server with redistest.Start(t), a cluster with
// redistest.StartCluster(t, 3) and a master with one replica and three
// sentinels with redistest.StartReplicated(t, 1, 3); all are killed when the
// test ends. This example shows the switch that makes a missing redis-server
// fail rather than skip.
func Example() {
	fmt.Println(redistest.RequireEnv + "=1")
	// Output: BREAKERGEN_REQUIRE_REDIS=1
}
