package gen_test

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"io"
	"net"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/breakergen/breakergen/runtime"
	"github.com/breakergen/breakergen/testdata/conns"
	"github.com/breakergen/breakergen/testdata/sqlconn"
)

// brokenConn is a net.Conn whose reads and writes fail; it counts closes.
type brokenConn struct {
	net.Conn
	closed int
}

func (c *brokenConn) Read([]byte) (int, error)         { return 0, errBoom }
func (c *brokenConn) Write([]byte) (int, error)        { return 0, errBoom }
func (c *brokenConn) SetDeadline(time.Time) error      { return errBoom }
func (c *brokenConn) SetWriteDeadline(time.Time) error { return errBoom }
func (c *brokenConn) Close() error {
	c.closed++
	return nil
}

func TestConnsCloseDuringAnOutage(t *testing.T) {
	h := newHarness()
	c := &brokenConn{}
	conn := conns.NewNetConn(c, h.b)
	var _ net.Conn = conn
	for range 3 {
		require.ErrorIs(t, conn.SetDeadline(time.Time{}), errBoom, "skip= passes SetDeadline through")
	}
	assert.Zero(t, h.status(t, "net").SampleSize, "the skipped methods are not recorded")
	for range 3 {
		_, err := conn.Write([]byte("x"))
		require.ErrorIs(t, err, errBoom)
	}
	_, err := conn.Read(make([]byte, 1))
	wantOpen(t, err)
	require.NoError(t, conn.Close(), "Close passes through while the circuit is open")
	assert.Equal(t, 1, c.closed, "the connection was closed")
}

// stream is a conns.Stream whose calls fail.
type stream struct{ closes int }

func (s *stream) Send(ctx context.Context, msg string) error { return errBoom }
func (s *stream) Close() error {
	s.closes++
	return errBoom
}

func TestConnsCloseOptsIn(t *testing.T) {
	h := newHarness()
	s := &stream{}
	d := conns.NewStreamBreaker(s, h.b)
	require.ErrorIs(t, d.Close(), errBoom)
	require.ErrorIs(t, d.Send(context.Background(), "x"), errBoom)
	wantOpen(t, d.Close(), "a directive on Close protects it")
	assert.Equal(t, 1, s.closes)
}

// sqlDriver is a database/sql driver whose connections run through a
// sqlconn.ConnBreaker: its Connector wraps every connection it opens.
type sqlDriver struct {
	b     *runtime.Breaker
	mu    sync.Mutex
	fail  error
	calls []string
}

func (d *sqlDriver) Connect(context.Context) (driver.Conn, error) {
	return sqlconn.NewConnBreaker(&sqlConn{d: d}, d.b), nil
}
func (d *sqlDriver) Driver() driver.Driver            { return d }
func (d *sqlDriver) Open(string) (driver.Conn, error) { return d.Connect(context.Background()) }

// call records a call of a connection and returns the driver's failure.
func (d *sqlDriver) call(name string) error {
	d.mu.Lock()
	defer d.mu.Unlock()
	d.calls = append(d.calls, name)
	return d.fail
}

// sqlConn is a driver connection with the optional interfaces.
type sqlConn struct{ d *sqlDriver }

func (c *sqlConn) Prepare(query string) (driver.Stmt, error) {
	return nil, c.d.call("Prepare")
}
func (c *sqlConn) Close() error              { return nil }
func (c *sqlConn) Begin() (driver.Tx, error) { return nil, c.d.call("Begin") }
func (c *sqlConn) Ping(ctx context.Context) error {
	return c.d.call("Ping")
}
func (c *sqlConn) ExecContext(ctx context.Context, query string, args []driver.NamedValue) (driver.Result, error) {
	if err := c.d.call("Exec"); err != nil {
		return nil, err
	}
	return driver.RowsAffected(1), nil
}
func (c *sqlConn) QueryContext(ctx context.Context, query string, args []driver.NamedValue) (driver.Rows, error) {
	if err := c.d.call("Query"); err != nil {
		return nil, err
	}
	return &oneRow{}, nil
}

// oneRow is a result of one row with one column.
type oneRow struct{ done bool }

func (r *oneRow) Columns() []string { return []string{"n"} }
func (r *oneRow) Close() error      { return nil }
func (r *oneRow) Next(dest []driver.Value) error {
	if r.done {
		return io.EOF
	}
	r.done = true
	dest[0] = int64(42)
	return nil
}

func TestSQLThroughADecoratedConnection(t *testing.T) {
	ctx := context.Background()
	h := newHarness()
	drv := &sqlDriver{b: h.b}
	db := sql.OpenDB(drv)
	defer db.Close()

	var n int
	require.NoError(t, db.QueryRowContext(ctx, "SELECT n").Scan(&n))
	assert.Equal(t, 42, n)
	res, err := db.ExecContext(ctx, "UPDATE t SET n = 1")
	require.NoError(t, err)
	affected, err := res.RowsAffected()
	require.NoError(t, err)
	assert.Equal(t, int64(1), affected)
	require.NoError(t, db.PingContext(ctx))
	assert.Equal(t, []string{"Query", "Exec", "Ping"}, drv.calls,
		"database/sql used the optional interfaces, never Prepare")

	drv.fail = errBoom
	for range 3 {
		_, err := db.ExecContext(ctx, "UPDATE t SET n = 2")
		require.ErrorIs(t, err, errBoom)
	}
	_, err = db.QueryContext(ctx, "SELECT n")
	wantOpen(t, err, "database/sql returns the open-circuit error")
	assert.Equal(t, 1, h.rec.count("db", runtime.EventOpened))
}
