package breakersql

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"errors"
	"fmt"
	"io"

	"github.com/breakergen/breakergen/runtime"
)

// notRecorded is what the Connector gives Done for an outcome it leaves out:
// nothing is recorded, and a probe's reservation is released.
var notRecorded = fmt.Errorf("breakersql: %w", runtime.ErrNotRecorded)

// errHungUp is what the Connector records for io.EOF itself, a server that
// closed the connection: the runtime takes a bare io.EOF for a stream's end.
var errHungUp = fmt.Errorf("breakersql: the server closed the connection: %w", io.ErrUnexpectedEOF)

// done records err, the outcome of a call made with ctx, as the Connector
// judges it.
func (c *Connector) done(ctx context.Context, a *runtime.Attempt, err error) {
	switch {
	case err == nil:
		a.Done(ctx, nil)
	case ignored(ctx, err) || !c.cfg.isFailure(err):
		a.Done(ctx, notRecorded)
	case err == io.EOF: //nolint:errorlint // io.EOF itself, as a driver returns it
		a.Done(ctx, errHungUp)
	default:
		a.Done(ctx, err)
	}
}

// ignored reports the errors that are never recorded.
func ignored(ctx context.Context, err error) bool {
	if ctx.Err() == context.Canceled { //nolint:errorlint // Err returns the sentinel itself
		return true // the caller gave up, whatever the call ended with
	}
	for _, target := range []error{sql.ErrNoRows, driver.ErrSkip, driver.ErrBadConn, sql.ErrConnDone, sql.ErrTxDone} {
		if errors.Is(err, target) {
			return true
		}
	}
	return false
}

// failureClasses are the SQLSTATE classes that say the server cannot serve.
var failureClasses = []string{"08", "53", "57", "58", "XX"}

// DefaultIsFailure is the default judgement of an error: one with an
// SQLSTATE (an SQLState() string method anywhere in its chain) is a failure
// when its class is 08, 53, 57, 58 or XX; any other error is a failure.
func DefaultIsFailure(err error) bool {
	var coded interface{ SQLState() string }
	if !errors.As(err, &coded) {
		return true
	}
	state := coded.SQLState()
	if len(state) < 2 {
		return true
	}
	for _, class := range failureClasses {
		if state[:2] == class {
			return true
		}
	}
	return false
}
