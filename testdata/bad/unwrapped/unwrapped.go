// Package unwrapped has annotated interfaces that no //go:generate line
// wraps: each line is directly above one interface, or names one.
package unwrapped

import "context"

// Orders is wrapped by the line directly above it.
//
//go:generate breakergen
//breaker:circuit name=orders
type Orders interface {
	Get(ctx context.Context, id string) (string, error)
}

//go:generate breakergen -type Users

// Users is wrapped by -type.
//
//breaker:circuit name=users
type Users interface {
	Get(ctx context.Context, id string) (string, error)
}

// Stock is annotated, but the line above Orders wraps Orders only.
//
//breaker:circuit name=stock
type Stock interface {
	Count(ctx context.Context, sku string) (int, error)
}

// Audit is annotated on a method.
type Audit interface {
	//breaker:circuit name=audit
	Log(ctx context.Context, line string) error
}
