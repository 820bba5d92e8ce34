// Package breakersql puts a database/sql pool behind a circuit of a
// runtime.Breaker: a driver.Connector wrapper, so every connection the pool
// opens, and every query, statement, transaction begin and commit it runs,
// goes through the circuit.
//
//	db := sql.OpenDB(breakersql.Wrap(connector, b))
//
// One circuit per pool: each Connector gets a circuit of its own, named
// "sql[<driver>#<n>]" after the type of its driver.Driver and the order in
// which the program wraps pools of that driver on the Breaker
// ("sql[stdlib.Driver#1]", "sql[stdlib.Driver#2]" for two pgx pools; see
// NewConnector), so one database's failures never refuse another pool's
// calls. database/sql does not say which host a Connector dials, so naming a
// circuit after it is the caller's: WithHost gives "sql[host]", shared by
// every pool to that host, and WithName any name, shared by every pool given
// it; either wins over the default, and names the circuit the same whatever
// the order of start-up. Judging, by default:
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
