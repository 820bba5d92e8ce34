package storage_test

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/breakergen/breakergen/runtime/storage"
	"github.com/breakergen/breakergen/runtime/storage/storagetest"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestMemoryConformance(t *testing.T) {
	storagetest.Run(t, storagetest.Harness{New: func(*testing.T) storage.Storage { return storage.NewMemory() }, Policies: true})
}

// TestMemorySharedGeometry is the defect of the old seam: two bindings of one
// name with different windows, as two Breakers sharing a Memory make, must not
// wipe each other's counts when one of them reads.
func TestMemorySharedGeometry(t *testing.T) {
	m := storage.NewMemory()
	short, err := m.Bind("c", pxPolicy)
	require.NoError(t, err)
	long := pxPolicy
	long.EvaluationWindow = 10 * time.Minute
	long.SampleThreshold = 100
	other, err := m.Bind("c", long)
	require.NoError(t, err)
	for range 2 {
		_, err := other.Record(t.Context(), pxT0, storage.Outcome{})
		require.NoError(t, err)
	}
	assert.Equal(t, 2, statusAt(t, short, pxT0).Failures, "failures through the first binding")
	assert.Equal(t, 2, statusAt(t, other, pxT0).Failures, "failures through the second binding, after the first read")
	r, err := short.Record(t.Context(), pxT0, storage.Outcome{})
	require.NoError(t, err)
	assert.Equal(t, storage.TransitionOpened, r.Transition, "the first binding's threshold over the shared window")
}

// TestMemoryUnbind checks that a circuit is forgotten when its last handle is
// given back, and kept while one remains.
func TestMemoryUnbind(t *testing.T) {
	m := storage.NewMemory()
	ctx := t.Context()
	a, b := bind(t, m), bind(t, m)
	require.NoError(t, a.Lock(ctx, pxT0, storage.LockOpen))
	a.(storage.Unbinder).Unbind()
	a.(storage.Unbinder).Unbind() // a second Unbind does nothing
	names, _ := m.List(ctx)
	assert.Equal(t, []string{"c"}, names, "List while one handle remains")
	assert.Equal(t, storage.LockOpen, statusAt(t, b, pxT0).Lock, "lock through the remaining handle")
	b.(storage.Unbinder).Unbind()
	names, _ = m.List(ctx)
	assert.Empty(t, names, "List after the last handle was given back")
	c := bind(t, m)
	assert.Equal(t, storage.LockNone, statusAt(t, c, pxT0).Lock, "a new binding after the circuit was forgotten")
}

// TestMemoryManyCircuits binds and gives back many dynamic circuits: memory
// holds only the ones bound.
func TestMemoryManyCircuits(t *testing.T) {
	m := storage.NewMemory()
	var wg sync.WaitGroup
	for g := range 8 {
		wg.Go(func() {
			for i := range 500 {
				h, err := m.Bind(fmt.Sprintf("tenant-%d-%d", g, i), pxPolicy)
				if !assert.NoError(t, err) {
					return
				}
				_, _ = h.Record(context.Background(), pxT0, storage.Outcome{Success: true})
				h.(storage.Unbinder).Unbind()
			}
		})
	}
	wg.Wait()
	names, _ := m.List(t.Context())
	assert.Empty(t, names)
}

func TestMemoryHotPathSkipsWithoutAllocating(t *testing.T) {
	m := storage.NewMemory()
	h := bind(t, m)
	for range 3 {
		_, _ = h.Record(t.Context(), pxT0, storage.Outcome{})
	}
	hot := h.(storage.HotPath)
	now := pxT0.Add(time.Second).UnixNano()
	allocs := testing.AllocsPerRun(100, func() {
		if a := hot.Admit(); a.Verdict != storage.AdmitSkip || now >= a.Until {
			t.Fatal("not skipped")
		}
	})
	assert.Zero(t, allocs)
}

func TestMemoryInvalidPolicy(t *testing.T) {
	_, err := storage.NewMemory().Bind("c", storage.Policy{EvaluationWindow: time.Nanosecond})
	assert.ErrorIs(t, err, storage.ErrInvalid)
	assert.Contains(t, err.Error(), `"c"`)
}
