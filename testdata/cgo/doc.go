// Package cgocase is a golden case: an interface declared in a file that
// imports "C", using the standard C numeric types. Its decorator is a cgo file
// too (//go:build cgo, import "C"). This file keeps the package buildable
// without cgo.
package cgocase
