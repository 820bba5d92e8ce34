package breakersql

import (
	"context"
	"database/sql/driver"
	"fmt"
	"io"
	"reflect"
	"strconv"
	"strings"
	"sync"

	"github.com/breakergen/breakergen/runtime"
)

// Connector is a driver.Connector that opens the wrapped Connector's
// connections, and runs their calls, through one circuit (its own unless
// WithName or WithHost gives one that others share). Give it to
// sql.OpenDB. A Connector is safe for concurrent use when the wrapped one
// is, as database/sql requires.
type Connector struct {
	next    driver.Connector
	circuit *runtime.Circuit
	cfg     config
}

var _ driver.Connector = (*Connector)(nil)

// NewConnector returns a Connector running next through a circuit of b,
// configured by opts, and registers that circuit. It returns an error
// wrapping runtime.ErrInvalid when next or b is nil, an option is invalid,
// or b refuses the circuit.
//
// Without WithName or WithHost the circuit is the Connector's own, named
// "sql[<driver>#<n>]": <driver> is the type of next.Driver() without its
// pointer star, as reflect prints it ("stdlib.Driver" for pgx,
// "pq.Driver" for lib/pq, "mysql.MySQLDriver"), and n is the smallest
// number from 1 that gives a name b has not registered. So the pools a
// program opens on one Breaker get "sql[stdlib.Driver#1]",
// "sql[stdlib.Driver#2]", ... in the order it wraps them, the same names at
// every start that wraps them in the same order, and one pool's failures
// never refuse another's calls. Such a circuit stays registered when its pool
// closes (Breaker.Drop reclaims it): a program that opens pools on the fly,
// or that shares its Breaker's storage with other programs (whose pools
// would get the same names), should name them with WithName or WithHost.
func NewConnector(next driver.Connector, b *runtime.Breaker, opts ...Option) (*Connector, error) {
	if next == nil || b == nil {
		return nil, fmt.Errorf("%w: breakersql: nil Connector or Breaker", runtime.ErrInvalid)
	}
	cfg, err := build(opts)
	if err != nil {
		return nil, err
	}
	var c *runtime.Circuit
	if cfg.name != "" {
		c, err = b.Register(cfg.name, cfg.opts)
	} else {
		c, err = registerOwn(b, driverName(next), cfg.opts)
	}
	if err != nil {
		return nil, err
	}
	return &Connector{next: next, circuit: c, cfg: cfg}, nil
}

// owning serialises registerOwn, so that two Connectors made at once never
// pick one free name.
var owning sync.Mutex

// registerOwn registers a circuit of b for one Connector of the driver
// named drv, "sql[drv#n]" with the smallest n whose name b has not
// registered.
func registerOwn(b *runtime.Breaker, drv string, o runtime.Options) (*runtime.Circuit, error) {
	owning.Lock()
	defer owning.Unlock()
	for n := 1; ; n++ {
		name := "sql[" + drv + "#" + strconv.Itoa(n) + "]"
		if _, taken := b.Lookup(name); !taken {
			return b.Register(name, o)
		}
	}
}

// driverName names the driver of next for its default circuit name: the
// type of its Driver, or of next itself when that is nil, without the
// pointer star.
func driverName(next driver.Connector) string {
	t := reflect.TypeOf(next.Driver())
	if t == nil {
		t = reflect.TypeOf(next)
	}
	return strings.TrimLeft(t.String(), "*")
}

// Wrap is NewConnector for the line that opens the pool,
// sql.OpenDB(breakersql.Wrap(connector, b)): it panics with NewConnector's
// error, as a Must form does, since a misconfigured pool is a programming
// error that must not reach production silently.
func Wrap(next driver.Connector, b *runtime.Breaker, opts ...Option) *Connector {
	c, err := NewConnector(next, b, opts...)
	if err != nil {
		panic(err)
	}
	return c
}

// Circuit returns the Connector's circuit.
func (c *Connector) Circuit() *runtime.Circuit { return c.circuit }

// Connect opens a connection through the circuit: an open circuit dials
// nothing, and a failed dial is a failure. A successful one is not recorded:
// database/sql connects on behalf of the call that needs the connection, and
// that call is judged, so each call counts once (and a half-open circuit's
// probe is the call, not the dial before it).
func (c *Connector) Connect(ctx context.Context) (driver.Conn, error) {
	a, err := c.circuit.Allow(ctx)
	if err != nil {
		return nil, err
	}
	defer a.RecordPanic()
	dc, err := c.next.Connect(ctx)
	if err != nil {
		c.done(ctx, &a, err)
		return nil, err
	}
	a.Done(ctx, notRecorded)
	return &conn{next: dc, c: c}, nil
}

// Driver returns the wrapped Connector's driver.
func (c *Connector) Driver() driver.Driver { return c.next.Driver() }

// Close closes the wrapped Connector when it has a Close method, as DB.Close
// expects.
func (c *Connector) Close() error {
	if cl, ok := c.next.(io.Closer); ok {
		return cl.Close()
	}
	return nil
}
