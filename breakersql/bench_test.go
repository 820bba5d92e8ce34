package breakersql_test

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"io"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/breakergen/breakergen/breakersql"
	"github.com/breakergen/breakergen/runtime"
)

// BenchmarkConnOverhead measures what the Connector adds to a query on a
// closed circuit: its connection's QueryContext around a driver connection
// that answers at once, against that connection alone.
func BenchmarkConnOverhead(b *testing.B) {
	ctx := context.Background()
	b.Run("bare", func(b *testing.B) {
		var q driver.QueryerContext = instantConn{}
		b.ReportAllocs()
		for b.Loop() {
			_, _ = q.QueryContext(ctx, "q", nil)
		}
	})
	b.Run("breakersql", func(b *testing.B) {
		dc, err := breakersql.Wrap(instantConnector{}, runtime.MustNew()).Connect(ctx)
		require.NoError(b, err)
		q := dc.(driver.QueryerContext)
		b.ReportAllocs()
		for b.Loop() {
			_, _ = q.QueryContext(ctx, "q", nil)
		}
	})
}

// BenchmarkQueryRow runs QueryRow and Scan through database/sql on the
// in-test loopback server, bare and through a Connector.
func BenchmarkQueryRow(b *testing.B) {
	s := startLineServer(b)
	ctx := context.Background()
	for _, wrapped := range []bool{false, true} {
		name := "bare"
		var c driver.Connector = lineConnector{s.addr()}
		if wrapped {
			name = "breakersql"
			c = breakersql.Wrap(c, runtime.MustNew())
		}
		b.Run(name, func(b *testing.B) {
			db := sql.OpenDB(c)
			defer db.Close()
			var v string
			b.ReportAllocs()
			for b.Loop() {
				if err := db.QueryRowContext(ctx, "succeed").Scan(&v); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// instantConnector makes connections that answer every query at once with
// no row, to measure the Connector's own cost.
type instantConnector struct{}

func (instantConnector) Connect(context.Context) (driver.Conn, error) { return instantConn{}, nil }
func (instantConnector) Driver() driver.Driver                        { return lineDriver{} }

type instantConn struct{}

func (instantConn) Prepare(string) (driver.Stmt, error) { return nil, driver.ErrSkip }
func (instantConn) Close() error                        { return nil }
func (instantConn) Begin() (driver.Tx, error)           { return nil, driver.ErrSkip }
func (instantConn) QueryContext(context.Context, string, []driver.NamedValue) (driver.Rows, error) {
	return noRows{}, nil
}

type noRows struct{}

func (noRows) Columns() []string         { return nil }
func (noRows) Close() error              { return nil }
func (noRows) Next([]driver.Value) error { return io.EOF }
