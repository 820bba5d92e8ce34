package breakersql_test

import (
	"bufio"
	"context"
	"database/sql/driver"
	"errors"
	"fmt"
	"io"
	"net"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/breakergen/breakergen/adaptertest"
)

// This file holds the in-test database: a server on loopback speaking a line
// protocol ("Q <behaviour>" answered by "ROW <value>", "EMPTY" or
// "ERR <sqlstate> <message>"; a crash closes the connection) and a
// database/sql driver for it, with the behaviour of real drivers that
// matters to breakersql: driver.ErrBadConn only when the request surely did
// not reach the server, context cancellation that abandons a held call, and
// errors that carry an SQLSTATE.

// lineServer is the in-test database server.
type lineServer struct {
	l    net.Listener
	hits atomic.Int64
	gate adaptertest.Gate
}

func startLineServer(t testing.TB) *lineServer {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	s := &lineServer{l: l}
	t.Cleanup(func() { _ = l.Close() })
	go s.accept()
	return s
}

func (s *lineServer) addr() string { return s.l.Addr().String() }

func (s *lineServer) accept() {
	for {
		nc, err := s.l.Accept()
		if err != nil {
			return
		}
		go s.serve(nc)
	}
}

// serve answers one connection's requests in order; the connection's context
// ends when the client goes away, which ends a held request.
func (s *lineServer) serve(nc net.Conn) {
	defer nc.Close()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	lines := make(chan string)
	go func() {
		defer cancel()
		defer close(lines)
		rd := bufio.NewReader(nc)
		for {
			line, err := rd.ReadString('\n')
			if err != nil {
				return
			}
			lines <- strings.TrimSpace(line)
		}
	}()
	for line := range lines {
		reply, ok := s.answer(ctx, line)
		if !ok {
			return // a crash: the connection closes without an answer
		}
		if _, err := io.WriteString(nc, reply+"\n"); err != nil {
			return
		}
	}
}

func (s *lineServer) answer(ctx context.Context, line string) (string, bool) {
	if line == "PING" {
		return "PONG", true
	}
	behaviour, _ := strings.CutPrefix(line, "Q ")
	s.hits.Add(1)
	switch behaviour {
	case adaptertest.Succeed.String():
		return "ROW answer", true
	case adaptertest.NotFound.String():
		return "EMPTY", true
	case adaptertest.Fail.String():
		return "ERR 57P03 the database system is starting up", true
	case "syntax":
		return "ERR 42601 syntax error", true
	case adaptertest.Hang.String():
		if !s.gate.Hold(ctx) {
			return "", false
		}
		return "ROW answer", true
	case adaptertest.Panic.String():
		return "", false
	}
	return "ERR XX000 unknown request " + behaviour, true
}

// lineConnector is the in-test driver's Connector.
type lineConnector struct{ addr string }

func (c lineConnector) Connect(ctx context.Context) (driver.Conn, error) {
	var d net.Dialer
	nc, err := d.DialContext(ctx, "tcp", c.addr)
	if err != nil {
		return nil, err
	}
	return &lineConn{nc: nc, rd: bufio.NewReader(nc)}, nil
}

func (c lineConnector) Driver() driver.Driver { return lineDriver{} }

type lineDriver struct{}

func (lineDriver) Open(string) (driver.Conn, error) {
	return nil, errors.New("the in-test driver opens through its Connector")
}

// lineConn is a connection of the in-test driver; database/sql uses one
// connection from one goroutine at a time.
type lineConn struct {
	nc  net.Conn
	rd  *bufio.Reader
	bad bool
}

// roundTrip sends one request and reads its answer, abandoning the wait when
// ctx ends.
func (c *lineConn) roundTrip(ctx context.Context, req string) (string, error) {
	if c.bad {
		return "", driver.ErrBadConn
	}
	stop := context.AfterFunc(ctx, func() { _ = c.nc.SetDeadline(time.Unix(1, 0)) })
	defer stop()
	if _, err := io.WriteString(c.nc, req+"\n"); err != nil {
		c.bad = true
		if ctx.Err() != nil {
			return "", ctx.Err()
		}
		return "", driver.ErrBadConn // not sent: database/sql may retry elsewhere
	}
	reply, err := c.rd.ReadString('\n')
	if err != nil {
		c.bad = true // sent: never ErrBadConn, the server may have run it
		if ctx.Err() != nil {
			return "", ctx.Err()
		}
		return "", fmt.Errorf("linedb: connection lost: %w", io.ErrUnexpectedEOF)
	}
	return strings.TrimSpace(reply), nil
}

