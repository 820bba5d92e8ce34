//go:build cgo

package gen_test

import (
	"context"
	"errors"
	"testing"

	cgocase "github.com/breakergen/breakergen/testdata/cgo"
)

func TestCgoDecorator(t *testing.T) {
	ctx := context.Background()
	h := newHarness()
	n := cgocase.NewNativeBreaker(cgocase.NativeImpl{}, h.b)
	if v, err := cgocase.CallTwice(ctx, n, 21); err != nil || v != 42 {
		t.Fatalf("Twice(21) = %d, %v", v, err)
	}
	if s, err := n.Label(ctx, "c"); err != nil || s != "c" {
		t.Fatalf("Label = %q, %v", s, err)
	}
	// Two successes and two failures: rate 0.5 over 4 samples opens the circuit.
	for range 2 {
		if _, err := cgocase.CallTwice(ctx, n, -1); !errors.Is(err, cgocase.ErrNegative) {
			t.Fatalf("Twice(-1): %v", err)
		}
	}
	_, err := cgocase.CallTwice(ctx, n, 1)
	wantOpen(t, err)
}
