// Package embedded is a golden case: embedded interfaces from the standard
// library, from another package and from this one, with overlapping method
// sets (Close comes from io.ReadCloser, io.WriteCloser and extapi.Lister).
package embedded

import (
	"context"
	"fmt"
	"io"

	"github.com/breakergen/breakergen/testdata/deps/extapi"
)

// Local is embedded into Composite; its method directive travels with it.
type Local interface {
	//breaker:circuit name=embedded.local samples=2
	Do(ctx context.Context) error
}

// Composite embeds everything.
//
//go:generate go run github.com/breakergen/breakergen/cmd/breakergen
type Composite interface {
	io.ReadCloser
	io.WriteCloser
	fmt.Stringer
	extapi.Getter
	extapi.Lister
	Local
}
