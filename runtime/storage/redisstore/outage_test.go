package redisstore_test

import (
	"context"
	"errors"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/breakergen/breakergen/internal/testing/redistest"
	"github.com/breakergen/breakergen/runtime"
	"github.com/breakergen/breakergen/runtime/storage"
	"github.com/redis/go-redis/v9"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// counter is a go-redis hook that counts the round trips a client makes for
// its user: commands, and pipelines as one. It leaves out the handshake go-redis
// sends on every new connection, so that a connection a background goroutine
// opens (the subscription's, say) is not taken for a round trip of a call.
type counter struct {
	mu sync.Mutex
	n  int
}

func (c *counter) DialHook(next redis.DialHook) redis.DialHook { return next }
func (c *counter) ProcessHook(next redis.ProcessHook) redis.ProcessHook {
	return func(ctx context.Context, cmd redis.Cmder) error {
		if !handshake(cmd) {
			c.add()
		}
		return next(ctx, cmd)
	}
}
func (c *counter) ProcessPipelineHook(next redis.ProcessPipelineHook) redis.ProcessPipelineHook {
	return func(ctx context.Context, cmds []redis.Cmder) error {
		if !slices.ContainsFunc(cmds, handshake) {
			c.add()
		}
		return next(ctx, cmds)
	}
}

// handshake reports whether cmd is one go-redis sends when it opens a
// connection; the store itself sends none of these.
func handshake(cmd redis.Cmder) bool {
	switch cmd.Name() {
	case "hello", "auth", "client", "select", "readonly":
		return true
	}
	return false
}

func (c *counter) add() {
	c.mu.Lock()
	c.n++
	c.mu.Unlock()
}
func (c *counter) get() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.n
}

// eventually polls cond every 20ms until it holds or limit passes.
func eventually(t *testing.T, limit time.Duration, what string, cond func() bool) time.Duration {
	t.Helper()
	start := time.Now()
	for !cond() {
		require.Less(t, time.Since(start), limit, what)
		time.Sleep(20 * time.Millisecond)
	}
	return time.Since(start)
}

// quickClient returns a client that gives up fast on a dead or slow server.
func quickClient(t *testing.T, srv *redistest.Server) (*redis.Client, *counter) {
	c := srv.Client(t, &redis.Options{
		DialTimeout: 200 * time.Millisecond, ReadTimeout: 100 * time.Millisecond,
		WriteTimeout: 100 * time.Millisecond, MaxRetries: -1, DialerRetries: 1,
	})
	n := &counter{}
	c.AddHook(n)
	return c, n
}

// TestRedisRestart kills Redis under a running breaker and starts it again on
// the same port: calls keep running, EventStorageFailure is emitted, the dead
// server is not called on every call, and the shared state is used again
// within seconds, without restarting anything in the process.
func TestRedisRestart(t *testing.T) {
	srv := redistest.Start(t)
	ctx := context.Background()
	client, sent := quickClient(t, srv)
	store := newStore(t, client)
	events := &recorder{typ: runtime.EventStorageFailure}
	b := runtime.MustNew(runtime.WithStorage(store), runtime.WithListener(events, runtime.EventStorageFailure))
	// A healthy fleet circuit reports at its bucket boundaries, which a short
	// window brings often enough for the outage to show within the test.
	c := b.Circuit("dep", runtime.Options{CoolDown: time.Minute, EvaluationWindow: 2 * time.Second})
	ran := 0
	call := func(context.Context) error { ran++; return nil }
	require.NoError(t, c.Run(ctx, call))

	srv.Kill(t)
	before := sent.get()
	start := time.Now()
	const calls = 200
	for range calls {
		require.NoError(t, c.Run(ctx, call), "Run during the outage")
	}
	require.Equal(t, 1+calls, ran, "calls that ran during the outage")
	ranBefore := ran
	elapsed := time.Since(start)
	assert.Less(t, elapsed, 2*time.Second, "calls during the outage should not wait for the dead server")
	// A fleet store learns of the outage at its next report (a healthy
	// circuit's come at its bucket boundaries), a strict one at once.
	eventually(t, 3*time.Second, "EventStorageFailure during the outage", func() bool {
		require.NoError(t, c.Run(ctx, call))
		return events.count() > 0
	})
	tries := sent.get() - before
	assert.LessOrEqual(t, tries, 20, "commands sent to the dead server for %d calls", ran-1)
	st, _ := c.Status(ctx)
	assert.True(t, st.Stub, "Status during the outage is a stub")
	t.Logf("outage: %d calls ran in %v, %d commands tried, %d storage failure events", ran-ranBefore+calls, elapsed, tries, events.count())

	srv.Restart(t)
	// Another process locks the circuit open in the restarted Redis; this process
	// must see it within seconds.
	other := newStoreWithPrefix(t, srv.Client(t, nil), store)
	require.NoError(t, bind(t, other, "dep", policy).Lock(ctx, time.Time{}, storage.LockOpen))
	took := eventually(t, 10*time.Second, "the breaker seeing the lock set in the restarted Redis", func() bool {
		return errors.Is(c.Run(ctx, call), runtime.ErrOpen)
	})
	t.Logf("shared state used again %v after the restart", took.Round(time.Millisecond))
	st, err := c.Status(ctx)
	require.NoError(t, err)
	assert.True(t, !st.Stub && st.LockedOpen(), "Status after recovery = %+v", st)
}

// TestRedisSlow blocks Redis with DEBUG SLEEP for longer than the client's read
// timeout: the store's call fails with a timeout, protected calls keep running
// without waiting for Redis, and once Redis answers again it is used again.
func TestRedisSlow(t *testing.T) {
	srv := redistest.Start(t)
	ctx := context.Background()
	client, _ := quickClient(t, srv)
	store := newStore(t, client)
	events := &recorder{typ: runtime.EventStorageFailure}
	b := runtime.MustNew(runtime.WithStorage(store), runtime.WithListener(events, runtime.EventStorageFailure))
	c := b.Circuit("slow", runtime.Options{CoolDown: time.Minute, EvaluationWindow: 2 * time.Second})
	require.NoError(t, c.Run(ctx, func(context.Context) error { return nil }))
	admin := srv.Client(t, nil)
	slept := make(chan error, 1)
	go func() { slept <- admin.Do(ctx, "DEBUG", "SLEEP", "1.5").Err() }()
	h := bind(t, store, "slow", policy)
	// Wait until the server is asleep: a command with a short deadline times out.
	eventually(t, 5*time.Second, "the server to fall asleep", func() bool {
		_, err := h.Status(ctx, time.Time{})
		return err != nil
	})
	_, err := h.Status(ctx, time.Time{})
	var timeout interface{ Timeout() bool }
	require.True(t, errors.As(err, &timeout) && timeout.Timeout(), "Status on a sleeping server: %v, want a timeout", err)
	start := time.Now()
	ran := 0
	for range 20 {
		require.NoError(t, c.Run(ctx, func(context.Context) error { ran++; return nil }), "Run while Redis sleeps")
	}
	assert.Less(t, time.Since(start), time.Second, "20 calls while Redis sleeps")
	assert.Equal(t, 20, ran)
	eventually(t, 3*time.Second, "EventStorageFailure while Redis sleeps", func() bool { return events.count() > 0 })
	require.NoError(t, <-slept, "DEBUG SLEEP")
	eventually(t, 10*time.Second, "the breaker using Redis again", func() bool {
		st, err := c.Status(ctx)
		return err == nil && !st.Stub
	})
}
