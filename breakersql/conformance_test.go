package breakersql_test

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"errors"
	"testing"

	"github.com/stretchr/testify/assert"

	"github.com/breakergen/breakergen/adaptertest"
	"github.com/breakergen/breakergen/breakersql"
	"github.com/breakergen/breakergen/runtime"
)

// TestConformance runs the adapters' shared suite against the Connector, with
// the in-test driver and two in-test database servers on loopback as the two
// targets (one pool, one circuit each).
func TestConformance(t *testing.T) {
	servers := [2]*lineServer{startLineServer(t), startLineServer(t)}
	adaptertest.Run(t, adaptertest.Harness{
		Name:     "breakersql",
		NotFound: adaptertest.NotFoundSuccess, // a query that found no row ran fine
		Skipped:  SkippedIsNotBadConn,
		Setup: func(t *testing.T, b *runtime.Breaker) adaptertest.Fixture {
			f := &sqlFixture{}
			for i, s := range servers {
				f.servers[i] = s
				f.start[i] = s.hits.Load()
				f.dbs[i] = sql.OpenDB(breakersql.Wrap(lineConnector{s.addr()}, b, breakersql.WithHost(s.addr())))
				t.Cleanup(func() { _ = f.dbs[i].Close() })
			}
			return f
		},
	})
}

// SkippedIsNotBadConn checks that database/sql got an error it does not
// retry on another connection.
func SkippedIsNotBadConn(t *testing.T, err error) {
	assert.NotErrorIs(t, err, driver.ErrBadConn)
}

type sqlFixture struct {
	servers [2]*lineServer
	start   [2]int64 // the servers' hits when the fixture started
	dbs     [2]*sql.DB
}

func (f *sqlFixture) Call(ctx context.Context, target int, b adaptertest.Behavior) error {
	var v string
	err := f.dbs[target].QueryRowContext(ctx, b.String()).Scan(&v)
	if err == nil && v != "answer" {
		return errors.New("the row did not reach the caller untouched")
	}
	return err
}

func (f *sqlFixture) Circuit(target int) string { return "sql[" + f.servers[target].addr() + "]" }

func (f *sqlFixture) Hits(_ testing.TB, target int) int {
	return int(f.servers[target].hits.Load() - f.start[target])
}

func (f *sqlFixture) AwaitHeld(t testing.TB, target, n int) { f.servers[target].gate.AwaitHeld(t, n) }

func (f *sqlFixture) Release(_ testing.TB, target int) { f.servers[target].gate.Release() }

func (f *sqlFixture) Open(testing.TB) int { return f.dbs[0].Stats().InUse + f.dbs[1].Stats().InUse }
