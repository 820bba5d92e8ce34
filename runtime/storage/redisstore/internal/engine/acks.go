package engine

import (
	"context"
	"errors"
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
// waits for the replicas' acknowledgement when the master reports replicas
// and WithReplicaAcks was not given: well within the storage deadline of a
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
// every replica node reported connected at its last check (every
// replicaRecheck with ROLE; a ROLE pipelined after every write that waited
// counts replicas added at once). Every one, not one: right after a failover the
// old master may still take writes from clients that have not followed it,
// with the replicas the sentinels have not moved yet still attached; one of
// them acknowledging a write that the promoted replica never sees, and that
// it drops when it follows the new master, is how acknowledged writes are
// lost. The old master has lost at least the promoted replica, so it cannot
// gather every acknowledgement it had. After a failover the new master's
// writes are refused until its replicas are counted again (replicaRecheck at
// most).
func (s *Engine) wanted(ctx context.Context, node redis.UniversalClient, addr string) (int, time.Duration) {
	if s.cfg.Acks >= 0 {
		return s.cfg.Acks, s.cfg.AckTimeout
	}
	s.replicas.mu.Lock()
	rc, ok := s.replicas.nodes[addr]
	s.replicas.mu.Unlock()
	if !ok || time.Since(rc.checked) > replicaRecheck {
		role := node.Do(ctx, "ROLE")
		if role.Err() != nil {
			// Unknown: the last count stands, and 0 when there is none, so
			// that a write never waits for replicas that may not be there.
			return rc.n, DefaultReplicaAckTimeout
		}
		rc.n = replicasOf(role)
		s.counted(addr, rc.n)
	}
	return rc.n, DefaultReplicaAckTimeout
}

// primeReplicas counts, in the background, the replicas of the one master of
// a store off a cluster or ring in the automatic mode, at its first binding:
// the store then knows them long before its first reservation. Counted at
// the first reservation instead, they could be counted in a failover, when
// the promoted replica, and the old master that clients still use, each
// report none yet: both would grant a probe of the same window without
// waiting for a replica, one of which the other never sees (found by
// TestFailoverKeepsOneProbeAndEveryLock with probes a cool-down after the
// processes started). Shutdown waits for it.
func (s *Engine) primeReplicas() {
	switch s.client.(type) {
	case *redis.ClusterClient, *redis.Ring:
		return // counted per master, at its first write
	}
	if s.cfg.Acks >= 0 {
		return
	}
	s.bgMu.Lock()
	defer s.bgMu.Unlock()
	if s.stopped {
		return
	}
	s.bg.Go(func() {
		for wait := 50 * time.Millisecond; ; wait = min(2*wait, time.Second) {
			ctx, cancel := context.WithTimeout(context.Background(), roundTimeout)
			role := s.client.Do(ctx, "ROLE")
			cancel()
			if role.Err() == nil {
				s.counted("", replicasOf(role))
				return
			}
			select {
			case <-s.stop:
				return
			case <-time.After(wait):
			}
		}
	})
}

// replicasOf returns the replicas a ROLE reply names, 0 when it names none.
func replicasOf(role *redis.Cmd) int {
	v, err := role.Slice()
	if err != nil || len(v) < 3 || v[0] != "master" {
		return 0
	}
	replicas, _ := v[2].([]any)
	return len(replicas)
}

// more notes that node at addr has n replicas, as a write's ROLE said, when
// they are more than it knew: fewer are taken only at the next check. A
// master that lost replicas may be one the sentinels have just replaced,
// still taking writes from clients that have not followed, with replicas
// that are about to follow the new one: their acknowledgements are worth
// nothing, and the count it had refuses them.
func (s *Engine) more(addr string, n int) {
	s.replicas.mu.Lock()
	rc, ok := s.replicas.nodes[addr]
	s.replicas.mu.Unlock()
	if ok && n > rc.n {
		s.counted(addr, n)
	}
}

// counted notes that node at addr has n replicas.
func (s *Engine) counted(addr string, n int) {
	s.replicas.mu.Lock()
	defer s.replicas.mu.Unlock()
	if s.replicas.nodes == nil {
		s.replicas.nodes = make(map[string]replicaCount)
	}
	s.replicas.nodes[addr] = replicaCount{n: n, checked: time.Now()}
}

// node returns the client of the server that owns the circuit's keys, and its
// address: the client itself off a cluster or ring.
func (h *handle) node(ctx context.Context) (redis.UniversalClient, string, error) {
	switch c := h.s.client.(type) {
	case *redis.ClusterClient:
		n, err := c.MasterForKey(ctx, h.keys()[0])
		if err != nil {
			return nil, "", err
		}
		return n, n.Options().Addr, nil
	case *redis.Ring:
		n, err := c.GetShardClientForKey(h.keys()[0])
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
func (h *handle) runAcked(ctx context.Context, c call) (any, bool, error) {
	script, op := c.script, c.op
	if ctx == nil {
		ctx = context.Background()
	}
	node, addr, err := h.node(ctx)
	if err != nil {
		return nil, false, h.fail(op, err)
	}
	n, timeout := h.s.wanted(ctx, node, addr)
	if n == 0 {
		v, err := h.run(ctx, c)
		return v, true, err
	}
	argv := h.argv(c.args)
	h.s.link.sent(h.s.clock.Now())
	var eval, wait, role *redis.Cmd
	ms := max(timeout.Milliseconds(), 1)
	// WAIT waits for the writes of its own connection: the script, WAIT and
	// ROLE go in one pipeline, on one connection, every time.
	send := func() {
		_, _ = node.Pipelined(ctx, func(p redis.Pipeliner) error {
			eval = p.EvalSha(ctx, script.Hash(), h.keys(), argv...)
			wait = p.Do(ctx, "WAIT", n, ms)
			role = p.Do(ctx, "ROLE") // the replicas the next write waits for
			return nil
		})
	}
	send()
	if isNoScript(eval.Err()) { // a new master after a failover: load it, and send again
		if script.Load(ctx, node).Err() == nil {
			send()
		}
	}
	listed := replicasOf(role)
	if h.s.cfg.Acks < 0 {
		h.s.more(addr, listed)
	}
	v, err := eval.Result()
	h.s.link.done(err)
	if err != nil {
		return nil, false, h.fail(op, err)
	}
	// WAIT counts acknowledgements from the replicas it knew when the write
	// was made; in a failover's switch it has answered 1 while ROLE, just
	// after it, listed none (the acknowledging replica being promoted, or
	// gone): such a write is not taken as acknowledged, or two masters grant
	// one window's probe (TestFailoverKeepsOneProbeAndEveryLock).
	got, err := wait.Int64()
	return v, err == nil && got >= int64(n) && listed >= n, nil
}

// unacknowledged is the error of an operator's write that too few replicas
// acknowledged.
func (h *handle) unacknowledged(op string) error {
	return h.fail(op, ErrUnacknowledged)
}
