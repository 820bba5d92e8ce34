package gen_test

import (
	"context"
	"errors"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/breakergen/breakergen/runtime"
	"github.com/breakergen/breakergen/testdata/payments"
)

// isDeclined and everyError are two IsFailure functions.
func isDeclined(err error) bool { return !errors.Is(err, payments.ErrDeclined) }
func everyError(err error) bool { return true }

// TestConflictingDecoratorsFailAtStartUp is the first-hour report: a
// decorator built with an IsFailure of its own after another one registered
// the same circuits silently got the first one's options. Construction order
// is incidental, so the second construction panics naming the circuit and
// what differs; WithInstance gives it circuits of its own; the same options
// share the circuits.
func TestConflictingDecoratorsFailAtStartUp(t *testing.T) {
	h := newHarness()
	first := payments.NewPaymentsBreaker(&fakePayments{}, h.b, runtime.WithOptions(runtime.Options{IsFailure: isDeclined}))
	require.NotNil(t, first)
	same := payments.NewPaymentsBreaker(&fakePayments{}, h.b, runtime.WithOptions(runtime.Options{IsFailure: isDeclined}))
	require.NotNil(t, same, "the same options share the circuits")

	defer func() {
		err, ok := recover().(error)
		require.True(t, ok, "the second construction panics with an error")
		assert.ErrorIs(t, err, runtime.ErrInvalid)
		assert.Contains(t, err.Error(), `circuit "payments.Capture" is already registered with other options (IsFailure: `+
			`github.com/breakergen/breakergen/gen_test.isDeclined first, github.com/breakergen/breakergen/gen_test.everyError now)`)
		assert.Contains(t, err.Error(), "runtime.WithInstance(name)")
		assert.Contains(t, err.Error(), "(building github.com/breakergen/breakergen/testdata/payments.PaymentsBreaker)")

		own := payments.NewPaymentsBreaker(&fakePayments{err: errBoom}, h.b,
			runtime.WithInstance("eu"), runtime.WithOptions(runtime.Options{IsFailure: everyError}))
		_ = own.Refund(context.Background(), "r")
		assert.Equal(t, 1, h.status(t, "payments@eu").SampleSize, "WithInstance: circuits of its own")
	}()
	payments.NewPaymentsBreaker(&fakePayments{}, h.b, runtime.WithOptions(runtime.Options{IsFailure: everyError}))
	t.Fatal("the conflicting construction did not panic")
}
