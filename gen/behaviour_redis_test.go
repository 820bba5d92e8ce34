package gen_test

import (
	"context"
	"net"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/breakergen/breakergen/runtime"
	"github.com/breakergen/breakergen/testdata/rediscmd"
)

// deadAddr returns a loopback address nobody listens on.
func deadAddr(t *testing.T) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	addr := l.Addr().String()
	require.NoError(t, l.Close())
	return addr
}

// redisClient returns a client of addr that fails fast.
func redisClient(t *testing.T, addr string) *redis.Client {
	t.Helper()
	c := redis.NewClient(&redis.Options{
		Addr: addr, DialTimeout: time.Second, ReadTimeout: time.Second, WriteTimeout: time.Second,
		MaxRetries: -1, DialerRetries: 1,
	})
	t.Cleanup(func() { c.Close() })
	return c
}

// nilHook answers every command with redis.Nil, without a server.
type nilHook struct{}

func (nilHook) DialHook(next redis.DialHook) redis.DialHook { return next }
func (nilHook) ProcessHook(next redis.ProcessHook) redis.ProcessHook {
	return func(ctx context.Context, cmd redis.Cmder) error {
		cmd.SetErr(redis.Nil)
		return redis.Nil
	}
}
func (nilHook) ProcessPipelineHook(next redis.ProcessPipelineHook) redis.ProcessPipelineHook {
	return next
}

func TestRedisCommandsOnADeadServer(t *testing.T) {
	ctx := context.Background()
	h := newHarness()
	r := rediscmd.NewStringCmdableBreaker(redisClient(t, deadAddr(t)), h.b)
	for range 3 { // samples=3
		err := r.Get(ctx, "k").Err()
		require.Error(t, err, "the server is down")
		require.NotErrorIs(t, err, runtime.ErrOpen)
	}
	st := h.status(t, "redis")
	assert.Equal(t, 3, st.SampleSize, "Get on a dead server is counted")
	assert.True(t, st.Open())
	cmd := r.Get(ctx, "k")
	require.NotNil(t, cmd)
	wantOpen(t, cmd.Err(), "a refused Get returns a command carrying the open-circuit error")
	val, err := cmd.Result()
	assert.Empty(t, val)
	wantOpen(t, err)
	wantOpen(t, r.Set(ctx, "k", "v", 0).Err(), "every command shares the circuit")
}

func TestRedisNilIsNotAFailure(t *testing.T) {
	ctx := context.Background()
	h := newHarness()
	client := redisClient(t, deadAddr(t))
	client.AddHook(nilHook{})
	r := rediscmd.NewStringCmdableBreaker(client, h.b)
	for range 10 {
		require.ErrorIs(t, r.Get(ctx, "missing").Err(), redis.Nil)
	}
	assert.Zero(t, h.status(t, "redis").SampleSize, "exclude=redis.Nil, a constant")
}

// TestRedisRefusedCommandNamesItself checks that a command refused by an open
// circuit says which command it was: its String starts with the command's
// name, not with ": ".
func TestRedisRefusedCommandNamesItself(t *testing.T) {
	ctx := context.Background()
	h := newHarness()
	r := rediscmd.NewStringCmdableBreaker(redisClient(t, deadAddr(t)), h.b)
	for range 3 {
		require.Error(t, r.Get(ctx, "k").Err())
	}
	cmd := r.Get(ctx, "k")
	wantOpen(t, cmd.Err())
	assert.Equal(t, `get: breakergen: circuit "redis" open`, cmd.String())
	assert.Equal(t, "get", cmd.Name())
}

// TestRedisMethodDirectiveBesideSource checks that a //breaker:method line
// beside the -source line gives that method its own circuit per key, while
// the other methods keep the interface's.
func TestRedisMethodDirectiveBesideSource(t *testing.T) {
	ctx := context.Background()
	h := newHarness()
	r := rediscmd.NewStringCmdableBreaker(redisClient(t, deadAddr(t)), h.b)
	for range 3 {
		require.Error(t, r.GetDel(ctx, "hot").Err())
	}
	wantOpen(t, r.GetDel(ctx, "hot").Err(), "the key's own circuit opened")
	require.NotErrorIs(t, r.GetDel(ctx, "cold").Err(), runtime.ErrOpen, "another key has a circuit of its own")
	require.NotErrorIs(t, r.Get(ctx, "hot").Err(), runtime.ErrOpen, "Get is on the interface's circuit")
	assert.Equal(t, []string{"redis", "redis.GetDel[cold]", "redis.GetDel[hot]"}, circuitNames(h.b))
}
