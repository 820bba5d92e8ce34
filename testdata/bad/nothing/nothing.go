// Package nothing has directives that annotate nothing.
package nothing

import "context"

//breaker:circuit name=var
var x = 1

//breaker:circuit name=struct
type S struct{}

//breaker:circuit name=floating

// F has a directive in its body.
func F() int {
	//breaker:skip
	return x
}

// I is fine.
type I interface {
	// Embedded interfaces cannot be annotated.
	//breaker:skip
	J
	M(ctx context.Context) error
}

// J is embedded.
type J interface{ N() error }

//breaker:circuit name=group
type (
	// G is in a group.
	G interface{ M() error }
)
