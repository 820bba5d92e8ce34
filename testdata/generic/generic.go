// Package generic is a golden case: generic interfaces with any, comparable,
// unions with ~, and constraints referring to other type parameters.
package generic

import "context"

// Number is a constraint with a union of approximate types.
type Number interface {
	~int | ~int64 | ~float64
}

// Store is a generic key-value store.
//
//go:generate go run github.com/breakergen/breakergen/cmd/breakergen
//breaker:circuit name=store cooldown=1m
type Store[K comparable, V any] interface {
	//breaker:circuit fallback=getFallback
	Get(ctx context.Context, key K) (V, error)
	Put(ctx context.Context, key K, value V) error
	Keys(ctx context.Context) ([]K, error)
}

// getFallback answers Get with the zero value while the circuit is open.
func getFallback[K comparable, V any](ctx context.Context, key K) (V, error) {
	var zero V
	return zero, nil
}

// Aggregator has a constraint referring to another type parameter and an
// inline union.
//
//go:generate go run github.com/breakergen/breakergen/cmd/breakergen
type Aggregator[T Number, S ~[]T, L ~int | ~string] interface {
	Sum(ctx context.Context, values S) (T, error)
	Label(ctx context.Context, l L) (string, error)
	Max(values ...T) (T, error)
}

// Node is a graph node whose edges are of type E.
type Node[E any] interface{ Edges() []E }

// Edge is a graph edge between nodes of type N.
type Edge[N any] interface{ Ends() (from, to N) }

// Walker has mutually referring constraints.
//
//go:generate go run github.com/breakergen/breakergen/cmd/breakergen
type Walker[N Node[E], E Edge[N]] interface {
	Walk(ctx context.Context, start N) ([]E, error)
}

// Shadow has type parameters named like the context import and the
// decorator's receiver.
//
//go:generate go run github.com/breakergen/breakergen/cmd/breakergen
type Shadow[context any, d comparable] interface {
	Get(key d) (context, error)
}
