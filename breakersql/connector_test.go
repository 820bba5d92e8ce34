package breakersql_test

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"errors"
	"fmt"
	"net"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/breakergen/breakergen/adaptertest"
	"github.com/breakergen/breakergen/breakersql"
	"github.com/breakergen/breakergen/breakertest"
	"github.com/breakergen/breakergen/runtime"
)

// open returns a pool on the in-test server through a Connector of kit, and
// the name of the Connector's circuit.
func open(t *testing.T, kit *breakertest.Kit, c driver.Connector, opts ...breakersql.Option) (*sql.DB, string) {
	wrapped := breakersql.Wrap(c, kit.Breaker, opts...)
	db := sql.OpenDB(wrapped)
	t.Cleanup(func() { _ = db.Close() })
	return db, wrapped.Circuit().Name()
}

// firstPool is the default name of the circuit of the first pool of the
// in-test driver on a Breaker.
const firstPool = "sql[breakersql_test.lineDriver#1]"

func TestSkippedCallIsNotRetried(t *testing.T) {
	s := startLineServer(t)
	kit := breakertest.New(t)
	db, name := open(t, kit, lineConnector{s.addr()})
	require.Equal(t, firstPool, name)
	require.NoError(t, db.PingContext(context.Background()))

	kit.ForceOpen(name)
	_, err := db.ExecContext(context.Background(), "succeed")
	require.ErrorIs(t, err, runtime.ErrOpen)
	assert.NotErrorIs(t, err, driver.ErrBadConn)
	assert.Zero(t, s.hits.Load(), "database/sql did not retry the refused call on another connection")
	kit.Events.AssertCount(t, name, runtime.EventSkipped, 1)
}

func TestDeadServerOpens(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	addr := l.Addr().String()
	require.NoError(t, l.Close())
	kit := breakertest.New(t, runtime.WithDefaults(runtime.Options{SampleThreshold: 2}))
	db, _ := open(t, kit, lineConnector{addr}, breakersql.WithName("orders"))

	for range 2 {
		require.Error(t, db.PingContext(context.Background()))
	}
	assert.True(t, kit.Status("orders").Open(), "refused dials are failures")
	require.ErrorIs(t, db.PingContext(context.Background()), runtime.ErrOpen)
}

func TestServerErrorsBySQLState(t *testing.T) {
	s := startLineServer(t)
	kit := breakertest.New(t)
	db, name := open(t, kit, lineConnector{s.addr()})
	ctx := context.Background()

	_, err := db.ExecContext(ctx, "syntax")
	var coded interface{ SQLState() string }
	require.ErrorAs(t, err, &coded)
	assert.Equal(t, "42601", coded.SQLState())
	assert.Zero(t, kit.Status(name).SampleSize, "a syntax error answers the statement: not recorded")

	_, err = db.ExecContext(ctx, "fail")
	require.Error(t, err)
	assert.Equal(t, 1.0, kit.Status(name).FailureRate, "57P03: the server cannot serve")
}

func TestWithIsFailure(t *testing.T) {
	s := startLineServer(t)
	kit := breakertest.New(t)
	db, name := open(t, kit, lineConnector{s.addr()}, breakersql.WithIsFailure(func(err error) bool { return true }))
	_, err := db.ExecContext(context.Background(), "syntax")
	require.Error(t, err)
	assert.Equal(t, 1, kit.Status(name).SampleSize)
	assert.Equal(t, 1.0, kit.Status(name).FailureRate)
}

func TestDefaultIsFailure(t *testing.T) {
	for state, want := range map[string]bool{"08006": true, "53300": true, "57014": true, "58030": true, "XX000": true, "23505": false, "42P01": false, "40001": false, "": true} {
		assert.Equal(t, want, breakersql.DefaultIsFailure(&lineError{state: state}), state)
	}
	assert.True(t, breakersql.DefaultIsFailure(errors.New("connection reset")))
}

