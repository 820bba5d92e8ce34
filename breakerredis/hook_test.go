package breakerredis_test

import (
	"context"
	"errors"
	"net"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/breakergen/breakergen/breakerredis"
	"github.com/breakergen/breakergen/breakertest"
	"github.com/breakergen/breakergen/internal/testing/redistest"
	"github.com/breakergen/breakergen/runtime"
)

// sensitive is a kit whose circuits open at the first failure, so any command
// misjudged as a failure shows.
func sensitive(t *testing.T) *breakertest.Kit {
	return breakertest.New(t, runtime.WithDefaults(runtime.Options{SampleThreshold: 1, CoolDown: time.Minute}))
}

// TestHandshakeIsNeverAFailure opens many new connections, each of which sends
// go-redis's set-up commands (HELLO, CLIENT SETINFO, which Redis 7.0 answers
// "ERR unknown subcommand" for some arguments) through the hook.
func TestHandshakeIsNeverAFailure(t *testing.T) {
	s := redistest.Start(t)
	kit := sensitive(t)
	ctx := context.Background()
	for _, proto := range []int{2, 3} {
		for range 5 { // a new client each time: a new connection, a new handshake
			c := redis.NewClient(&redis.Options{Addr: s.Addr(), Protocol: proto, ClientName: "breakerredis-test", DB: 1})
			require.NoError(t, breakerredis.Instrument(c, kit.Breaker))
			require.NoError(t, c.Ping(ctx).Err())
			require.NoError(t, c.Close())
		}
	}
	name := "redis[" + s.Addr() + "]"
	st := kit.Status(name)
	assert.True(t, st.Closed())
	assert.Equal(t, 10, st.SampleSize, "the pings, and nothing of the handshakes")
	kit.Events.AssertNone(t, name, runtime.EventFailure)
}

// TestNewHookLearnsTheAddress adds a NewHook to a client: the first dial names
// the circuit.
func TestNewHookLearnsTheAddress(t *testing.T) {
	s := redistest.Start(t)
	kit := sensitive(t)
	h := breakerredis.NewHook(kit.Breaker)
	assert.Nil(t, h.Circuit())
	c := redis.NewClient(&redis.Options{Addr: s.Addr()})
	t.Cleanup(func() { _ = c.Close() })
	c.AddHook(h)

	require.NoError(t, c.Set(context.Background(), "k", "v", 0).Err())
	require.NotNil(t, h.Circuit())
	assert.Equal(t, "redis["+s.Addr()+"]", h.Circuit().Name())
	assert.Equal(t, 1, kit.Status(h.Circuit().Name()).SampleSize, "the first command is recorded once the address is known")
}

func TestDeadServerOpensAndSkips(t *testing.T) {
	kit := sensitive(t)
	addr := deadAddr(t)
	c := redis.NewClient(&redis.Options{Addr: addr, MaxRetries: -1, DialTimeout: time.Second})
	t.Cleanup(func() { _ = c.Close() })
	require.NoError(t, breakerredis.Instrument(c, kit.Breaker))
	ctx := context.Background()

	err := c.Get(ctx, "k").Err()
	require.Error(t, err)
	require.NotErrorIs(t, err, runtime.ErrOpen)

	cmd := c.Get(ctx, "k")
	require.ErrorIs(t, cmd.Err(), runtime.ErrOpen)
	assert.Contains(t, cmd.String(), "get k", "the skipped command's String names it")
	var open *runtime.OpenCircuitError
	require.ErrorAs(t, cmd.Err(), &open)
	assert.Equal(t, time.Minute, open.RetryAfter())
	kit.Events.AssertTransitions(t, "redis["+addr+"]", runtime.EventOpened)
}

