// Package keys has malformed directives: an unknown key, a repeated key, a
// word that is not key=value, an unknown verb and a skip with arguments.
package keys

import "context"

//breaker:circuit name=keys color=red
type Keys interface {
	//breaker:circuit cooldown=1s cooldown=2s
	A(ctx context.Context) error
	//breaker:circuit fast
	B(ctx context.Context) error
	//breaker:circut name=typo
	C(ctx context.Context) error
	//breaker:skip please
	D(ctx context.Context) error
	//breaker:skip
	//breaker:circuit name=both
	E(ctx context.Context) error
	//breaker:circuit name=no.error
	F(ctx context.Context) string
	//breaker:circuit name=bad!name
	G(ctx context.Context) error
}
