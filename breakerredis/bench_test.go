package breakerredis_test

import (
	"context"
	"errors"
	"net"
	"testing"

	"github.com/redis/go-redis/v9"
	"github.com/stretchr/testify/require"

	"github.com/breakergen/breakergen/breakerredis"
	"github.com/breakergen/breakergen/internal/testing/redistest"
	"github.com/breakergen/breakergen/runtime"
)

// BenchmarkHookOverhead measures what the hook adds to a command on a closed
// circuit: its ProcessHook around a next that does nothing, against that next
// alone.
func BenchmarkHookOverhead(b *testing.B) {
	ctx := context.Background()
	cmd := redis.NewStringCmd(ctx, "get", "k")
	next := func(context.Context, redis.Cmder) error { return nil }
	b.Run("bare", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			_ = next(ctx, cmd)
		}
	})
	b.Run("hook", func(b *testing.B) {
		brk := runtime.MustNew()
		c := redis.NewClient(&redis.Options{Addr: "127.0.0.1:1"})
		defer c.Close()
		h := breakerredis.NewHook(brk)
		dial := h.DialHook(func(context.Context, string, string) (net.Conn, error) { return nil, errNoDial })
		_, _ = dial(ctx, "tcp", "127.0.0.1:1") // names the circuit
		process := h.ProcessHook(next)
		b.ReportAllocs()
		for b.Loop() {
			_ = process(ctx, cmd)
		}
	})
}

// BenchmarkGet runs GET against a real redis-server, without and with the
// hook: the difference is within the round trip's noise.
func BenchmarkGet(b *testing.B) {
	s := redistest.Start(b)
	ctx := context.Background()
	for _, hooked := range []bool{false, true} {
		name := "bare"
		if hooked {
			name = "hook"
		}
		b.Run(name, func(b *testing.B) {
			c := redis.NewClient(&redis.Options{Addr: s.Addr()})
			defer c.Close()
			if hooked {
				require.NoError(b, breakerredis.Instrument(c, runtime.MustNew()))
			}
			require.NoError(b, c.Set(ctx, "k", "v", 0).Err())
			b.ReportAllocs()
			for b.Loop() {
				if err := c.Get(ctx, "k").Err(); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

var errNoDial = errors.New("no dial in a benchmark")
