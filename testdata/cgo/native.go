package cgocase

// static int twice(int x) { return 2 * x; }
import "C"

import (
	"context"
	"errors"
)

// ErrNegative is returned by NativeImpl for negative input.
var ErrNegative = errors.New("cgocase: negative")

// Native is implemented with C.
//
//go:generate go run github.com/breakergen/breakergen/cmd/breakergen
type Native interface {
	Twice(ctx context.Context, x C.int) (C.int, error)
	Label(ctx context.Context, s string) (string, error)
}

// NativeImpl implements Native by calling C.
type NativeImpl struct{}

// Twice doubles x in C; it fails for negative x.
func (NativeImpl) Twice(ctx context.Context, x C.int) (C.int, error) {
	if x < 0 {
		return 0, ErrNegative
	}
	return C.twice(x), nil
}

// Label returns s.
func (NativeImpl) Label(ctx context.Context, s string) (string, error) { return s, nil }

// CallTwice calls Twice on n with Go integers, for tests outside the package.
func CallTwice(ctx context.Context, n Native, x int) (int, error) {
	r, err := n.Twice(ctx, C.int(x))
	return int(r), err
}
