package breakersql

import (
	"context"
	"database/sql/driver"
	"errors"
)

// conn is a connection of a Connector. It implements every optional
// interface database/sql looks for on a connection, delegating to the wrapped
// connection where it implements it and answering as database/sql would
// without it otherwise (driver.ErrSkip for the query and exec shortcuts, so
// database/sql prepares instead), so wrapping hides nothing.
type conn struct {
	next driver.Conn
	c    *Connector
}

var (
	_ driver.Conn               = (*conn)(nil)
	_ driver.ConnPrepareContext = (*conn)(nil)
	_ driver.ConnBeginTx        = (*conn)(nil)
	_ driver.QueryerContext     = (*conn)(nil)
	_ driver.ExecerContext      = (*conn)(nil)
	_ driver.Pinger             = (*conn)(nil)
	_ driver.SessionResetter    = (*conn)(nil)
	_ driver.Validator          = (*conn)(nil)
	_ driver.NamedValueChecker  = (*conn)(nil)
)

// QueryContext runs a query through the circuit.
func (cn *conn) QueryContext(ctx context.Context, query string, args []driver.NamedValue) (driver.Rows, error) {
	q, ok := cn.next.(driver.QueryerContext)
	if !ok {
		return cn.queryLegacy(ctx, query, args)
	}
	a, err := cn.c.circuit.Allow(ctx)
	if err != nil {
		return nil, err
	}
	defer a.RecordPanic()
	rows, err := q.QueryContext(ctx, query, args)
	cn.c.done(ctx, &a, err)
	return rows, err
}

// ExecContext runs a statement through the circuit.
func (cn *conn) ExecContext(ctx context.Context, query string, args []driver.NamedValue) (driver.Result, error) {
	e, ok := cn.next.(driver.ExecerContext)
	if !ok {
		return cn.execLegacy(ctx, query, args)
	}
	a, err := cn.c.circuit.Allow(ctx)
	if err != nil {
		return nil, err
	}
	defer a.RecordPanic()
	res, err := e.ExecContext(ctx, query, args)
	cn.c.done(ctx, &a, err)
	return res, err
}

// PrepareContext prepares a statement through the circuit. As with Connect, a
// successful prepare is not recorded: the execution that follows is the call
// judged (database/sql prepares on its behalf for drivers without the query
// shortcuts), so a call counts once.
func (cn *conn) PrepareContext(ctx context.Context, query string) (driver.Stmt, error) {
	a, err := cn.c.circuit.Allow(ctx)
	if err != nil {
		return nil, err
	}
	defer a.RecordPanic()
	var st driver.Stmt
	if p, ok := cn.next.(driver.ConnPrepareContext); ok {
		st, err = p.PrepareContext(ctx, query)
	} else if err = ctx.Err(); err == nil {
		st, err = cn.next.Prepare(query)
	}
	if err != nil {
		cn.c.done(ctx, &a, err)
		return nil, err
	}
	a.Done(ctx, notRecorded)
	return &stmt{next: st, c: cn.c}, nil
}

// Prepare prepares a statement through the circuit.
func (cn *conn) Prepare(query string) (driver.Stmt, error) {
	return cn.PrepareContext(context.Background(), query)
}

// BeginTx starts a transaction through the circuit.
func (cn *conn) BeginTx(ctx context.Context, opts driver.TxOptions) (driver.Tx, error) {
	a, err := cn.c.circuit.Allow(ctx)
	if err != nil {
		return nil, err
	}
	defer a.RecordPanic()
	tx, err := cn.begin(ctx, opts)
	cn.c.done(ctx, &a, err)
	if err != nil {
		return nil, err
	}
	return &transaction{next: tx, c: cn.c}, nil
}

// begin starts a transaction as database/sql would on the wrapped connection.
func (cn *conn) begin(ctx context.Context, opts driver.TxOptions) (driver.Tx, error) {
	if b, ok := cn.next.(driver.ConnBeginTx); ok {
		return b.BeginTx(ctx, opts)
	}
	if opts.Isolation != 0 || opts.ReadOnly {
		return nil, errors.New("breakersql: the driver supports neither isolation levels nor read-only transactions")
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	return cn.next.Begin() //nolint:staticcheck // the fallback database/sql uses too
}

// Begin starts a transaction through the circuit.
func (cn *conn) Begin() (driver.Tx, error) {
	return cn.BeginTx(context.Background(), driver.TxOptions{})
}

// Ping checks the connection through the circuit.
func (cn *conn) Ping(ctx context.Context) error {
	p, ok := cn.next.(driver.Pinger)
	if !ok {
		return nil
	}
	a, err := cn.c.circuit.Allow(ctx)
	if err != nil {
		return err
	}
	defer a.RecordPanic()
	err = p.Ping(ctx)
	cn.c.done(ctx, &a, err)
	return err
}

// Close closes the connection, whatever the circuit says.
func (cn *conn) Close() error { return cn.next.Close() }

// ResetSession passes through: it is the pool's housekeeping, and its
// driver.ErrBadConn makes database/sql drop the connection.
func (cn *conn) ResetSession(ctx context.Context) error {
	if r, ok := cn.next.(driver.SessionResetter); ok {
		return r.ResetSession(ctx)
	}
	return nil
}

// IsValid passes through.
func (cn *conn) IsValid() bool {
	if v, ok := cn.next.(driver.Validator); ok {
		return v.IsValid()
	}
	return true
}

// CheckNamedValue passes through, or lets database/sql convert the value.
func (cn *conn) CheckNamedValue(nv *driver.NamedValue) error {
	if c, ok := cn.next.(driver.NamedValueChecker); ok {
		return c.CheckNamedValue(nv)
	}
	return driver.ErrSkip
}