// TestReplies judges error replies: those about the command are not
// recorded, those that say the server cannot serve are failures.
func TestReplies(t *testing.T) {
	s := redistest.Start(t)
	ctx := context.Background()
	for _, tc := range []struct {
		name    string
		opts    []breakerredis.Option
		call    func(c *redis.Client) error
		samples int
		failure bool
	}{
		{"wrongtype", nil, func(c *redis.Client) error { c.Set(ctx, "s", "v", 0); return c.LPush(ctx, "s", 1).Err() }, 1, false},
		{"syntax", nil, func(c *redis.Client) error { return c.Do(ctx, "set", "k").Err() }, 0, false},
		{"nil", nil, func(c *redis.Client) error { return c.Get(ctx, "absent").Err() }, 0, false},
		{"busy", nil, func(c *redis.Client) error {
			return c.Eval(ctx, "return redis.error_reply('BUSY Redis is busy running a script')", nil).Err()
		}, 1, true},
		{"custom", []breakerredis.Option{breakerredis.WithFailureReplies("WRONGTYPE")}, func(c *redis.Client) error {
			c.Set(ctx, "s", "v", 0)
			return c.LPush(ctx, "s", 1).Err()
		}, 2, true},
		{"none", []breakerredis.Option{breakerredis.WithFailureReplies()}, func(c *redis.Client) error {
			return c.Eval(ctx, "return redis.error_reply('LOADING loading')", nil).Err()
		}, 0, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			kit := breakertest.New(t, runtime.WithDefaults(runtime.Options{SampleThreshold: 10}))
			c := redis.NewClient(&redis.Options{Addr: s.Addr()})
			t.Cleanup(func() { _ = c.Close() })
			require.NoError(t, breakerredis.Instrument(c, kit.Breaker, tc.opts...))
			require.Error(t, tc.call(c))
			name := "redis[" + s.Addr() + "]"
			assert.Equal(t, tc.samples, kit.Status(name).SampleSize)
			assert.Equal(t, tc.failure, kit.Events.Count(name, runtime.EventFailure) == 1)
		})
	}
}

func TestPipeline(t *testing.T) {
	s := redistest.Start(t)
	kit := sensitive(t)
	c := redis.NewClient(&redis.Options{Addr: s.Addr()})
	t.Cleanup(func() { _ = c.Close() })
	require.NoError(t, breakerredis.Instrument(c, kit.Breaker))
	ctx := context.Background()
	name := "redis[" + s.Addr() + "]"

	cmds, err := c.Pipelined(ctx, func(p redis.Pipeliner) error {
		p.Set(ctx, "a", "1", 0)
		p.Get(ctx, "absent")
		return nil
	})
	require.ErrorIs(t, err, redis.Nil)
	require.Len(t, cmds, 2)
	assert.Equal(t, 1, kit.Status(name).SampleSize, "one pipeline, one call, a success")

	_, err = c.TxPipelined(ctx, func(p redis.Pipeliner) error {
		p.Eval(ctx, "return redis.error_reply('MASTERDOWN no master')", nil)
		return nil
	})
	require.Error(t, err)
	require.True(t, kit.Status(name).Open(), "the transaction's failure opened the circuit")

	cmds, err = c.Pipelined(ctx, func(p redis.Pipeliner) error {
		p.Set(ctx, "a", "2", 0)
		p.Incr(ctx, "n")
		return nil
	})
	require.ErrorIs(t, err, runtime.ErrOpen)
	for _, cmd := range cmds {
		assert.ErrorIs(t, cmd.Err(), runtime.ErrOpen, "every command of a skipped pipeline")
	}
	v, err := redis.NewClient(&redis.Options{Addr: s.Addr()}).Get(ctx, "a").Result()
	require.NoError(t, err)
	assert.Equal(t, "1", v, "the skipped pipeline was not sent")
}

// TestClusterHasACircuitPerNode runs commands on every master of a 3-node
// cluster and trips one node's circuit alone.
func TestClusterHasACircuitPerNode(t *testing.T) {
	cl := redistest.StartCluster(t, 3)
	kit := breakertest.New(t)
	c := redis.NewClusterClient(&redis.ClusterOptions{Addrs: cl.Addrs()})
	t.Cleanup(func() { _ = c.Close() })
	require.NoError(t, breakerredis.Instrument(c, kit.Breaker))
	ctx := context.Background()
	require.NoError(t, c.ForEachMaster(ctx, func(ctx context.Context, n *redis.Client) error { return n.Ping(ctx).Err() }))

	for _, addr := range cl.Addrs() {
		_, ok := kit.Breaker.Lookup("redis[" + addr + "]")
		assert.True(t, ok, "a circuit for node %s", addr)
	}
	first := "redis[" + cl.Addrs()[0] + "]"
	kit.ForceOpen(first)
	var skipped, ran int
	for i := range 30 {
		err := c.Set(ctx, "key"+string(rune('a'+i%26))+time.Duration(i).String(), i, 0).Err()
		if errors.Is(err, runtime.ErrOpen) {
			skipped++
		} else {
			require.NoError(t, err)
			ran++
		}
	}
	assert.Positive(t, skipped, "keys on the forced node are skipped")
	assert.Positive(t, ran, "keys on the other nodes are not")
}

