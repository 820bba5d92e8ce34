package engine

import (
	"context"
	"fmt"
	"sort"
	"sync"
	"time"

	"github.com/redis/go-redis/v9"
)

// scanCount is the COUNT hint of every SCAN page.
const scanCount = 500

// List returns the names of the circuits that have a key under the prefix,
// sorted. It SCANs every master of a cluster (every shard of a ring), so it costs
// a pass over the keyspace: it is meant for operators, not the request path.
//
// A fleet store first sends what it counted and has not sent yet, so that a
// circuit it holds outcomes of is listed.
func (s *Engine) List(ctx context.Context) ([]string, error) {
	if !s.cfg.Strict {
		_ = s.Flush(ctx) // what cannot be sent now is listed when it is
	}
	var mu sync.Mutex
	seen := make(map[string]struct{})
	err := s.forEachNode(ctx, func(ctx context.Context, node redis.UniversalClient) error {
		return s.scan(ctx, node, func(keys []string) error {
			mu.Lock()
			defer mu.Unlock()
			for _, k := range keys {
				if name, ok := s.nameOf(k); ok {
					seen[name] = struct{}{}
				}
			}
			return nil
		})
	})
	if err != nil {
		return nil, fmt.Errorf("breakergen: redisstore: List: %w", err)
	}
	names := make([]string, 0, len(seen))
	for n := range seen {
		names = append(names, n)
	}
	sort.Strings(names)
	return names, nil
}

// Clear deletes every circuit key under the prefix, on every master or shard,
// and leaves each circuit the tombstone a Reset leaves, so that processes that
// knew an opening or a lock do not write it back as state Redis lost. Other
// keys are left alone. It is not atomic: a circuit written while Clear runs
// may survive it.
//
// The circuits this store holds forget, here too, the outcomes they have not
// sent yet and what they knew of Redis.
func (s *Engine) Clear(ctx context.Context) error {
	defer s.fleet.forgetAll()
	tombstone := ttlMillis(s.cfg.StateTTL)
	err := s.forEachNode(ctx, func(ctx context.Context, node redis.UniversalClient) error {
		return s.scan(ctx, node, func(keys []string) error {
			// One command per key: keys of different circuits may lie in
			// different slots of the same cluster node.
			_, err := node.Pipelined(ctx, func(p redis.Pipeliner) error {
				for _, k := range keys {
					if name, ok := s.nameOf(k); ok {
						p.Set(ctx, s.keys(name)[6], "reset", time.Duration(tombstone)*time.Millisecond)
						p.Unlink(ctx, k)
					}
				}
				return nil
			})
			return err
		})
	})
	if err != nil {
		return fmt.Errorf("breakergen: redisstore: Clear: %w", err)
	}
	return nil
}

// forEachNode calls fn for every node that holds a share of the keys: each
// master of a cluster, each shard of a ring, or the client itself.
func (s *Engine) forEachNode(ctx context.Context, fn func(context.Context, redis.UniversalClient) error) error {
	switch c := s.client.(type) {
	case *redis.ClusterClient:
		return c.ForEachMaster(ctx, func(ctx context.Context, node *redis.Client) error { return fn(ctx, node) })
	case *redis.Ring:
		return c.ForEachShard(ctx, func(ctx context.Context, node *redis.Client) error { return fn(ctx, node) })
	default:
		return fn(ctx, s.client)
	}
}

// scan pages through the node's keys that match the prefix's pattern.
func (s *Engine) scan(ctx context.Context, node redis.UniversalClient, page func([]string) error) error {
	var cursor uint64
	for {
		keys, next, err := node.Scan(ctx, cursor, s.matchPattern(), scanCount).Result()
		if err != nil {
			return err
		}
		if len(keys) > 0 {
			if err := page(keys); err != nil {
				return err
			}
		}
		if next == 0 {
			return nil
		}
		cursor = next
	}
}
