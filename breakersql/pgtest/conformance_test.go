package pgtest

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/stdlib"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/breakergen/breakergen/adaptertest"
	"github.com/breakergen/breakergen/breakersql"
	"github.com/breakergen/breakergen/runtime"
)

// schema makes what the fixture's queries call: a function that counts each
// call in its target's sequence (sequences are not transactional, so failed
// calls count too) and answers as the behaviour says.
const schema = `
CREATE SEQUENCE IF NOT EXISTS hits0;
CREATE SEQUENCE IF NOT EXISTS hits1;
CREATE OR REPLACE FUNCTION adaptertest_call(target int, kind text) RETURNS text LANGUAGE plpgsql AS $$
BEGIN
	PERFORM nextval('hits' || target);
	IF kind = 'fail' THEN
		RAISE EXCEPTION 'the database system is starting up' USING ERRCODE = '57P03';
	ELSIF kind = 'hang' THEN
		PERFORM pg_advisory_xact_lock_shared(1000 + target);
	ELSIF kind = 'panic' THEN
		PERFORM pg_terminate_backend(pg_backend_pid());
	END IF;
	RETURN 'answer';
END $$;`

// TestConformance runs the adapters' shared suite against the Connector on
// pgx's database/sql driver and a real PostgreSQL server: two pools, two
// circuits, are the two targets. The pools are not named, so the suite's
// scenarios on separate targets check that the default gives each pool a
// circuit of its own, though both dial one server.
func TestConformance(t *testing.T) {
	s := requireServer(t)
	control, err := sql.Open("pgx", s.dsn())
	require.NoError(t, err)
	t.Cleanup(func() { _ = control.Close() })
	_, err = control.Exec(schema)
	require.NoError(t, err)
	adaptertest.Run(t, adaptertest.Harness{
		Name:     "breakersql+pgx",
		NotFound: adaptertest.NotFoundSuccess, // a query that found no row ran fine
		Skipped:  func(t *testing.T, err error) { assert.NotErrorIs(t, err, driver.ErrBadConn) },
		Setup: func(t *testing.T, b *runtime.Breaker) adaptertest.Fixture {
			return newPGFixture(t, b, s, control)
		},
	})
}

// pgFixture calls the server through two wrapped pools; its control pool (not
// wrapped) reads the counts and holds the locks that Hang waits on.
type pgFixture struct {
	dbs     [2]*sql.DB
	names   [2]string // the pools' circuits
	control *sql.DB
	holders [2]*sql.Conn // each holds its target's advisory lock
	start   [2]int
}

func newPGFixture(t *testing.T, b *runtime.Breaker, s *server, control *sql.DB) *pgFixture {
	cfg, err := pgx.ParseConfig(s.dsn())
	require.NoError(t, err)
	f := &pgFixture{control: control}
	ctx := context.Background()
	for i := range f.dbs {
		c := breakersql.Wrap(stdlib.GetConnector(*cfg), b)
		f.names[i] = c.Circuit().Name()
		require.Equal(t, fmt.Sprintf("sql[stdlib.Driver#%d]", i+1), f.names[i], "the default: one circuit per pool")
		f.dbs[i] = sql.OpenDB(c)
		t.Cleanup(func() { _ = f.dbs[i].Close() })
		f.holders[i], err = control.Conn(ctx)
		require.NoError(t, err)
		t.Cleanup(func() { _ = f.holders[i].Close() })
		_, err = f.holders[i].ExecContext(ctx, "SELECT pg_advisory_lock($1)", 1000+i)
		require.NoError(t, err)
		t.Cleanup(func() { _, _ = f.holders[i].ExecContext(ctx, "SELECT pg_advisory_unlock_all()") })
		f.start[i] = f.count(t, i)
	}
	return f
}

func (f *pgFixture) Call(ctx context.Context, target int, b adaptertest.Behavior) error {
	query := "SELECT adaptertest_call($1, $2)"
	if b == adaptertest.NotFound {
		query = "SELECT x FROM adaptertest_call($1, $2) AS x WHERE x = 'never'"
	}
	var v string
	err := f.dbs[target].QueryRowContext(ctx, query, target, b.String()).Scan(&v)
	if err == nil && v != "answer" {
		return errors.New("the row did not reach the caller untouched")
	}
	return err
}

func (f *pgFixture) Circuit(target int) string { return f.names[target] }

// count reads target's calls so far from its sequence.
func (f *pgFixture) count(t testing.TB, target int) int {
	var n int
	err := f.control.QueryRow(fmt.Sprintf("SELECT CASE WHEN is_called THEN last_value ELSE 0 END FROM hits%d", target)).Scan(&n)
	require.NoError(t, err)
	return n
}

func (f *pgFixture) Hits(t testing.TB, target int) int { return f.count(t, target) - f.start[target] }

// AwaitHeld polls pg_locks for the calls waiting on target's lock.
func (f *pgFixture) AwaitHeld(t testing.TB, target, n int) {
	limit := time.Now().Add(30 * time.Second)
	for {
		var waiting int
		err := f.control.QueryRow("SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND objid = $1 AND NOT granted", 1000+target).Scan(&waiting)
		require.NoError(t, err)
		if waiting >= n {
			return
		}
		require.True(t, time.Now().Before(limit), "%d of %d calls waiting after 30s", waiting, n)
		time.Sleep(time.Millisecond) // polling a real server
	}
}

// Release lets the waiting calls take target's lock, then takes it again: the
// waiters queued first, so they get it before the holder's new request.
func (f *pgFixture) Release(t testing.TB, target int) {
	ctx := context.Background()
	_, err := f.holders[target].ExecContext(ctx, "SELECT pg_advisory_unlock($1)", 1000+target)
	require.NoError(t, err)
	_, err = f.holders[target].ExecContext(ctx, "SELECT pg_advisory_lock($1)", 1000+target)
	require.NoError(t, err)
}

func (f *pgFixture) Open(testing.TB) int { return f.dbs[0].Stats().InUse + f.dbs[1].Stats().InUse }
