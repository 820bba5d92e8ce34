// Package breakersql puts a database/sql pool behind a circuit of a
// runtime.Breaker: a driver.Connector wrapper, so every connection the pool
// opens, and every query, statement, transaction begin and commit it runs,
// goes through the circuit.
//
//	db := sql.OpenDB(breakersql.Wrap(connector, b, breakersql.WithName("orders-db")))
//
// One circuit per pool: the Connector's circuit is named by WithName (default
// "sql"), or "sql[host]" by WithHost, so pools given one name (or one host)
// share a circuit. Judging, by default:
//
//   - a call that returns is a success, including a query that found no row;
//   - sql.ErrNoRows, driver.ErrSkip, driver.ErrBadConn (database/sql retries
//     on another connection, and that call is judged), sql.ErrConnDone,
//     sql.ErrTxDone and the caller's own cancellation are not recorded;
//   - an error with an SQLSTATE (an SQLState() string method, as pgx's and
//     lib/pq's errors have) is a failure when its class says the server cannot
//     serve: 08 connection exception, 53 insufficient resources, 57 operator
//     intervention (shutdown, statement timeout), 58 system error, XX internal
//     error; any other SQLSTATE (a syntax error, a constraint) answers the
//     statement and is not recorded;
//   - any other error (a refused dial, a reset connection, a deadline the
//     server missed) is a failure.
//
// WithIsFailure replaces the last two rules, for drivers whose errors carry
// no SQLSTATE.
//
// A call the circuit refuses is not sent and returns the
// *runtime.OpenCircuitError (errors.Is(err, runtime.ErrOpen), with
// RetryAfter). It is deliberately not driver.ErrBadConn, so database/sql does
// not retry it on another connection of the same dead server. Rollback,
// closing statements, rows and connections, and the pool's session resets
// pass through, so clean-up runs while the circuit is open. Errors that
// surface while reading rows after the first are not judged (pgx's
// database/sql driver reports a failing query at the query itself).
package breakersql
