// Package typed lists error types that cannot be matched.
package typed

import (
	"context"
	"errors"
	"net"
)

// ErrVar is a variable, not a type.
var ErrVar = errors.New("var")

// PtrError implements error on its pointer only.
type PtrError struct{}

func (*PtrError) Error() string { return "ptr" }

// GenericError is generic.
type GenericError[T any] struct{ v T }

func (GenericError[T]) Error() string { return "generic" }

// NotError is a type that is no error.
type NotError struct{}

// Typed lists them.
type Typed interface {
	//breaker:circuit exclude=*ErrVar
	A(ctx context.Context) error
	//breaker:circuit exclude=PtrError
	B(ctx context.Context) error
	//breaker:circuit exclude=GenericError
	C(ctx context.Context) error
	//breaker:circuit success=*net.Error
	D(ctx context.Context) error
	//breaker:circuit success=NotError,*NotError
	E(ctx context.Context) error
	//breaker:circuit exclude=net.Error,*PtrError,net.ErrClosed
	F(ctx context.Context) error
}
