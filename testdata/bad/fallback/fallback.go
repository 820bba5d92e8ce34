// Package fallback has fallbacks of the wrong signature, missing, or not
// functions.
package fallback

import "context"

// Value is a variable, not a function.
var Value = 1

// local has methods, one of the wrong type.
var local lookup

type lookup struct{ Field int }

func (lookup) Wrong(ctx context.Context) error { return nil }

func wrongArgs(ctx context.Context, id int) (string, error) { return "", nil }

func wrongResults(ctx context.Context, id string) string { return "" }

func generic[T any](ctx context.Context, id string) (string, error) { return "", nil }

// Fallback has bad fallbacks.
type Fallback interface {
	//breaker:circuit fallback=wrongArgs
	A(ctx context.Context, id string) (string, error)
	//breaker:circuit fallback=wrongResults
	B(ctx context.Context, id string) (string, error)
	//breaker:circuit fallback=missing
	C(ctx context.Context, id string) (string, error)
	//breaker:circuit fallback=Value
	D(ctx context.Context, id string) (string, error)
	//breaker:circuit fallback=generic
	E(ctx context.Context, id string) (string, error)
	//breaker:circuit fallback=local.Missing
	F(ctx context.Context, id string) (string, error)
	//breaker:circuit fallback=local.Wrong
	G(ctx context.Context, id string) (string, error)
	//breaker:circuit fallback=local.Field
	H(ctx context.Context, id string) (string, error)
	//breaker:circuit fallback="context".Background
	I(ctx context.Context, id string) (string, error)
	//breaker:circuit fallback="example.com/not/loaded".F
	J(ctx context.Context, id string) (string, error)
	//breaker:circuit fallback=a.b.c.d
	K(ctx context.Context, id string) (string, error)
}

//breaker:circuit fallback=wrongArgs
type OnInterface interface {
	A(ctx context.Context) error
}
