package main

import (
	"go/ast"
	"go/importer"
	"go/parser"
	"go/token"
	"go/types"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

const source = `package demo

import "context"

const Limit = 3

type Option interface{ apply(*config) error }

type config struct{}

type Store[K comparable, V any] struct {
	Name   string
	hidden int
	*Embedded
}

type Embedded struct{}

type Handler interface {
	Handle(ctx context.Context, name string) (n int, err error)
}

type Kind = Store[string, int]

type Level uint8

func (l Level) String() string { return "" }

func (s *Store[K, V]) Get(ctx context.Context, key K) (V, error) { var v V; return v, nil }

func Run(fn func(ctx context.Context) error, opts ...Option) error { return nil }

var ErrGone error

func unexported() {}
`

// TestRender records a package with every kind of declaration.
func TestRender(t *testing.T) {
	fset := token.NewFileSet()
	f, err := parser.ParseFile(fset, "demo.go", source, 0)
	require.NoError(t, err)
	conf := types.Config{Importer: importer.Default()}
	tp, err := conf.Check("example.com/demo", fset, []*ast.File{f}, nil)
	require.NoError(t, err)
	got := string(render(pkg{path: "example.com/demo", name: "demo", types: tp}))
	assert.Equal(t, strings.Join([]string{
		"# The exported API of example.com/demo, recorded by go generate ./internal/tools/apifile; do not edit.",
		"const Limit untyped int = 3",
		"func Run(func(context.Context) error, ...Option) error",
		"method (*Store[K, V]) Get(context.Context, K) (V, error)",
		"method (Level) String() string",
		"type Embedded struct",
		"type Handler interface",
		"type Handler interface, Handle(context.Context, string) (int, error)",
		"type Kind = Store[string, int]",
		"type Level uint8",
		"type Option interface",
		"type Option interface, unexported methods",
		"type Store[K comparable, V any] struct",
		"type Store[K comparable, V any] struct, Name string",
		"type Store[K comparable, V any] struct, embedded *Embedded",
		"var ErrGone error",
		"",
	}, "\n"), got)
}

func TestRecorded(t *testing.T) {
	assert.True(t, recorded("runtime/storage", "storage"))
	assert.False(t, recorded("internal/hotpath/ring", "ring"))
	assert.False(t, recorded("cmd/breakerctl", "main"))
	assert.False(t, recorded("examples/payments/gateway", "gateway"))
	assert.False(t, recorded("gen/testdata/x", "x"))
}
