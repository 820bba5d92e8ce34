package bounded_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/breakergen/breakergen/internal/hotpath/bounded"
	"github.com/stretchr/testify/assert"
	"go.uber.org/goleak"
)

var errCause = errors.New("the storage deadline")

func TestCall(t *testing.T) {
	defer goleak.VerifyNone(t)
	v, err := bounded.Call(context.Background(), func(context.Context) (int, error) { return 7, nil })
	assert.Equal(t, 7, v)
	assert.NoError(t, err)

	release := make(chan struct{})
	ctx, cancel := context.WithTimeoutCause(context.Background(), time.Millisecond, errCause)
	defer cancel()
	_, err = bounded.Call(ctx, func(context.Context) (int, error) { <-release; return 1, nil })
	assert.ErrorIs(t, err, errCause)
	assert.ErrorIs(t, err, context.DeadlineExceeded)
	close(release) // the abandoned call finishes on its own goroutine

	done, stop := context.WithCancel(context.Background())
	stop()
	called := false
	err = bounded.Do(done, func(context.Context) error { called = true; return nil })
	assert.ErrorIs(t, err, context.Canceled)
	assert.False(t, called, "a call on a done context")
	time.Sleep(10 * time.Millisecond) // let the abandoned goroutine above finish for goleak
}