// TestPreparedStatements uses a driver without the query shortcuts, so
// database/sql prepares: the statements go through the circuit.
func TestPreparedStatements(t *testing.T) {
	s := startLineServer(t)
	kit := breakertest.New(t, runtime.WithDefaults(runtime.Options{SampleThreshold: 10}))
	db, name := open(t, kit, plainConnector{lineConnector{s.addr()}})
	ctx := context.Background()

	var v string
	require.NoError(t, db.QueryRowContext(ctx, "succeed").Scan(&v))
	assert.Equal(t, "answer", v)
	_, err := db.ExecContext(ctx, "fail")
	require.Error(t, err)
	st, err := db.PrepareContext(ctx, "succeed")
	require.NoError(t, err)
	defer st.Close()
	_, err = st.ExecContext(ctx)
	require.NoError(t, err)

	status := kit.Status(name)
	assert.Equal(t, 3, status.SampleSize, "a query and two execs; the prepares before them are not recorded")
	assert.InDelta(t, 1.0/3, status.FailureRate, 1e-9)

	kit.ForceOpen(name)
	_, err = st.ExecContext(ctx)
	require.ErrorIs(t, err, runtime.ErrOpen)
}

func TestTransactions(t *testing.T) {
	s := startLineServer(t)
	kit := breakertest.New(t)
	db, name := open(t, kit, lineConnector{s.addr()})
	ctx := context.Background()

	tx, err := db.BeginTx(ctx, nil)
	require.NoError(t, err)
	require.NoError(t, tx.Commit())
	assert.Equal(t, 2, kit.Status(name).SampleSize, "the begin and the commit")

	tx, err = db.BeginTx(ctx, nil)
	require.NoError(t, err)
	kit.ForceOpen(name)
	require.ErrorIs(t, tx.Commit(), runtime.ErrOpen, "a refused commit")
	assert.Zero(t, db.Stats().InUse, "its connection went back to the pool")

	_, err = db.BeginTx(ctx, &sql.TxOptions{Isolation: sql.LevelSerializable})
	require.ErrorIs(t, err, runtime.ErrOpen)
	kit.ForceClosed(name)
	_, err = db.BeginTx(ctx, &sql.TxOptions{Isolation: sql.LevelSerializable})
	require.Error(t, err, "the in-test driver has no isolation levels")
	assert.NotErrorIs(t, err, runtime.ErrOpen)
}

func TestOptions(t *testing.T) {
	kit := breakertest.New(t)
	c := lineConnector{"127.0.0.1:1"}
	for _, opts := range [][]breakersql.Option{
		{breakersql.WithName("")},
		{breakersql.WithHost("")},
		{breakersql.WithIsFailure(nil)},
		{breakersql.WithOptions(runtime.Options{CoolDown: -time.Second})},
		{nil},
	} {
		_, err := breakersql.NewConnector(c, kit.Breaker, opts...)
		assert.ErrorIs(t, err, runtime.ErrInvalid)
	}
	_, err := breakersql.NewConnector(nil, kit.Breaker)
	assert.ErrorIs(t, err, runtime.ErrInvalid)
	_, err = breakersql.NewConnector(c, nil)
	assert.ErrorIs(t, err, runtime.ErrInvalid)
	assert.Panics(t, func() { breakersql.Wrap(c, nil) })

	conn, err := breakersql.NewConnector(c, kit.Breaker, breakersql.WithHost("db1:5432"), breakersql.WithOptions(runtime.Options{CoolDown: 9 * time.Second}))
	require.NoError(t, err)
	assert.Equal(t, "sql[db1:5432]", conn.Circuit().Name())
	assert.Equal(t, 9*time.Second, conn.Circuit().Options().CoolDown)
	assert.IsType(t, lineDriver{}, conn.Driver())
	assert.NoError(t, conn.Close())
}

