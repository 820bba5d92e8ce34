package redisstore_test

import (
	"context"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/breakergen/breakergen/internal/testing/redistest"
	"github.com/breakergen/breakergen/runtime"
	"github.com/breakergen/breakergen/runtime/storage"
	"github.com/breakergen/breakergen/runtime/storage/redisstore"
	"github.com/redis/go-redis/v9"
	"github.com/stretchr/testify/require"
)

// prefixes makes every store of a test binary use a prefix of its own, so stores
// sharing one server start empty.
var prefixes atomic.Int64

func uniquePrefix() string { return fmt.Sprintf("test%d", prefixes.Add(1)) }

// protocolTimeout is the storage timeout of the runtime breakers of tests that
// check the protocol between processes rather than deadlines: a loaded,
// race-detecting test machine must not turn their calls into storage failures,
// which fail open and would blur what they count. The outage and fault tests
// keep the default.
const protocolTimeout = 2 * time.Second

// newStore returns a store on client with a prefix of its own and opts.
func newStore(t testing.TB, client redis.UniversalClient, opts ...redisstore.Option) *redisstore.Store {
	t.Helper()
	s, err := redisstore.New(client, append([]redisstore.Option{redisstore.WithPrefix(uniquePrefix())}, opts...)...)
	require.NoError(t, err)
	t.Cleanup(func() { _ = s.Shutdown(context.Background()) })
	return s
}

// newStoreWithPrefix returns a store on client that shares like's prefix.
func newStoreWithPrefix(t testing.TB, client redis.UniversalClient, like *redisstore.Store, opts ...redisstore.Option) *redisstore.Store {
	t.Helper()
	s, err := redisstore.New(client, append([]redisstore.Option{redisstore.WithPrefix(like.Prefix())}, opts...)...)
	require.NoError(t, err)
	t.Cleanup(func() { _ = s.Shutdown(context.Background()) })
	return s
}

// server starts a standalone Redis and returns it with a client.
func server(t testing.TB) (*redistest.Server, *redis.Client) {
	t.Helper()
	srv := redistest.Start(t)
	return srv, srv.Client(t, nil)
}

// advance is the conformance harness's Advance for a *redisstore.Store.
func advance(t *testing.T, s storage.Storage, d time.Duration) {
	t.Helper()
	rs, ok := s.(*redisstore.Store)
	require.True(t, ok, "advance: storage is %T, want *redisstore.Store", s)
	rs.Advance(d)
}

// policy opens at 3 samples with half of them failures, and cools down for a
// minute.
var policy = storage.Policy{
	CoolDown:         time.Minute,
	EvaluationWindow: time.Minute,
	RateThreshold:    0.5,
	SampleThreshold:  3,
}

// bind binds the circuit name of s with p.
func bind(t testing.TB, s storage.Storage, name string, p storage.Policy) storage.Handle {
	t.Helper()
	h, err := s.Bind(name, p)
	require.NoError(t, err)
	return h
}

// op binds the circuit name of s with p, as an Operator.
func op(t testing.TB, s storage.Storage, name string, p storage.Policy) storage.Operator {
	t.Helper()
	return bind(t, s, name, p).(storage.Operator)
}

// recorder collects a breaker's events of one type.
type recorder struct {
	typ    runtime.EventType
	mu     sync.Mutex
	events []runtime.Event
}

func (r *recorder) Handle(e runtime.Event) {
	if e.Type != r.typ {
		return
	}
	r.mu.Lock()
	r.events = append(r.events, e)
	r.mu.Unlock()
}

func (r *recorder) count() int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return len(r.events)
}
