// Package placement has //go:generate lines that are not above an interface.
package placement

import "context"

// I is an interface, but the line above is not directly above it.
type I interface {
	M(ctx context.Context) error
}

//go:generate breakergen
var v int

// T is not an interface.
//
//go:generate breakergen
type T struct{}

//go:generate breakergen
