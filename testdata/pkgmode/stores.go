package pkgmode

import "context"

// Users is annotated on the interface.
//
//breaker:circuit name=users samples=2
type Users interface {
	Get(ctx context.Context, id string) (string, error)
}

// Orders is annotated on a method only.
type Orders interface {
	//breaker:circuit name=orders.list samples=2
	List(ctx context.Context) ([]string, error)
	Count(ctx context.Context) (int, error)
}

// Plain carries no directive: it is not wrapped.
type Plain interface {
	Do(ctx context.Context) error
}
