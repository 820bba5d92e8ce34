// Package skips has skip lists that name no method, skip directives in the
// wrong place, and a method both listed and annotated.
package skips

import "context"

// Skips lists methods it does not have.
//
//breaker:skip
//breaker:circuit skip=Get,Gone,Nope skip=Twice
type Skips interface {
	//breaker:circuit skip=Put
	Put(ctx context.Context) error
	//breaker:circuit samples=2
	Get(ctx context.Context) error
}
