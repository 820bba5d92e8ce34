// Package conns is a golden case: cleanup passes through. Close() error is
// unprotected unless a directive opts in, so a connection is closed even
// while its circuit is open; skip= beside a -source //go:generate line leaves
// more methods unprotected; -name names the decorators of two interfaces of
// one name (net.Conn and driver.Conn) wrapped into one package.
package conns

import "context"

// net.Conn: deadlines are local settings, not calls to the peer.
//
//go:generate go run github.com/breakergen/breakergen/cmd/breakergen -source net -type Conn -name NetConn
//breaker:circuit name=net samples=3 skip=SetDeadline,SetReadDeadline,SetWriteDeadline

// database/sql/driver.Conn: ErrSkip asks database/sql to take another path.
//
//go:generate go run github.com/breakergen/breakergen/cmd/breakergen -source database/sql/driver -type Conn -name DriverConn
//breaker:circuit name=driver exclude=driver.ErrSkip

// Stream opts Close in: closing it talks to the peer, which may be down.
//
//go:generate go run github.com/breakergen/breakergen/cmd/breakergen
//breaker:circuit name=stream samples=2
type Stream interface {
	Send(ctx context.Context, msg string) error
	//breaker:circuit
	Close() error
}
