// Package values has directive values that do not parse or are out of range.
package values

import "context"

//breaker:circuit cooldown=10parsecs window=-1s
type Values interface {
	//breaker:circuit rate=0
	A(ctx context.Context) error
	//breaker:circuit rate=1.5
	B(ctx context.Context) error
	//breaker:circuit rate=NaN samples=0
	C(ctx context.Context) error
	//breaker:circuit samples=many window=0s
	D(ctx context.Context) error
}

// Bounds has values outside the storage's bounds.
//
//breaker:circuit cooldown=2562047h47m16.854775807s window=25h
type Bounds interface {
	//breaker:circuit cooldown=1ns window=999us maxkeys=0 key=id
	A(ctx context.Context, id string) error
	//breaker:circuit maxkeys=2000000 key=id
	B(ctx context.Context, id string) error
}
