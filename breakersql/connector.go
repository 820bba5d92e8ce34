package breakersql

import (
	"context"
	"database/sql/driver"
	"fmt"
	"io"

	"github.com/breakergen/breakergen/runtime"
)

// Connector is a driver.Connector that opens the wrapped Connector's
// connections, and runs their calls, through one circuit. Give it to
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
func NewConnector(next driver.Connector, b *runtime.Breaker, opts ...Option) (*Connector, error) {
	if next == nil || b == nil {
		return nil, fmt.Errorf("%w: breakersql: nil Connector or Breaker", runtime.ErrInvalid)
	}
	cfg, err := build(opts)
	if err != nil {
		return nil, err
	}
	c, err := b.Register(cfg.name, cfg.opts)
	if err != nil {
		return nil, err
	}
	return &Connector{next: next, circuit: c, cfg: cfg}, nil
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
