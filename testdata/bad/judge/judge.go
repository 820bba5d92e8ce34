// Package judge has judge= functions that are missing or have the wrong type,
// and methods that cannot return the open-circuit error without a fallback.
package judge

import "context"

// Cmd is judged by Err but has no SetErr.
type Cmd struct{ err error }

// Err returns the error.
func (c *Cmd) Err() error { return c.err }

// Health has no error.
type Health struct{ OK bool }

func wrongArity(err error) error               { return err }
func wrongResult(s string, err error) bool     { return err != nil }
func variadic(s string, errs ...error) error   { return nil }
func healthy(h Health) error                   { return nil }
func generic[T any](v string, err error) error { return err }

// NotAFunc is a variable.
var NotAFunc = 1

// Judged has bad judges.
type Judged interface {
	//breaker:circuit judge=missing
	A(ctx context.Context) (string, error)
	//breaker:circuit judge=wrongArity
	B(ctx context.Context) (string, error)
	//breaker:circuit judge=wrongResult
	C(ctx context.Context) (string, error)
	//breaker:circuit judge=variadic
	D(ctx context.Context) (string, error)
	//breaker:circuit judge=NotAFunc
	E(ctx context.Context) (string, error)
	//breaker:circuit judge=generic
	F(ctx context.Context) (string, error)
	//breaker:circuit judge=healthy
	G(ctx context.Context) Health
	H(ctx context.Context) *Cmd
	//breaker:circuit judge=nopkg.Judge
	I(ctx context.Context) (string, error)
}
