// Package resolve names error variables that do not resolve.
package resolve

import (
	"context"
	"io"
)

// NotAnError is a variable of the wrong type.
var NotAnError = "text"

// ErrKnown resolves.
var ErrKnown = io.ErrUnexpectedEOF

//breaker:circuit exclude=ErrMissing,ErrKnown,sql.ErrNoRows
type Resolve interface {
	//breaker:circuit success=NotAnError,Resolve,io.EOF,io.nope
	A(ctx context.Context) error
	//breaker:circuit exclude=io.Missing,ErrKnown success=ErrKnown
	B(ctx context.Context) error
}

// Both lists one error twice.
type Both interface {
	//breaker:circuit exclude=ErrKnown success=io.EOF,ErrKnown
	A(ctx context.Context) error
	//breaker:circuit exclude=ErrKnown,ErrKnown
	B(ctx context.Context) error
}
