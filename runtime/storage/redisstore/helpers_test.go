package redisstore_test

import (
	"fmt"
	"sync/atomic"
	"testing"
	"time"

	"github.com/breakergen/breakergen/internal/redistest"
	"github.com/breakergen/breakergen/runtime/storage"
	"github.com/breakergen/breakergen/runtime/storage/redisstore"
	"github.com/redis/go-redis/v9"
)

// prefixes makes every store of a test binary use a prefix of its own, so stores
// sharing one server start empty.
var prefixes atomic.Int64

func uniquePrefix() string { return fmt.Sprintf("test%d", prefixes.Add(1)) }

// newStore returns a store on client with a prefix of its own and opts.
func newStore(t testing.TB, client redis.UniversalClient, opts ...redisstore.Option) *redisstore.Store {
	t.Helper()
	s, err := redisstore.New(client, append([]redisstore.Option{redisstore.WithPrefix(uniquePrefix())}, opts...)...)
	if err != nil {
		t.Fatalf("New: %v", err)
	}
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
	if !ok {
		t.Fatalf("advance: storage is %T, want *redisstore.Store", s)
	}
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
