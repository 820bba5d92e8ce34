package runtime_test

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/breakergen/breakergen/runtime"
	"github.com/breakergen/breakergen/runtime/fakeclock"
)

// notFoundError is an error type with a pointer receiver.
type notFoundError struct{ key string }

func (e *notFoundError) Error() string { return "not found: " + e.key }

// conflictError is an error type with a value receiver.
type conflictError struct{ version int }

func (e conflictError) Error() string { return fmt.Sprintf("conflict at version %d", e.version) }

// timeoutError is an interface of error types.
type timeoutError interface {
	error
	Timeout() bool
}

// slowError implements timeoutError.
type slowError struct{}

func (slowError) Error() string { return "slow" }
func (slowError) Timeout() bool { return true }

// matchBreaker returns a breaker on a fake clock.
func matchBreaker() *runtime.Breaker {
	return runtime.MustNew(runtime.WithClock(fakeclock.New(time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC))))
}

// outcome runs one call returning err through c and returns the circuit's
// sample size and failure rate afterwards.
func outcome(t *testing.T, c *runtime.Circuit, err error) (int, float64) {
	t.Helper()
	ctx := context.Background()
	a, allowErr := c.Allow(ctx)
	require.NoError(t, allowErr)
	a.Done(ctx, err)
	st, statusErr := c.Status(ctx)
	require.NoError(t, statusErr)
	return st.SampleSize, st.FailureRate
}

func TestErrorAsJudging(t *testing.T) {
	tests := []struct {
		name        string
		opts        runtime.Options
		err         error
		wantSamples int
		wantRate    float64
	}{
		{"pointer type excluded", runtime.Options{Exclude: []error{runtime.ErrorAs[*notFoundError]()}}, &notFoundError{"k"}, 0, 0},
		{"wrapped pointer type excluded", runtime.Options{Exclude: []error{runtime.ErrorAs[*notFoundError]()}}, fmt.Errorf("get: %w", &notFoundError{"k"}), 0, 0},
		{"joined pointer type excluded", runtime.Options{Exclude: []error{runtime.ErrorAs[*notFoundError]()}}, errors.Join(errors.New("x"), &notFoundError{"k"}), 0, 0},
		{"other error still fails", runtime.Options{Exclude: []error{runtime.ErrorAs[*notFoundError]()}}, errors.New("down"), 1, 1},
		{"value type is not the pointer type", runtime.Options{Exclude: []error{runtime.ErrorAs[*notFoundError]()}}, conflictError{1}, 1, 1},
		{"value type success", runtime.Options{Success: []error{runtime.ErrorAs[conflictError]()}}, fmt.Errorf("put: %w", conflictError{2}), 1, 0},
		{"interface type excluded", runtime.Options{Exclude: []error{runtime.ErrorAs[timeoutError]()}}, slowError{}, 0, 0},
		{"matchers beside variables", runtime.Options{Exclude: []error{fs.ErrNotExist, runtime.ErrorAs[*notFoundError]()}}, fs.ErrNotExist, 0, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := matchBreaker().Circuit("match", tt.opts)
			samples, rate := outcome(t, c, tt.err)
			assert.Equal(t, tt.wantSamples, samples, "samples")
			assert.InDelta(t, tt.wantRate, rate, 1e-9, "failure rate")
		})
	}
}

func TestErrorAsValue(t *testing.T) {
	m := runtime.ErrorAs[*notFoundError]()
	assert.Equal(t, m, runtime.ErrorAs[*notFoundError](), "two matchers of one type are equal")
	assert.NotEqual(t, m, runtime.ErrorAs[conflictError]())
	assert.Contains(t, m.Error(), "*runtime_test.notFoundError")
	assert.False(t, errors.Is(&notFoundError{"k"}, m), "a matcher is not an error anyone returns")
}
