// Package conflict gives one circuit different options in two places, and
// declares a name that breakergen would declare.
package conflict

import "context"

//breaker:circuit name=shared cooldown=1m
type A interface {
	//breaker:circuit name=own samples=3
	X(ctx context.Context) error
	//breaker:circuit name=own samples=4
	Y(ctx context.Context) error
	//breaker:circuit name=own
	Z(ctx context.Context) error
}

//breaker:circuit name=shared cooldown=2m
type B interface {
	X(ctx context.Context) error
}

// ABreaker is taken.
type ABreaker struct{}
