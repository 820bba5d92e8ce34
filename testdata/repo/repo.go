// Package repo is a golden case: a generic repository wrapped once per table.
// Each decorator gets circuits of its own with runtime.WithInstance, and a
// method with a directive of its own inherits every option of the interface's
// directive (cooldown=30s samples=20) that it does not set itself.
package repo

import (
	"context"
	"errors"
)

// ErrNotFound says the row does not exist: an answer, not a failure.
var ErrNotFound = errors.New("repo: not found")

// Repo is a table of a database.
//
//go:generate go run github.com/breakergen/breakergen/cmd/breakergen
//breaker:circuit name=repo cooldown=30s samples=20
type Repo[K comparable, V any] interface {
	//breaker:circuit exclude=ErrNotFound
	Get(ctx context.Context, id K) (V, error)
	Put(ctx context.Context, id K, v V) error
}
