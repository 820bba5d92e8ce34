// Package collide wraps two interfaces named Conn into one package without
// naming their decorators: both lines would write conn_breaker.go and declare
// ConnBreaker; with -output, the files differ but the names still clash.
package collide

//go:generate breakergen -source net -type Conn
//go:generate breakergen -source database/sql/driver -type Conn
//go:generate breakergen -source net -type Conn -output net_breaker.go
