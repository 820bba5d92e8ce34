package breakersql_test

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"errors"
	"fmt"
	"net"

	"github.com/breakergen/breakergen/breakersql"
	"github.com/breakergen/breakergen/runtime"
)

// Example puts a pool behind one circuit. The database here is down (the
// connector is this package's in-test driver, standing for a driver's own,
// such as pgx's stdlib.GetConnector): the first failure opens the circuit (one
// sample is enough in this example), and the next query dials nothing.
func Example() {
	l, _ := net.Listen("tcp", "127.0.0.1:0") // an address nobody will answer on
	addr := l.Addr().String()
	l.Close()
	var connector driver.Connector = lineConnector{addr}

	b := runtime.MustNew(runtime.WithDefaults(runtime.Options{SampleThreshold: 1}))
	db := sql.OpenDB(breakersql.Wrap(connector, b, breakersql.WithName("orders-db")))
	defer db.Close()

	ctx := context.Background()
	var n int
	err := db.QueryRowContext(ctx, "SELECT count(*) FROM orders").Scan(&n)
	fmt.Println("refused dial:", err != nil && !errors.Is(err, runtime.ErrOpen))

	err = db.QueryRowContext(ctx, "SELECT count(*) FROM orders").Scan(&n)
	fmt.Println("skipped:", errors.Is(err, runtime.ErrOpen), errors.Is(err, driver.ErrBadConn))
	// Output:
	// refused dial: true
	// skipped: true false
}
