package redisstore

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/redis/go-redis/v9"
)

// ErrUnacknowledged is wrapped by the error of an operator's write (a lock, an
// unlock, a reset) that ran on the master but that fewer replicas than the
// store wants acknowledged in time (WithReplicaAcks): a failover now could
// lose it. The write holds on the master; send it again to be sure. A
// reservation that no replica acknowledged is not granted instead.
var ErrUnacknowledged = errors.New("breakergen: redisstore: the write was not acknowledged by a replica in time")

// DefaultReplicaAckTimeout is how long a reservation or an operator's write
// waits for a replica's acknowledgement when the master reports replicas and
// WithReplicaAcks was not given: well within the storage deadline of a
// protected call (100 ms by default), far above a healthy replica's lag.
const DefaultReplicaAckTimeout = 50 * time.Millisecond

// replicaRecheck is how often a store asks a master, in the automatic mode,
// how many replicas it has.
const replicaRecheck = 10 * time.Second

// acks is what a store knows of the replicas behind each master it writes to,
// in the automatic mode. It is safe for concurrent use.
type acks struct {
	mu    sync.Mutex
	nodes map[string]replicaCount // by the master's address
}

type replicaCount struct {
	n       int
	checked time.Time
}

// wanted returns how many replicas must acknowledge a write to node, and how
// long the write waits for them: the store's WithReplicaAcks, or, by default,
// one when node reported connected replicas at its last check (every
// replicaRecheck, with ROLE), none otherwise.
func (s *Store) wanted(ctx context.Context, node redis.UniversalClient, addr string) (int, time.Duration) {
	if s.cfg.acks >= 0 {
		return s.cfg.acks, s.cfg.ackTimeout
	}
	s.replicas.mu.Lock()
	rc, ok := s.replicas.nodes[addr]
	s.replicas.mu.Unlock()
	if !ok || time.Since(rc.checked) > replicaRecheck {
		rc = replicaCount{n: countReplicas(ctx, node), checked: time.Now()}
		s.replicas.mu.Lock()
		if s.replicas.nodes == nil {
			s.replicas.nodes = make(map[string]replicaCount)
		}
		s.replicas.nodes[addr] = rc
		s.replicas.mu.Unlock()
	}
	if rc.n == 0 {
		return 0, 0
	}
	return 1, DefaultReplicaAckTimeout
}

// countReplicas returns the replicas ROLE says node has: 0 when it cannot
// tell (an error, a server that is not a master), so that a write never waits
// for replicas that are not there.
func countReplicas(ctx context.Context, node redis.UniversalClient) int {
	v, err := node.Do(ctx, "ROLE").Slice()
	if err != nil || len(v) < 3 || v[0] != "master" {
		return 0
	}
	replicas, _ := v[2].([]any)
	return len(replicas)
}

// node returns the client of the server that owns the circuit's keys, and its
// address: the client itself off a cluster or ring.
func (h *handle) node(ctx context.Context) (redis.UniversalClient, string, error) {
	switch c := h.s.client.(type) {
	case *redis.ClusterClient:
		n, err := c.MasterForKey(ctx, h.keys[0])
		if err != nil {
			return nil, "", err
		}
		return n, n.Options().Addr, nil
	case *redis.Ring:
		n, err := c.GetShardClientForKey(h.keys[0])
		if err != nil {
			return nil, "", err
		}
		return n, n.Options().Addr, nil
	}
	return h.s.client, "", nil
}

// runAcked runs script as run does and, when the store wants replicas to
// acknowledge the write, pipelines WAIT after it on the server that owns the
// circuit's keys. It also returns whether enough replicas acknowledged (true
// when none are wanted).
func (h *handle) runAcked(ctx context.Context, script *redis.Script, op string, args ...any) (any, bool, error) {
	if ctx == nil {
		ctx = context.Background()
	}
	node, addr, err := h.node(ctx)
	if err != nil {
		return nil, false, h.fail(op, err)
	}
	n, timeout := h.s.wanted(ctx, node, addr)
	if n == 0 {
		v, err := h.run(ctx, script, op, args...)
		return v, true, err
	}
	argv := h.argv(args)
	h.s.link.sent(monoNanos())
	var eval *redis.Cmd
	var wait *redis.Cmd
	ms := max(timeout.Milliseconds(), 1)
	_, err = node.Pipelined(ctx, func(p redis.Pipeliner) error {
		eval = p.EvalSha(ctx, script.Hash(), h.keys, argv...)
		wait = p.Do(ctx, "WAIT", n, ms)
		return nil
	})
	if isNoScript(eval.Err()) { // a new master after a failover: load it, and wait again
		eval = script.Run(ctx, node, h.keys, argv...)
		wait = node.Do(ctx, "WAIT", n, ms)
	}
	v, err := eval.Result()
	h.s.link.done(err)
	if err != nil {
		return nil, false, h.fail(op, err)
	}
	got, err := wait.Int64()
	return v, err == nil && got >= int64(n), nil
}

// unacknowledged is the error of an operator's write that too few replicas
// acknowledged.
func (h *handle) unacknowledged(op string) error {
	return h.fail(op, fmt.Errorf("%w (wanted %d)", ErrUnacknowledged, max(h.s.cfg.acks, 1)))
}