func TestRingHasACircuitPerShard(t *testing.T) {
	a, b := redistest.Start(t), redistest.Start(t)
	kit := breakertest.New(t)
	r := redis.NewRing(&redis.RingOptions{Addrs: map[string]string{"a": a.Addr(), "b": b.Addr()}})
	t.Cleanup(func() { _ = r.Close() })
	require.NoError(t, breakerredis.Instrument(r, kit.Breaker))
	ctx := context.Background()
	for i := range 20 {
		require.NoError(t, r.Set(ctx, time.Duration(i).String(), i, 0).Err())
	}
	assert.Positive(t, kit.Status("redis["+a.Addr()+"]").SampleSize)
	assert.Positive(t, kit.Status("redis["+b.Addr()+"]").SampleSize)
}

func TestInvalid(t *testing.T) {
	kit := breakertest.New(t)
	for i, opts := range [][]breakerredis.Option{
		{breakerredis.WithOptions(runtime.Options{RateThreshold: 2})},
		{breakerredis.WithFailureReplies("BUSY", "")},
		{nil},
	} {
		assert.ErrorIs(t, hookPanic(kit.Breaker, opts...), runtime.ErrInvalid, "options %d", i+1)
		assert.ErrorIs(t, breakerredis.Instrument(redis.NewClient(&redis.Options{}), kit.Breaker, opts...), runtime.ErrInvalid, "options %d", i+1)
	}
	assert.ErrorIs(t, hookPanic(nil), runtime.ErrInvalid, "a nil breaker")
	assert.ErrorIs(t, breakerredis.Instrument(nil, kit.Breaker), runtime.ErrInvalid)
	assert.ErrorIs(t, breakerredis.Instrument(redis.NewClient(&redis.Options{}), nil), runtime.ErrInvalid)
}

// hookPanic returns the error NewHook panics with, nil when it does not.
func hookPanic(b *runtime.Breaker, opts ...breakerredis.Option) (err error) {
	defer func() {
		if r := recover(); r != nil {
			err, _ = r.(error)
		}
	}()
	breakerredis.NewHook(b, opts...)
	return nil
}

// TestNewHookOnARingProtectsTheClient adds a NewHook to a Ring, whose shards
// dial, not the Ring: the hook never sees a dial, and protects the Ring's
// commands with one circuit rather than leaving them unprotected (it once
// did, silently). Instrument gives a circuit per shard.
func TestNewHookOnARingProtectsTheClient(t *testing.T) {
	s := redistest.Start(t)
	kit := sensitive(t)
	ring := redis.NewRing(&redis.RingOptions{Addrs: map[string]string{"a": s.Addr()}})
	t.Cleanup(func() { _ = ring.Close() })
	h := breakerredis.NewHook(kit.Breaker)
	ring.AddHook(h)
	ctx := context.Background()
	for range 3 {
		require.NoError(t, ring.Set(ctx, "k", "v", 0).Err())
	}
	require.NotNil(t, h.Circuit(), "the hook's circuit")
	assert.Equal(t, "redis[client]", h.Circuit().Name())
	assert.Equal(t, 3, kit.Status("redis[client]").SampleSize, "every command recorded")
}

func TestWithOptions(t *testing.T) {
	kit := breakertest.New(t)
	c := redis.NewClient(&redis.Options{Addr: "127.0.0.1:1"})
	t.Cleanup(func() { _ = c.Close() })
	require.NoError(t, breakerredis.Instrument(c, kit.Breaker, breakerredis.WithOptions(runtime.Options{CoolDown: 7 * time.Second})))
	assert.Equal(t, 7*time.Second, kit.Circuit("redis[127.0.0.1:1]").Options().CoolDown)
}

// deadAddr returns a loopback address nobody listens on.
func deadAddr(t *testing.T) string {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	addr := l.Addr().String()
	require.NoError(t, l.Close())
	return addr
}
