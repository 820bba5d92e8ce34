package breakersql

import (
	"context"
	"database/sql/driver"
)

// stmt is a prepared statement of a Connector: each execution goes through
// the circuit; Close and the argument checks pass through.
type stmt struct {
	next driver.Stmt
	c    *Connector
}

var (
	_ driver.Stmt              = (*stmt)(nil)
	_ driver.StmtQueryContext  = (*stmt)(nil)
	_ driver.StmtExecContext   = (*stmt)(nil)
	_ driver.NamedValueChecker = (*stmt)(nil)
)

// QueryContext runs the statement's query through the circuit.
func (s *stmt) QueryContext(ctx context.Context, args []driver.NamedValue) (driver.Rows, error) {
	a, err := s.c.circuit.Allow(ctx)
	if err != nil {
		return nil, err
	}
	defer a.RecordPanic()
	var rows driver.Rows
	if q, ok := s.next.(driver.StmtQueryContext); ok {
		rows, err = q.QueryContext(ctx, args)
	} else if values, perr := positional(args); perr != nil {
		err = perr
	} else if err = ctx.Err(); err == nil {
		rows, err = s.next.Query(values) //nolint:staticcheck // the fallback database/sql uses too
	}
	s.c.done(ctx, &a, err)
	return rows, err
}

// ExecContext runs the statement through the circuit.
func (s *stmt) ExecContext(ctx context.Context, args []driver.NamedValue) (driver.Result, error) {
	a, err := s.c.circuit.Allow(ctx)
	if err != nil {
		return nil, err
	}
	defer a.RecordPanic()
	var res driver.Result
	if e, ok := s.next.(driver.StmtExecContext); ok {
		res, err = e.ExecContext(ctx, args)
	} else if values, perr := positional(args); perr != nil {
		err = perr
	} else if err = ctx.Err(); err == nil {
		res, err = s.next.Exec(values) //nolint:staticcheck // the fallback database/sql uses too
	}
	s.c.done(ctx, &a, err)
	return res, err
}

// Query runs the statement's query through the circuit.
func (s *stmt) Query(args []driver.Value) (driver.Rows, error) {
	return s.QueryContext(context.Background(), named(args))
}

// Exec runs the statement through the circuit.
func (s *stmt) Exec(args []driver.Value) (driver.Result, error) {
	return s.ExecContext(context.Background(), named(args))
}

// NumInput passes through.
func (s *stmt) NumInput() int { return s.next.NumInput() }

// Close closes the statement, whatever the circuit says.
func (s *stmt) Close() error { return s.next.Close() }

// CheckNamedValue passes through to the statement's checker, or its column
// converter, as database/sql would use them; otherwise it lets database/sql
// go on to the connection's checker and the default conversion.
func (s *stmt) CheckNamedValue(nv *driver.NamedValue) error {
	switch c := s.next.(type) {
	case driver.NamedValueChecker:
		return c.CheckNamedValue(nv)
	case driver.ColumnConverter: //nolint:staticcheck // drivers that still have it
		if nv.Ordinal < 1 {
			return driver.ErrSkip
		}
		v, err := c.ColumnConverter(nv.Ordinal - 1).ConvertValue(nv.Value)
		if err != nil {
			return err
		}
		nv.Value = v
		return nil
	}
	return driver.ErrSkip
}

// named turns positional values into named values with ordinals.
func named(args []driver.Value) []driver.NamedValue {
	out := make([]driver.NamedValue, len(args))
	for i, v := range args {
		out[i] = driver.NamedValue{Ordinal: i + 1, Value: v}
	}
	return out
}

// transaction is a transaction of a Connector: its Commit goes through the
// circuit (a commit the server cannot take is a failure); Rollback passes
// through, so clean-up runs while the circuit is open. A commit the circuit
// refuses rolls the transaction back, so its connection goes back to the
// pool outside any transaction.
type transaction struct {
	next driver.Tx
	c    *Connector
}

// Commit commits through the circuit.
func (t *transaction) Commit() error {
	ctx := context.Background()
	a, err := t.c.circuit.Allow(ctx)
	if err != nil {
		_ = t.next.Rollback()
		return err
	}
	defer a.RecordPanic()
	err = t.next.Commit()
	t.c.done(ctx, &a, err)
	return err
}

// Rollback rolls back, whatever the circuit says.
func (t *transaction) Rollback() error { return t.next.Rollback() }
