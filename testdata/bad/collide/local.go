package collide

import "context"

// Store is wrapped by the line above it and by the package's line below.
//
//go:generate breakergen
//breaker:circuit name=store
type Store interface {
	Get(ctx context.Context, id string) (string, error)
}

// Other is another interface.
type Other interface {
	Do(ctx context.Context) error
}

//go:generate breakergen
