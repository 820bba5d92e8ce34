package faultproxy_test

import (
	"context"
	"net"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/breakergen/breakergen/internal/testing/faultproxy"
	"github.com/breakergen/breakergen/internal/testing/redistest"
)

// readTimeout is the go-redis client's deadline in the fault tests.
const readTimeout = 200 * time.Millisecond

// redisBehind starts a redis-server, a proxy in front of it, a client through
// the proxy with opts and a direct client for checking the server.
func redisBehind(t *testing.T, opts redis.Options) (p *faultproxy.Proxy, proxied, direct *redis.Client) {
	t.Helper()
	srv := redistest.Start(t)
	p = faultproxy.Start(t, srv.Addr())
	opts.Addr = p.Addr()
	proxied = redis.NewClient(&opts)
	t.Cleanup(func() { _ = proxied.Close() })
	return p, proxied, srv.Client(t, nil)
}

func TestRedisPing(t *testing.T) {
	p, c, direct := redisBehind(t, redis.Options{})
	ctx := context.Background()
	require.NoError(t, c.Ping(ctx).Err())
	require.NoError(t, c.Set(ctx, "k", "v", 0).Err())
	assert.Equal(t, "v", direct.Get(ctx, "k").Val())
	assert.Positive(t, p.Stats().Accepted)
}

// TestRedisHalfOpen shows the client timing out on a command the server ran.
func TestRedisHalfOpen(t *testing.T) {
	p, c, direct := redisBehind(t, redis.Options{ReadTimeout: readTimeout, MaxRetries: -1, PoolSize: 1})
	ctx := context.Background()
	// A connection made under the fault would time out in its handshake and
	// never send the command, so the pool's one connection is made first.
	require.NoError(t, c.Ping(ctx).Err())

	p.HalfOpen()
	before := p.Stats()
	start := time.Now()
	err := c.Incr(ctx, "k").Err()
	elapsed := time.Since(start)
	assertTimeout(t, err)
	assertAbout(t, readTimeout, elapsed)

	// The proxy dropped the server's reply, so the server has run INCR.
	waitStats(t, p, func(s faultproxy.Stats) bool { return s.DroppedDown > before.DroppedDown })
	assert.Equal(t, "1", direct.Get(ctx, "k").Val())
}

// TestRedisResetRepliesRetries shows the double count a lost reply causes: the
// client retries an INCR the server already ran.
func TestRedisResetRepliesRetries(t *testing.T) {
	const retries = 2
	p, c, direct := redisBehind(t, redis.Options{MaxRetries: retries, PoolSize: retries + 1})
	ctx := context.Background()
	warmPool(t, c, retries+1)

	p.ResetReplies(1, 7)
	// The error is EOF or a reset, depending on which read of go-redis
	// meets the RST first.
	require.Error(t, c.Incr(ctx, "k").Err())

	n, err := direct.Get(ctx, "k").Int()
	require.NoError(t, err)
	assert.Greater(t, n, 1, "the server ran INCR once per attempt")
	assert.Equal(t, retries+1, n)
	assert.Equal(t, int64(retries+1), p.Stats().Resets)
}

// warmPool fills c's pool with n idle connections that have done their
// handshake, so retries under a fault reach the server: a new connection's
// handshake reply would be lost to the fault before any command is sent.
func warmPool(t *testing.T, c *redis.Client, n int) {
	t.Helper()
	ctx := context.Background()
	conns := make([]*redis.Conn, n)
	for i := range conns {
		conns[i] = c.Conn()
		require.NoError(t, conns[i].Ping(ctx).Err())
	}
	for _, cn := range conns {
		require.NoError(t, cn.Close())
	}
	require.Equal(t, uint32(n), c.PoolStats().IdleConns)
}

func TestRedisBlackhole(t *testing.T) {
	opts := redis.Options{ReadTimeout: readTimeout, WriteTimeout: readTimeout, MaxRetries: -1, PoolSize: 1}
	p, c, direct := redisBehind(t, opts)
	ctx := context.Background()
	require.NoError(t, c.Ping(ctx).Err())

	p.Blackhole()
	start := time.Now()
	err := c.Get(ctx, "k").Err()
	assertAbout(t, readTimeout, time.Since(start))
	assertTimeout(t, err)

	before := p.Stats()
	assertTimeout(t, c.Set(ctx, "k", "v", 0).Err())
	// Once the proxy has dropped the SET, it can no longer reach the server.
	waitStats(t, p, func(s faultproxy.Stats) bool { return s.DroppedUp > before.DroppedUp })
	assert.Zero(t, direct.Exists(ctx, "k").Val(), "the server ran a command")

	// A client that connects under the fault times out in its handshake.
	opts.Addr = p.Addr()
	fresh := redis.NewClient(&opts)
	defer fresh.Close()
	start = time.Now()
	assertTimeout(t, fresh.Get(ctx, "k").Err())
	assertAbout(t, readTimeout, time.Since(start))
	assert.Zero(t, p.Stats().BytesUp-before.BytesUp, "bytes reached the server")
}

// assertTimeout checks that err is a network timeout.
func assertTimeout(t *testing.T, err error) {
	t.Helper()
	var ne net.Error
	if assert.ErrorAs(t, err, &ne) {
		assert.True(t, ne.Timeout(), "%v is not a timeout", err)
	}
}

// assertAbout checks that a call that timed out after d took d, give or take
// the scheduling of a slow, busy machine.
func assertAbout(t *testing.T, d, elapsed time.Duration) {
	t.Helper()
	assert.GreaterOrEqual(t, elapsed, d*9/10)
	assert.Less(t, elapsed, d+time.Second)
}
