package breakerredis_test

import (
	"context"
	"errors"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/breakergen/breakergen/adaptertest"
	"github.com/breakergen/breakergen/breakerredis"
	"github.com/breakergen/breakergen/internal/testing/redistest"
	"github.com/breakergen/breakergen/runtime"
)

// TestConformance runs the adapters' shared suite against the hook: two real
// redis-server processes on loopback are the two targets (one circuit per
// server address).
func TestConformance(t *testing.T) {
	servers := [2]*redistest.Server{redistest.Start(t), redistest.Start(t)}
	adaptertest.Run(t, adaptertest.Harness{
		Name:  "breakerredis",
		Setup: func(t *testing.T, b *runtime.Breaker) adaptertest.Fixture { return newRedisFixture(t, b, servers) },
	})
}

// The keys the fixture's commands use.
const (
	presentKey = "adaptertest:present"
	missingKey = "adaptertest:missing"
	holdKey    = "adaptertest:hold"  // BLPOP waits here for Hang
	crashKey   = "adaptertest:crash" // BLPOP waits here until the fixture kills the connection (Panic)
	// loadingScript answers what a server loading its data set answers.
	loadingScript = "return redis.error_reply('LOADING Redis is loading the dataset in memory')"
)

// redisFixture calls two servers through clients with the hook; control
// clients (no hook) read the servers' statistics and steer held commands.
type redisFixture struct {
	clients  [2]*redis.Client
	controls [2]*redis.Client
	addrs    [2]string
	hangMu   sync.Mutex // one Hang release or crash at a time per fixture
}

func newRedisFixture(t *testing.T, b *runtime.Breaker, servers [2]*redistest.Server) *redisFixture {
	f := &redisFixture{}
	ctx := context.Background()
	for i, s := range servers {
		f.addrs[i] = s.Addr()
		f.controls[i] = s.Client(t, &redis.Options{Protocol: 2})
		require.NoError(t, f.controls[i].FlushAll(ctx).Err())
		require.NoError(t, f.controls[i].Set(ctx, presentKey, "value", 0).Err())
		require.NoError(t, f.controls[i].ConfigResetStat(ctx).Err())
		// No retries: a command is one request, so the server's counts are
		// the calls'. ContextTimeoutEnabled: a caller's deadline bounds reads.
		c := redis.NewClient(&redis.Options{Addr: s.Addr(), MaxRetries: -1, ContextTimeoutEnabled: true})
		t.Cleanup(func() { _ = c.Close() })
		require.NoError(t, breakerredis.Instrument(c, b))
		f.clients[i] = c
	}
	return f
}

func (f *redisFixture) Call(ctx context.Context, target int, b adaptertest.Behavior) error {
	c := f.clients[target]
	switch b {
	case adaptertest.Succeed:
		v, err := c.Get(ctx, presentKey).Result()
		if err == nil && v != "value" {
			return errors.New("the reply did not reach the caller untouched")
		}
		return err
	case adaptertest.NotFound:
		return c.Get(ctx, missingKey).Err()
	case adaptertest.Fail:
		return c.Eval(ctx, loadingScript, nil).Err()
	case adaptertest.Hang:
		// go-redis does not abandon a blocked read when its context is
		// cancelled, so the fixture ends the held command the way a server
		// that went away would: it closes the connection.
		stop := context.AfterFunc(ctx, func() { f.kill(target) })
		defer stop()
		return c.BLPop(ctx, 0, holdKey).Err()
	case adaptertest.Panic:
		done := make(chan struct{})
		go f.crashWhenBlocked(target, done)
		err := c.BLPop(ctx, 0, crashKey).Err()
		close(done)
		return err
	}
	return errors.New("unknown behaviour")
}

// kill closes every connection of target's server but the control client's.
func (f *redisFixture) kill(target int) {
	_ = f.controls[target].ClientKillByFilter(context.Background(), "TYPE", "normal", "SKIPME", "yes").Err()
}

// crashWhenBlocked kills the connections of target's server once a command
// blocks there, unless the call returned first (it was skipped).
func (f *redisFixture) crashWhenBlocked(target int, done <-chan struct{}) {
	for {
		select {
		case <-done:
			return
		default:
		}
		if f.blocked(target) > 0 {
			f.kill(target)
			return
		}
		time.Sleep(time.Millisecond) // polling a real server's INFO
	}
}

func (f *redisFixture) blocked(target int) int {
	info, err := f.controls[target].Info(context.Background(), "clients").Result()
	if err != nil {
		return 0
	}
	return infoField(info, "blocked_clients")
}

func (f *redisFixture) Circuit(target int) string { return "redis[" + f.addrs[target] + "]" }

// Hits counts the commands the fixture's calls ran at the server.
func (f *redisFixture) Hits(t testing.TB, target int) int {
	info, err := f.controls[target].Info(context.Background(), "commandstats").Result()
	require.NoError(t, err)
	n := 0
	for _, cmd := range []string{"get", "eval", "blpop"} {
		n += commandCalls(info, cmd)
	}
	return n
}

func (f *redisFixture) AwaitHeld(t testing.TB, target, n int) {
	limit := time.Now().Add(30 * time.Second)
	for f.blocked(target) < n {
		require.True(t, time.Now().Before(limit), "%d commands blocked after 30s", n)
		time.Sleep(time.Millisecond) // polling a real server's INFO
	}
}

// Release serves every blocked BLPOP: Redis serves blocked clients as soon as
// the LPUSH completes, before the DEL that drops what is left over.
func (f *redisFixture) Release(t testing.TB, target int) {
	ctx := context.Background()
	values := make([]any, 64)
	for i := range values {
		values[i] = "released"
	}
	require.NoError(t, f.controls[target].LPush(ctx, holdKey, values...).Err())
	require.NoError(t, f.controls[target].Del(ctx, holdKey).Err())
}

// Open returns the clients' connections in use.
func (f *redisFixture) Open(testing.TB) int {
	n := 0
	for _, c := range f.clients {
		st := c.PoolStats()
		n += int(st.TotalConns) - int(st.IdleConns)
	}
	return n
}

// infoField reads an integer field of an INFO reply.
func infoField(info, field string) int {
	for line := range strings.SplitSeq(info, "\r\n") {
		if v, ok := strings.CutPrefix(line, field+":"); ok {
			n, _ := strconv.Atoi(v)
			return n
		}
	}
	return 0
}

// commandCalls reads the calls of cmd from INFO commandstats
// ("cmdstat_get:calls=3,usec=...").
func commandCalls(info, cmd string) int {
	for line := range strings.SplitSeq(info, "\r\n") {
		rest, ok := strings.CutPrefix(line, "cmdstat_"+cmd+":calls=")
		if !ok {
			continue
		}
		n, _ := strconv.Atoi(rest[:strings.IndexByte(rest, ',')])
		return n
	}
	return 0
}

func TestCommandCallsParsing(t *testing.T) {
	info := "# Commandstats\r\ncmdstat_get:calls=3,usec=10,usec_per_call=3.33\r\ncmdstat_blpop:calls=1,usec=1"
	assert.Equal(t, 3, commandCalls(info, "get"))
	assert.Equal(t, 0, commandCalls(info, "eval"))
}
