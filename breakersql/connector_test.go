package breakersql_test

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"errors"
	"net"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/breakergen/breakergen/breakersql"
	"github.com/breakergen/breakergen/breakertest"
	"github.com/breakergen/breakergen/runtime"
)

// open returns a pool on the in-test server through a Connector of kit.
func open(t *testing.T, kit *breakertest.Kit, c driver.Connector, opts ...breakersql.Option) *sql.DB {
	db := sql.OpenDB(breakersql.Wrap(c, kit.Breaker, opts...))
	t.Cleanup(func() { _ = db.Close() })
	return db
}

func TestSkippedCallIsNotRetried(t *testing.T) {
	s := startLineServer(t)
	kit := breakertest.New(t)
	db := open(t, kit, lineConnector{s.addr()})
	require.NoError(t, db.PingContext(context.Background()))

	kit.ForceOpen("sql")
	_, err := db.ExecContext(context.Background(), "succeed")
	require.ErrorIs(t, err, runtime.ErrOpen)
	assert.NotErrorIs(t, err, driver.ErrBadConn)
	assert.Zero(t, s.hits.Load(), "database/sql did not retry the refused call on another connection")
	kit.Events.AssertCount(t, "sql", runtime.EventSkipped, 1)
}

func TestDeadServerOpens(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	addr := l.Addr().String()
	require.NoError(t, l.Close())
	kit := breakertest.New(t, runtime.WithDefaults(runtime.Options{SampleThreshold: 2}))
	db := open(t, kit, lineConnector{addr}, breakersql.WithName("orders"))

	for range 2 {
		require.Error(t, db.PingContext(context.Background()))
	}
	assert.True(t, kit.Status("orders").Open(), "refused dials are failures")
	require.ErrorIs(t, db.PingContext(context.Background()), runtime.ErrOpen)
}

func TestServerErrorsBySQLState(t *testing.T) {
	s := startLineServer(t)
	kit := breakertest.New(t)
	db := open(t, kit, lineConnector{s.addr()})
	ctx := context.Background()

	_, err := db.ExecContext(ctx, "syntax")
	var coded interface{ SQLState() string }
	require.ErrorAs(t, err, &coded)
	assert.Equal(t, "42601", coded.SQLState())
	assert.Zero(t, kit.Status("sql").SampleSize, "a syntax error answers the statement: not recorded")

	_, err = db.ExecContext(ctx, "fail")
	require.Error(t, err)
	assert.Equal(t, 1.0, kit.Status("sql").FailureRate, "57P03: the server cannot serve")
}

func TestWithIsFailure(t *testing.T) {
	s := startLineServer(t)
	kit := breakertest.New(t)
	db := open(t, kit, lineConnector{s.addr()}, breakersql.WithIsFailure(func(err error) bool { return true }))
	_, err := db.ExecContext(context.Background(), "syntax")
	require.Error(t, err)
	assert.Equal(t, 1, kit.Status("sql").SampleSize)
	assert.Equal(t, 1.0, kit.Status("sql").FailureRate)
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
	db := open(t, kit, plainConnector{lineConnector{s.addr()}})
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

	status := kit.Status("sql")
	assert.Equal(t, 3, status.SampleSize, "a query and two execs; the prepares before them are not recorded")
	assert.InDelta(t, 1.0/3, status.FailureRate, 1e-9)

	kit.ForceOpen("sql")
	_, err = st.ExecContext(ctx)
	require.ErrorIs(t, err, runtime.ErrOpen)
}

func TestTransactions(t *testing.T) {
	s := startLineServer(t)
	kit := breakertest.New(t)
	db := open(t, kit, lineConnector{s.addr()})
	ctx := context.Background()

	tx, err := db.BeginTx(ctx, nil)
	require.NoError(t, err)
	require.NoError(t, tx.Commit())
	assert.Equal(t, 2, kit.Status("sql").SampleSize, "the begin and the commit")

	tx, err = db.BeginTx(ctx, nil)
	require.NoError(t, err)
	kit.ForceOpen("sql")
	require.ErrorIs(t, tx.Commit(), runtime.ErrOpen, "a refused commit")
	assert.Zero(t, db.Stats().InUse, "its connection went back to the pool")

	_, err = db.BeginTx(ctx, &sql.TxOptions{Isolation: sql.LevelSerializable})
	require.ErrorIs(t, err, runtime.ErrOpen)
	kit.ForceClosed("sql")
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
