// Package repo is a golden case: a generic repository wrapped once per table.
// Each decorator gets circuits of its own with runtime.WithInstance, and a
// method with a directive of its own inherits every option of the interface's
// directive (cooldown=30s samples=20) that it does not set itself. A generic
// interface without name= gets circuits named after its type arguments.
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

// Repository is a generic table without a name=: each instantiation has
// circuits of its own, "repo.Repository[<type>]" and
// "repo.Repository[<type>].Save".
//
//go:generate go run github.com/breakergen/breakergen/cmd/breakergen
//breaker:circuit samples=3
type Repository[T any] interface {
	Find(ctx context.Context, id string) (T, error)
	//breaker:circuit samples=5
	Save(ctx context.Context, v T) error
}
