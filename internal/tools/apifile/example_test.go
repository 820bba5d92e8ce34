package main

import (
	"fmt"
	"go/ast"
	"go/parser"
	"go/token"
	"go/types"
)

// Example records the API of a small package: one line per exported name,
// parameter names left out.
func Example() {
	fset := token.NewFileSet()
	f, _ := parser.ParseFile(fset, "clock.go", `package clock
type Clock interface{ Now() int64 }
func New(offset int64) Clock { return nil }
func helper() {}`, 0)
	tp, _ := new(types.Config).Check("example.com/clock", fset, []*ast.File{f}, nil)
	fmt.Print(string(render(pkg{path: "example.com/clock", name: "clock", types: tp})))
	// Output:
	// # The exported API of example.com/clock, recorded by go generate ./internal/tools/apifile; do not edit.
	// func New(int64) Clock
	// type Clock interface
	// type Clock interface, Now() int64
}
