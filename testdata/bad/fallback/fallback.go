// Package fallback has fallbacks of the wrong signature, missing, or not
// functions.
package fallback

import "context"

// Value is a variable, not a function.
var Value = 1

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
}

//breaker:circuit fallback=wrongArgs
type OnInterface interface {
	A(ctx context.Context) error
}
