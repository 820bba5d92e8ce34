// Package pgtest runs breakersql's conformance tests against a real
// PostgreSQL server through pgx's database/sql driver. It is a module of its
// own so that neither pgx nor any other database driver becomes a dependency
// of breakergen's core module; it holds tests only.
//
// The tests start their own server with initdb and pg_ctl (Debian's
// postgresql package) on a free loopback port in a temporary directory, as the
// postgres user when they run as root (PostgreSQL refuses to run as root),
// and stop it when they end. Without PostgreSQL they skip;
// BREAKERGEN_REQUIRE_POSTGRES=1 (set in CI) makes that a failure.
package pgtest
