package faultsuite

import (
	"context"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/breakergen/breakergen/internal/testing/faultproxy"
	"github.com/breakergen/breakergen/internal/testing/redistest"
	"github.com/breakergen/breakergen/runtime"
	"github.com/breakergen/breakergen/runtime/storage/redisstore"
	"github.com/redis/go-redis/v9"
	"github.com/stretchr/testify/require"
)

// clientConfig is a go-redis configuration a service may run with.
type clientConfig struct {
	name    string
	options func(addr string) *redis.Options
}

var clientConfigs = []clientConfig{
	{"readme", func(addr string) *redis.Options {
		// The options the README recommends, word for word.
		return &redis.Options{
			Addr:        addr,
			DialTimeout: 200 * time.Millisecond, ReadTimeout: 200 * time.Millisecond,
			WriteTimeout: 200 * time.Millisecond, MaxRetries: -1, DialerRetries: 1,
		}
	}},
	{"defaults", func(addr string) *redis.Options {
		// go-redis's defaults: 5 s dial, 3 s read and write, 3 retries.
		return &redis.Options{Addr: addr}
	}},
}

// mode is a Redis store mode.
type mode struct {
	name string
	opts []redisstore.Option
}

var modes = []mode{
	{"fleet", nil},
	{"strict", []redisstore.Option{redisstore.WithStrict()}},
}

// rig is one run's parts: a real server, the proxy in front of it, the
// service's store and breaker behind the proxy, and an admin client that
// talks to the server directly.
type rig struct {
	srv     *redistest.Server
	proxy   *faultproxy.Proxy
	admin   *redis.Client
	store   *redisstore.Store
	breaker *runtime.Breaker
	circuit *runtime.Circuit
	events  *failures
	// stopFault, when set by a scenario's on, ends what on started.
	stopFault func()
}

// circuitOptions never trip on the successes the suite makes, and keep every
// outcome of a run in one window.
var circuitOptions = runtime.Options{CoolDown: time.Minute, EvaluationWindow: 10 * time.Minute}

func newRig(t *testing.T, c clientConfig, m mode) *rig {
	t.Helper()
	srv := redistest.Start(t)
	proxy := faultproxy.Start(t, srv.Addr())
	client := redis.NewClient(c.options(proxy.Addr()))
	t.Cleanup(func() { _ = client.Close() })
	store, err := redisstore.New(client, m.opts...)
	require.NoError(t, err)
	events := &failures{}
	b, err := runtime.New(runtime.WithStorage(store), runtime.WithListener(events, runtime.EventStorageFailure))
	require.NoError(t, err)
	r := &rig{srv: srv, proxy: proxy, admin: srv.Client(t, nil), store: store, breaker: b,
		circuit: b.Circuit("dep", circuitOptions), events: events}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		_ = store.Shutdown(ctx)
	})
	return r
}

// failures counts the storage failures a breaker reported, suppressed ones
// included.
type failures struct{ events, reported atomic.Int64 }

func (f *failures) Handle(e runtime.Event) {
	f.events.Add(1)
	f.reported.Add(int64(1 + e.Suppressed))
}

// load is what the callers of a run did.
type load struct {
	ran       atomic.Int64 // protected functions that ran
	mu        sync.Mutex
	durations []time.Duration // time each call spent in Run, outside the function
	errs      []error         // errors Run returned
}

// call runs one protected call and notes what it cost.
func (l *load) call(c *runtime.Circuit) {
	var inFn time.Duration
	start := time.Now()
	err := c.Run(context.Background(), func(context.Context) error {
		s := time.Now()
		l.ran.Add(1)
		inFn = time.Since(s)
		return nil
	})
	spent := time.Since(start) - inFn
	l.mu.Lock()
	l.durations = append(l.durations, spent)
	if err != nil {
		l.errs = append(l.errs, err)
	}
	l.mu.Unlock()
}

// drive runs callers goroutines that call c, pausing a millisecond between
// calls as a service's request handlers would, until stop is closed.
func (l *load) drive(c *runtime.Circuit, callers int, stop <-chan struct{}) (wait func()) {
	var wg sync.WaitGroup
	for range callers {
		wg.Go(func() {
			for {
				select {
				case <-stop:
					return
				default:
				}
				l.call(c)
				time.Sleep(time.Millisecond)
			}
		})
	}
	return wg.Wait
}