// TestPoolsHaveTheirOwnCircuits opens two pools of one driver without
// naming them, on two servers: one pool's failures open its circuit and
// refuse its calls, and the other pool's calls still reach their server.
func TestPoolsHaveTheirOwnCircuits(t *testing.T) {
	servers := [2]*lineServer{startLineServer(t), startLineServer(t)}
	kit := breakertest.New(t, runtime.WithDefaults(runtime.Options{SampleThreshold: 2}))
	var dbs [2]*sql.DB
	var names [2]string
	for i, s := range servers {
		dbs[i], names[i] = open(t, kit, lineConnector{s.addr()})
	}
	require.Equal(t, [2]string{firstPool, "sql[breakersql_test.lineDriver#2]"}, names)
	ctx := context.Background()

	for range 2 {
		_, err := dbs[0].ExecContext(ctx, adaptertest.Fail.String())
		require.Error(t, err)
		require.NotErrorIs(t, err, runtime.ErrOpen)
	}
	require.True(t, kit.Status(names[0]).Open(), "the first pool's failures open its circuit")
	hits := servers[0].hits.Load()
	_, err := dbs[0].ExecContext(ctx, adaptertest.Succeed.String())
	require.ErrorIs(t, err, runtime.ErrOpen)
	assert.Equal(t, hits, servers[0].hits.Load(), "the refused call was not sent")

	hits = servers[1].hits.Load()
	var v string
	require.NoError(t, dbs[1].QueryRowContext(ctx, adaptertest.Succeed.String()).Scan(&v), "the second pool's calls still run")
	assert.Equal(t, "answer", v)
	assert.Equal(t, hits+1, servers[1].hits.Load())
	status := kit.Status(names[1])
	assert.False(t, status.Open())
	assert.Equal(t, 1, status.SampleSize)
	assert.Zero(t, status.FailureRate)
	kit.Events.AssertCount(t, names[1], runtime.EventSkipped, 0)
}

// TestGivenNamesWin checks the circuit names: a name given by WithName or
// WithHost wins over the default and is shared, and default names count
// the pools of each driver on the Breaker, passing over names taken.
func TestGivenNamesWin(t *testing.T) {
	kit := breakertest.New(t)
	c := lineConnector{"127.0.0.1:1"}
	wrap := func(c driver.Connector, opts ...breakersql.Option) *runtime.Circuit {
		return breakersql.Wrap(c, kit.Breaker, opts...).Circuit()
	}

	orders := wrap(c, breakersql.WithName("orders"))
	assert.Equal(t, "orders", orders.Name())
	assert.Same(t, orders, wrap(c, breakersql.WithName("orders")), "pools given one name share its circuit")
	assert.Equal(t, "sql[db1:5432]", wrap(c, breakersql.WithHost("db1:5432")).Name())
	assert.Equal(t, "sql[db1:5432]", wrap(c, breakersql.WithName("x"), breakersql.WithHost("db1:5432")).Name(), "the last of WithName and WithHost wins")
	assert.Equal(t, "x", wrap(c, breakersql.WithHost("db1:5432"), breakersql.WithName("x")).Name())

	assert.Equal(t, firstPool, wrap(c).Name(), "named pools take no number")
	assert.Equal(t, "sql[breakersql_test.lineDriver#2]", wrap(plainConnector{c}).Name(), "numbered by driver, whatever the Connector")
	assert.Same(t, orders, wrap(c, breakersql.WithName("orders")), "a given name still wins after default ones")
	kit.Breaker.Circuit("sql[breakersql_test.lineDriver#3]")
	assert.Equal(t, "sql[breakersql_test.lineDriver#4]", wrap(c).Name(), "a name taken is passed over")
	assert.Equal(t, "sql[breakersql_test.driverless#1]", wrap(driverless{c}).Name(), "without a Driver, the Connector's type")

	other := breakertest.New(t)
	assert.Equal(t, firstPool, breakersql.Wrap(c, other.Breaker).Circuit().Name(), "each Breaker counts its own pools")
}

// TestConcurrentPoolsHaveTheirOwnCircuits wraps pools at once: each gets a
// circuit of its own.
func TestConcurrentPoolsHaveTheirOwnCircuits(t *testing.T) {
	kit := breakertest.New(t)
	const pools = 16
	names := make(chan string, pools)
	var wg sync.WaitGroup
	for range pools {
		wg.Go(func() { names <- breakersql.Wrap(lineConnector{"127.0.0.1:1"}, kit.Breaker).Circuit().Name() })
	}
	wg.Wait()
	close(names)
	var got []string
	for name := range names {
		got = append(got, name)
	}
	want := make([]string, pools)
	for i := range want {
		want[i] = fmt.Sprintf("sql[breakersql_test.lineDriver#%d]", i+1)
	}
	assert.ElementsMatch(t, want, got)
}

// driverless is a Connector whose Driver is nil.
type driverless struct{ lineConnector }

func (driverless) Driver() driver.Driver { return nil }
