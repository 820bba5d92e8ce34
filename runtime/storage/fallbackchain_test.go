package storage_test

import (
	"context"
	"testing"
	"time"

	"github.com/breakergen/breakergen/runtime/storage"
	"github.com/breakergen/breakergen/runtime/storage/storagetest"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestFallbackChainConformance(t *testing.T) {
	storagetest.Run(t, storagetest.Harness{New: func(*testing.T) storage.Storage {
		return must(storage.FallbackChain(newFlaky(), storage.NewMemory()))
	}})
}

func TestFallbackChainOrder(t *testing.T) {
	first, second := newFlaky(), newFlaky()
	var tolerated failureLog
	h := bindNotified(t, must(storage.FallbackChain(first, second)), tolerated.add)
	_, err := h.Record(t.Context(), pxT0, storage.Outcome{})
	require.NoError(t, err)
	assert.EqualValues(t, [2]int64{1, 0}, [2]int64{first.calls.Load(), second.calls.Load()}, "calls while the first answers")
	first.fail(errBackend)
	st := statusAt(t, h, pxT0)
	assert.Equal(t, 0, st.Samples, "the second member answered")
	assert.EqualValues(t, 1, second.calls.Load())
	f := tolerated.take()
	require.Len(t, f, 1)
	assert.ErrorIs(t, f[0].Err, errBackend)
	assert.ErrorContains(t, f[0].Err, "storage 1 of 2")
}

// TestFallbackChainProtectsMembers is the defect of a chain that called a dead
// member on every call: a member that is not fault tolerant sits behind a
// CircuitProxy of its own.
func TestFallbackChainProtectsMembers(t *testing.T) {
	dead := newFlaky()
	dead.fail(errBackend)
	h := bind(t, must(storage.FallbackChain(dead, storage.NewMemory())))
	for range 50 {
		_ = statusAt(t, h, pxT0)
	}
	assert.EqualValues(t, 3, dead.calls.Load(), "calls that reached the dead member")
}

func TestFallbackChainAllFail(t *testing.T) {
	a, b := newFlaky(), newFlaky()
	a.fail(errBackend)
	b.fail(errBackend)
	h := bind(t, must(storage.FallbackChain(a, b)))
	_, err := h.Status(t.Context(), pxT0)
	assert.ErrorContains(t, err, "storage 1 of 2")
	assert.ErrorContains(t, err, "storage 2 of 2")
}

func TestFallbackChainWritesGoToAll(t *testing.T) {
	a, b := newFlaky(), newFlaky()
	h := bind(t, must(storage.FallbackChain(a, b)))
	require.NoError(t, h.Lock(t.Context(), pxT0, storage.LockOpen))
	assert.Equal(t, storage.LockOpen, statusAt(t, bind(t, b.mem), pxT0).Lock, "the lock in the second member")
	b.fail(errBackend)
	err := h.Lock(t.Context(), pxT0, storage.LockClosed)
	assert.ErrorIs(t, err, errBackend, "a lock one member did not get")
	assert.ErrorContains(t, err, "storage 2 of 2")
	assert.Equal(t, storage.LockClosed, statusAt(t, h, pxT0).Lock, "the member that got it")
}

func TestFallbackChainTolerant(t *testing.T) {
	assert.True(t, storage.IsTolerant(must(storage.FallbackChain(newFlaky(), storage.NewMemory()))))
	assert.False(t, storage.IsTolerant(must(storage.FallbackChain(newFlaky()))))
}

func TestFallbackChainInvalid(t *testing.T) {
	_, err := storage.FallbackChain()
	assert.ErrorIs(t, err, storage.ErrInvalid, "a chain of nothing")
	var typed *storage.Memory
	_, err = storage.FallbackChain(storage.NewMemory(), typed)
	assert.ErrorIs(t, err, storage.ErrInvalid, "a nil member")
	assert.ErrorContains(t, err, "2 of 2")
	_, err = must(storage.FallbackChain(storage.NewMemory())).Bind("c", storage.Policy{})
	assert.ErrorIs(t, err, storage.ErrInvalid, "an invalid policy")
}

func TestFallbackChainCallerCancelStops(t *testing.T) {
	a, b := newFlaky(), newFlaky()
	h := bind(t, must(storage.FallbackChain(a, b)))
	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	_, err := h.Status(ctx, pxT0.Add(time.Second))
	assert.ErrorIs(t, err, context.Canceled)
	assert.EqualValues(t, 0, b.calls.Load(), "the second member was asked after the caller gave up")
}
