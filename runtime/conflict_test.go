package runtime_test

import (
	"errors"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/breakergen/breakergen/runtime"
)

// isNotFound and isTimeout are two IsFailure functions.
func isNotFound(err error) bool { return err.Error() != "not found" }
func isTimeout(err error) bool  { return err.Error() == "timeout" }

// judge is an IsFailure whose method values share one function.
type judge struct{ code string }

func (j *judge) isFailure(err error) bool { return err.Error() != j.code }

// sliceErr is an error of a type that == cannot compare.
type sliceErr []string

func (e sliceErr) Error() string { return "slice" }

// TestRegisterConflicts checks that registering one circuit name again
// returns the same circuit when the effective options agree, or no options
// are given, and fails naming what differs otherwise: by Register's error,
// and Circuit's panic.
func TestRegisterConflicts(t *testing.T) {
	errA, errB := errors.New("a"), errors.New("b")
	b := runtime.MustNew(runtime.WithOverrides("tuned", runtime.Options{CoolDown: time.Minute}))
	first := b.Circuit("grpc", runtime.Options{SampleThreshold: 5, IsFailure: isNotFound, Exclude: []error{errA, errB}})

	same, err := b.Register("grpc", runtime.Options{SampleThreshold: 5}, runtime.Options{IsFailure: isNotFound, Exclude: []error{errB, errA}})
	require.NoError(t, err, "the same effective options, merged from two layers, errors in another order")
	assert.Same(t, first, same)
	joined, err := b.Register("grpc")
	require.NoError(t, err, "no options: join the circuit as it is")
	assert.Same(t, first, joined)
	joined, err = b.Register("grpc", runtime.Options{})
	require.NoError(t, err, "zero options: join")
	assert.Same(t, first, joined)

	_, err = b.Register("grpc", runtime.Options{SampleThreshold: 5, IsFailure: isTimeout, Exclude: []error{errA, errB}})
	require.ErrorIs(t, err, runtime.ErrInvalid)
	assert.EqualError(t, err, `breakergen: invalid configuration: circuit "grpc" is already registered with other options `+
		`(IsFailure: github.com/breakergen/breakergen/runtime_test.isNotFound first, github.com/breakergen/breakergen/runtime_test.isTimeout now); `+
		`registrations of one circuit must agree: give this one a circuit of its own with runtime.WithInstance(name) `+
		`(a decorator option) or name= in its directive, or another name`)
	_, err = b.Register("grpc", runtime.Options{SampleThreshold: 6, Exclude: []error{errA}})
	assert.ErrorContains(t, err, `(SampleThreshold: 5 first, 6 now; Exclude: [a, b] first, [a] now; IsFailure: `)
	assert.PanicsWithError(t, err.Error(), func() { b.Circuit("grpc", runtime.Options{SampleThreshold: 6, Exclude: []error{errA}}) },
		"Circuit panics with Register's error")

	// Method values of one method are one function, whatever their receiver;
	// one closure value is one function.
	c := b.Circuit("method", runtime.Options{IsFailure: (&judge{"a"}).isFailure})
	assert.Same(t, c, b.Circuit("method", runtime.Options{IsFailure: (&judge{"b"}).isFailure}))
	shared := func(err error) bool { return true }
	c = b.Circuit("closure", runtime.Options{IsFailure: shared})
	assert.Same(t, c, b.Circuit("closure", runtime.Options{IsFailure: shared}))

	// The operator's override decides the effective option: no conflict.
	tuned := b.Circuit("tuned", runtime.Options{CoolDown: time.Second})
	assert.Same(t, tuned, b.Circuit("tuned", runtime.Options{CoolDown: time.Hour}))

	// Errors that == cannot compare are compared deeply, without a panic.
	odd := b.Circuit("odd", runtime.Options{Success: []error{sliceErr{"x"}}})
	assert.Same(t, odd, b.Circuit("odd", runtime.Options{Success: []error{sliceErr{"x"}}}))
	_, err = b.Register("odd", runtime.Options{Success: []error{sliceErr{"y"}}})
	assert.ErrorIs(t, err, runtime.ErrInvalid)
}
