//go:build !breakergen_off

package buildtags

import "context"

// Everywhere is built by default.
//
//go:generate go run github.com/breakergen/breakergen/cmd/breakergen
type Everywhere interface {
	Do(ctx context.Context) error
}
