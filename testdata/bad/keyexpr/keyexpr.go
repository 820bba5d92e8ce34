// Package keyexpr has key= expressions that do not compile over the method's
// parameters or do not give a string or an integer, and keyed circuits that
// disagree.
package keyexpr

import (
	"context"
	"net/http"
)

// Item is not a key.
type Item struct{ Name string }

// Keys has bad keys.
type Keys interface {
	//breaker:circuit key=hots
	A(ctx context.Context, host string) error
	//breaker:circuit key=item
	B(ctx context.Context, item Item) error
	//breaker:circuit key=$3
	C(ctx context.Context, id string) error
	//breaker:circuit key=func()string{return""}()
	D(ctx context.Context) error
	//breaker:circuit key=req.URL.Hots
	E(req *http.Request) error
	//breaker:circuit key=id)
	F(ctx context.Context, id string) error
	//breaker:circuit maxkeys=10
	G(ctx context.Context, id string) error
	//breaker:circuit name=shared key=id
	H(ctx context.Context, id string) error
	//breaker:circuit name=shared
	I(ctx context.Context, id string) error
	//breaker:circuit name=byint key=n
	J(ctx context.Context, n int) error
	//breaker:circuit name=byint key=s
	K(ctx context.Context, s string) error
}

// Inherited has an interface key that one method lacks.
//
//breaker:circuit name=inherited key=host
type Inherited interface {
	Ping(ctx context.Context, host string) error
	Stat(ctx context.Context) error
}
