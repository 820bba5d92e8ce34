// Package hidden has exported interfaces that no other package can implement
// or name.
package hidden

import (
	"context"

	"github.com/breakergen/breakergen/testdata/bad/deps/internal/secret"
)

type record struct{}

// Store uses an unexported type.
type Store interface {
	Get(ctx context.Context) (record, error)
}

// Sealed has an unexported method.
type Sealed interface {
	Do(ctx context.Context) error
	seal()
}

// Leaky uses a type of an internal package.
type Leaky interface {
	Get(ctx context.Context) (secret.Token, error)
}

// Fields uses a struct with an unexported field.
type Fields interface {
	Put(ctx context.Context, v struct{ x int }) error
}

type cache interface {
	Get(ctx context.Context) error
}

var _ cache