func (c *lineConn) QueryContext(ctx context.Context, query string, _ []driver.NamedValue) (driver.Rows, error) {
	reply, err := c.roundTrip(ctx, "Q "+query)
	if err != nil {
		return nil, err
	}
	switch {
	case reply == "EMPTY":
		return &lineRows{}, nil
	case strings.HasPrefix(reply, "ROW "):
		return &lineRows{values: []string{strings.TrimPrefix(reply, "ROW ")}}, nil
	case strings.HasPrefix(reply, "ERR "):
		state, msg, _ := strings.Cut(strings.TrimPrefix(reply, "ERR "), " ")
		return nil, &lineError{state: state, msg: msg}
	}
	return nil, fmt.Errorf("linedb: bad reply %q", reply)
}

func (c *lineConn) ExecContext(ctx context.Context, query string, args []driver.NamedValue) (driver.Result, error) {
	if _, err := c.QueryContext(ctx, query, args); err != nil {
		return nil, err
	}
	return driver.RowsAffected(1), nil
}

func (c *lineConn) Ping(ctx context.Context) error {
	_, err := c.roundTrip(ctx, "PING")
	return err
}

func (c *lineConn) ResetSession(context.Context) error {
	if c.bad {
		return driver.ErrBadConn
	}
	return nil
}

func (c *lineConn) IsValid() bool                             { return !c.bad }
func (c *lineConn) Prepare(query string) (driver.Stmt, error) { return lineStmt{c, query}, nil }
func (c *lineConn) Close() error                              { return c.nc.Close() }
func (c *lineConn) Begin() (driver.Tx, error)                 { return lineTx{c}, nil }

// lineStmt is a prepared statement: the query, sent when executed.
type lineStmt struct {
	c     *lineConn
	query string
}

func (s lineStmt) Close() error  { return nil }
func (s lineStmt) NumInput() int { return -1 }
func (s lineStmt) Exec([]driver.Value) (driver.Result, error) {
	return s.c.ExecContext(context.Background(), s.query, nil)
}
func (s lineStmt) Query([]driver.Value) (driver.Rows, error) {
	return s.c.QueryContext(context.Background(), s.query, nil)
}

// plainConnector makes connections that have only driver.Conn's own methods,
// as the oldest drivers do: database/sql then prepares every query.
type plainConnector struct{ lineConnector }

func (c plainConnector) Connect(ctx context.Context) (driver.Conn, error) {
	dc, err := c.lineConnector.Connect(ctx)
	if err != nil {
		return nil, err
	}
	return plainConn{dc.(*lineConn)}, nil
}

type plainConn struct{ c *lineConn }

func (p plainConn) Prepare(q string) (driver.Stmt, error) { return p.c.Prepare(q) }
func (p plainConn) Close() error                          { return p.c.Close() }
func (p plainConn) Begin() (driver.Tx, error)             { return p.c.Begin() }

type lineTx struct{ c *lineConn }

func (t lineTx) Commit() error {
	_, err := t.c.QueryContext(context.Background(), "succeed", nil)
	return err
}
func (t lineTx) Rollback() error { return nil }

// lineRows holds at most one row of one column.
type lineRows struct {
	values []string
	i      int
}

func (r *lineRows) Columns() []string { return []string{"v"} }
func (r *lineRows) Close() error      { return nil }
func (r *lineRows) Next(dest []driver.Value) error {
	if r.i >= len(r.values) {
		return io.EOF
	}
	dest[0] = r.values[r.i]
	r.i++
	return nil
}

// lineError is a server error with an SQLSTATE, as pgx's and lib/pq's are.
type lineError struct{ state, msg string }

func (e *lineError) Error() string    { return "linedb: " + e.msg + " (SQLSTATE " + e.state + ")" }
func (e *lineError) SQLState() string { return e.state }
