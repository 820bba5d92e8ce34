// Package selfnamed is a golden case: an interface named like its method, and
// an unexported interface whose methods are named like the fields the
// decorator would use.
package selfnamed

import "context"

// Fetch is named like its only method.
//
//go:generate go run github.com/breakergen/breakergen/cmd/breakergen
type Fetch interface {
	Fetch(ctx context.Context, url string) ([]byte, error)
}

// next is unexported; its methods take the decorator's natural field names.
//
//go:generate go run github.com/breakergen/breakergen/cmd/breakergen
type next interface {
	next(ctx context.Context) error
	selfnamedNext(ctx context.Context) error
	Breaker() string
}
