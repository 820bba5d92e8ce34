package breakersql

import (
	"context"
	"database/sql/driver"
	"errors"
)

// queryLegacy runs a query on a connection that has only the pre-context
// Queryer, or answers driver.ErrSkip (prepare instead) when it has neither.
func (cn *conn) queryLegacy(ctx context.Context, query string, args []driver.NamedValue) (driver.Rows, error) {
	q, ok := cn.next.(driver.Queryer) //nolint:staticcheck // the drivers that have only this
	if !ok {
		return nil, driver.ErrSkip
	}
	values, err := positional(args)
	if err != nil {
		return nil, err
	}
	a, err := cn.c.circuit.Allow(ctx)
	if err != nil {
		return nil, err
	}
	defer a.RecordPanic()
	rows, err := q.Query(query, values)
	cn.c.done(ctx, &a, err)
	return rows, err
}

// execLegacy is queryLegacy for statements.
func (cn *conn) execLegacy(ctx context.Context, query string, args []driver.NamedValue) (driver.Result, error) {
	e, ok := cn.next.(driver.Execer) //nolint:staticcheck // the drivers that have only this
	if !ok {
		return nil, driver.ErrSkip
	}
	values, err := positional(args)
	if err != nil {
		return nil, err
	}
	a, err := cn.c.circuit.Allow(ctx)
	if err != nil {
		return nil, err
	}
	defer a.RecordPanic()
	res, err := e.Exec(query, values)
	cn.c.done(ctx, &a, err)
	return res, err
}

// positional turns arguments into the values of the pre-context interfaces,
// which know no names.
func positional(args []driver.NamedValue) ([]driver.Value, error) {
	values := make([]driver.Value, len(args))
	for i, arg := range args {
		if arg.Name != "" {
			return nil, errors.New("breakersql: the driver does not support named arguments")
		}
		values[i] = arg.Value
	}
	return values, nil
}
