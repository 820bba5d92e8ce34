package storage_test

import (
	"testing"
	"time"

	"github.com/breakergen/breakergen/runtime/storage"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestNull(t *testing.T) {
	ctx := t.Context()
	s := storage.NewNull()
	h := bind(t, s)
	// Whatever happens to it, a circuit stays closed and empty.
	for range 10 {
		r, err := h.Record(ctx, pxT0, storage.Outcome{})
		require.NoError(t, err)
		assert.Equal(t, storage.Result{Status: storage.Status{CurrentTime: pxT0}}, r)
	}
	op := h.(storage.Operator)
	for _, o := range ops {
		if o.name != "Lock" && o.name != "Reset" {
			assert.NoError(t, o.call(ctx, h), o.name)
		}
	}
	ok, _ := op.Open(ctx, pxT0)
	assert.False(t, ok, "Open")
	later := pxT0.Add(time.Hour)
	assert.Equal(t, storage.Status{CurrentTime: later}, statusAt(t, h, later))
	for range 3 {
		at, ok, err := h.Reserve(ctx, later, time.Time{}, time.Time{})
		require.NoError(t, err)
		assert.True(t, ok && at.Equal(later), "Reserve = %v, %v; want %v, true every time", at, ok, later)
	}
	hot := h.(storage.HotPath)
	assert.Equal(t, storage.AdmitRun, hot.Admit().Verdict)
	assert.True(t, hot.Failed(0), "a failure never fails a threshold")
	assert.True(t, storage.IsTolerant(s))
}

func TestNullKeepsLocks(t *testing.T) {
	ctx := t.Context()
	s := storage.NewNull()
	h, other := bind(t, s), bind(t, s)
	require.NoError(t, h.Lock(ctx, pxT0, storage.LockOpen))
	assert.Equal(t, storage.LockOpen, statusAt(t, other, pxT0).Lock, "lock through another handle")
	assert.Equal(t, storage.AdmitAsk, h.(storage.HotPath).Admit().Verdict, "Admit while locked")
	names, _ := s.List(ctx)
	assert.Equal(t, []string{"c"}, names)
	require.NoError(t, s.Clear(ctx))
	assert.Equal(t, storage.LockNone, statusAt(t, h, pxT0).Lock, "lock after Clear")
	require.NoError(t, h.Lock(ctx, pxT0, storage.LockClosed))
	require.NoError(t, h.Reset(ctx, pxT0))
	assert.Equal(t, storage.LockNone, statusAt(t, h, pxT0).Lock, "lock after Reset")
	assert.ErrorIs(t, h.Lock(ctx, pxT0, storage.Lock(7)), storage.ErrInvalid)
}
