// Package sqlconn is a golden case and a recipe: a decorator implements only
// the methods of the interface it wraps, so a decorated driver.Conn would hide
// the optional interfaces database/sql looks for (QueryerContext,
// ExecerContext, Pinger) and database/sql would fall back to Prepare. Declare
// a local interface embedding the optional interfaces your driver implements,
// and wrap that.
package sqlconn

import "database/sql/driver"

// Conn is a driver connection with the optional interfaces database/sql uses
// for queries, statements and pings.
//
//go:generate go run github.com/breakergen/breakergen/cmd/breakergen
//breaker:circuit name=db samples=3 exclude=driver.ErrSkip
type Conn interface {
	driver.Conn
	driver.QueryerContext
	driver.ExecerContext
	driver.Pinger
}
