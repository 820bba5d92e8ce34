package runtime_test

import (
	"context"
	"testing"
	"time"

	"github.com/breakergen/breakergen/runtime"
	"github.com/breakergen/breakergen/runtime/fakeclock"
	"github.com/breakergen/breakergen/runtime/storage"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// wrappedMemory is a user's wrapper of a Memory storage, which declares
// itself tolerant and hands out Memory's handles: the runtime cannot tell it
// from a network backend by its type, only by the handles it binds.
type wrappedMemory struct{ storage.Storage }

func (wrappedMemory) FaultTolerant() bool { return true }

// cycle opens c with a failure, waits out its cool-down on clock and closes
// it with a successful probe: the calls that take the storage's slow path.
func cycle(ctx context.Context, c *runtime.Circuit, clock *fakeclock.Clock) {
	_ = c.Run(ctx, func(context.Context) error { return errBoom })
	clock.Advance(time.Second)
	_ = c.Run(ctx, func(context.Context) error { return nil })
}

// TestWrappedMemoryHasNoDeadlines checks that the runtime decides a
// circuit's storage deadlines from the handle it binds: a circuit of a
// wrapped Memory storage pays no deadline (no context with a timer per slow
// call), as one of a Memory does, while a handle of another kind keeps them.
func TestWrappedMemoryHasNoDeadlines(t *testing.T) {
	ctx := context.Background()
	opts := runtime.Options{CoolDown: time.Second, SampleThreshold: 1}
	allocs := func(s storage.Storage) float64 {
		clock := fakeclock.New(time.Unix(1_700_000_000, 0))
		c := runtime.MustNew(runtime.WithStorage(s), runtime.WithClock(clock)).Circuit("c", opts)
		cycle(ctx, c, clock)
		return testing.AllocsPerRun(50, func() { cycle(ctx, c, clock) })
	}
	memory := allocs(storage.NewMemory())
	assert.Equal(t, memory, allocs(wrappedMemory{storage.NewMemory()}), "a wrapped Memory's slow path")
	chain, err := storage.FallbackChain(storage.NewMemory())
	require.NoError(t, err)
	assert.Greater(t, allocs(chain), memory, "a chain's handles keep their deadlines")
}

// BenchmarkWrappedMemory measures a Memory storage and a user's wrapper of
// one side by side: the closed success, a failure below the threshold, a
// skip, and an opening, a probe and a close on a fake clock (the slow path).
func BenchmarkWrappedMemory(b *testing.B) {
	for _, kind := range []struct {
		name string
		make func() storage.Storage
	}{
		{"memory", func() storage.Storage { return storage.NewMemory() }},
		{"wrapped", func() storage.Storage { return wrappedMemory{storage.NewMemory()} }},
	} {
		b.Run("success/"+kind.name, func(b *testing.B) {
			loop(b, runtime.MustNew(runtime.WithStorage(kind.make())).Circuit("bench"), nil)
		})
		b.Run("failure/"+kind.name, func(b *testing.B) {
			loop(b, runtime.MustNew(runtime.WithStorage(kind.make())).Circuit("bench", neverOpens), benchErr)
		})
		b.Run("skip/"+kind.name, func(b *testing.B) {
			c := opened(b, runtime.WithStorage(kind.make()))
			ctx := context.Background()
			b.ReportAllocs()
			for b.Loop() {
				if _, err := c.Allow(ctx); err == nil {
					b.Fatal("not skipped")
				}
			}
		})
		b.Run("cycle/"+kind.name, func(b *testing.B) {
			clock := fakeclock.New(time.Unix(1_700_000_000, 0))
			c := runtime.MustNew(runtime.WithStorage(kind.make()), runtime.WithClock(clock)).
				Circuit("bench", runtime.Options{CoolDown: time.Second, SampleThreshold: 1})
			ctx := context.Background()
			b.ReportAllocs()
			for b.Loop() {
				cycle(ctx, c, clock)
			}
		})
	}
}
