// Package signatures is a golden case: parameter and result shapes.
package signatures

import "context"

// Ctx is an alias of context.Context; a parameter of this type is the context.
type Ctx = context.Context

// MyError is an error type that is not the error interface: a method whose
// final result is *MyError passes through unprotected.
type MyError struct{ Msg string }

// Error returns the message.
func (e *MyError) Error() string { return e.Msg }

// Shapes has one method per signature shape.
//
//go:generate go run github.com/breakergen/breakergen/cmd/breakergen
type Shapes interface {
	Unnamed(context.Context, string, int) error
	Blank(_ context.Context, _ string, n int) error
	Variadic(ctx context.Context, format string, args ...any) (string, error)
	BlankVariadic(ctx context.Context, _ ...string) (int, error)
	Named(ctx context.Context, id string) (n int, s string, err error)
	NoResults(ctx context.Context)
	NonError(ctx context.Context) (int, string)
	ErrorFirst(ctx context.Context) (error, int)
	Many(ctx context.Context) (int8, int16, int32, int64, string, []byte, map[string]int, error)
	NoContext(id string) (string, error)
	ContextLater(id string, ctx context.Context) error
	Aliased(c Ctx, n int) (int, error)
	Ping() error
	CustomErr(ctx context.Context) *MyError
}
