// Package blankline is a golden case: a //go:generate line after the
// imports and a blank line sits directly above no declaration, so it wraps
// every annotated interface of the package, not only the next one.
package blankline

import "context"

//go:generate go run github.com/breakergen/breakergen/cmd/breakergen

// First is annotated.
//
//breaker:circuit name=first samples=2
type First interface {
	Get(ctx context.Context, id string) (string, error)
}

// Second is annotated too, and wrapped by the same line.
//
//breaker:circuit name=second samples=2
type Second interface {
	Put(ctx context.Context, id string) error
}

// Plain has no directive and is left alone.
type Plain interface {
	Do(ctx context.Context) error
}
