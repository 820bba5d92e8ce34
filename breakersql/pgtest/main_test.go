package pgtest

import (
	"fmt"
	"os"
	"testing"
)

// pg is the server every test of the package uses; nil when none could be
// started, with why in pgMissing.
var (
	pg        *server
	pgMissing error
)

func TestMain(m *testing.M) {
	pg, pgMissing = startServer()
	if pgMissing != nil && os.Getenv(requireEnv) == "1" {
		fmt.Fprintf(os.Stderr, "pgtest: %s=1 and no PostgreSQL server: %v\n", requireEnv, pgMissing)
		os.Exit(1)
	}
	code := m.Run()
	if pg != nil {
		pg.stop()
	}
	os.Exit(code)
}

// requireServer skips the test when no server could be started.
func requireServer(t *testing.T) *server {
	t.Helper()
	if pg == nil {
		t.Skipf("no PostgreSQL server (%v); %s=1 makes this a failure", pgMissing, requireEnv)
	}
	return pg
}
