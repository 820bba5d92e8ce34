// Package kinds is a golden case: channels of each direction, func
// parameters, inline structs with tags, arrays, maps, pointers to local types,
// interface literals and unsafe.Pointer.
package kinds

import (
	"context"
	"fmt"
	"unsafe"

	"github.com/breakergen/breakergen/testdata/deps/extapi"
)

// Local is a type of this package.
type Local struct{ N int }

// Kinds takes and returns every kind of type.
//
//go:generate go run github.com/breakergen/breakergen/cmd/breakergen
type Kinds interface {
	Chans(ctx context.Context, in <-chan int, out chan<- string, both chan bool, nested chan (<-chan int), sendRecv chan<- <-chan int) (<-chan error, error)
	Funcs(ctx context.Context, fn func(context.Context, ...string) (int, error), cb func()) (func() error, error)
	Structs(ctx context.Context, s struct {
		Name string `json:"name,omitempty" db:"name"`
		Age  int    "json:\"age\""
		Local
		*extapi.Item
	}) (struct {
		OK bool `json:"ok"`
	}, error)
	Arrays(ctx context.Context, a [4]byte, m [2][3]*Local) ([16]byte, error)
	Pointers(ctx context.Context, p *Local, pp **Local) (*Local, error)
	Maps(ctx context.Context, m map[string][]*Local) (map[Local]struct{}, error)
	Ifaces(ctx context.Context, v interface{ String() string }, e any, i interface{}) (fmt.Stringer, error)
	Unsafe(ctx context.Context, p unsafe.Pointer) (uintptr, error)
}
