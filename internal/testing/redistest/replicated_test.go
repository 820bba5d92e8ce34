package redistest

import (
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// eventually bounds a wait for something the rig does not wait for itself: a
// failover client finding the new master. It is generous, for a loaded
// machine; the waits normally take milliseconds.
const eventually = 30 * time.Second

func TestReplicatedReplicates(t *testing.T) {
	t.Parallel()
	r := StartReplicated(t, 2, 1)
	ctx := t.Context()
	m := r.Master(t)
	require.Same(t, r.Servers()[0], m, "the master before any failover")
	replicas := r.Replicas(t)
	require.Len(t, replicas, 2)
	mc := m.Client(t, nil)
	require.NoError(t, mc.Set(ctx, "k", "v", 0).Err())
	r.WaitReplicated(t)
	for _, s := range replicas {
		c := s.Client(t, nil)
		got, err := c.Get(ctx, "k").Result()
		assert.NoError(t, err, "GET on replica %s", s.Addr())
		assert.Equal(t, "v", got, "GET on replica %s", s.Addr())
		assert.ErrorContains(t, c.Set(ctx, "k", "w", 0).Err(), "READONLY", "SET on replica %s", s.Addr())
	}

	// A killed replica misses writes, restarts empty as a replica, and catches up.
	rep := replicas[0]
	rep.Kill(t)
	require.NoError(t, mc.Set(ctx, "k2", "v2", 0).Err())
	rep.Restart(t)
	r.WaitReplicated(t)
	got, err := rep.Client(t, nil).Get(ctx, "k2").Result()
	require.NoError(t, err)
	assert.Equal(t, "v2", got, "a write made while the replica was down")
}

func TestReplicatedFailover(t *testing.T) {
	t.Parallel()
	r := StartReplicated(t, 1, 3)
	ctx := t.Context()
	c := r.Client(t, nil)
	require.NoError(t, c.Set(ctx, "before", "1", 0).Err())
	old := r.Master(t)

	began := time.Now()
	m := r.Failover(t)
	t.Logf("Failover took %v", time.Since(began))
	require.NotSame(t, old, m, "the master after a failover")
	assert.Same(t, m, r.Master(t))
	if replicas := r.Replicas(t); assert.Len(t, replicas, 1) {
		assert.Same(t, old, replicas[0], "the old master is the replica")
	}

	// The failover client follows the master.
	require.EventuallyWithT(t, func(c2 *assert.CollectT) {
		assert.NoError(c2, c.Set(ctx, "after", "2", 0).Err())
	}, eventually, 20*time.Millisecond, "SET through the failover client")
	direct := m.Client(t, nil)
	assert.Equal(t, "2", direct.Get(ctx, "after").Val(), "the failover client wrote to the new master")
	assert.Equal(t, "1", direct.Get(ctx, "before").Val(), "the new master has the old one's data")

	// The old master, demoted with its configuration rewritten, restarts as a
	// replica of the new one; and it can be failed over to again.
	old.Kill(t)
	old.Restart(t)
	r.WaitReplicated(t)
	assert.Equal(t, "2", old.Client(t, nil).Get(ctx, "after").Val(), "the restarted old master replicates")
	assert.Same(t, old, r.Failover(t), "a second failover")
}

func TestReplicatedAcknowledgedWriteSurvivesFailover(t *testing.T) {
	t.Parallel()
	r := StartReplicated(t, 1, 3)
	ctx := t.Context()
	c := r.Client(t, nil)
	var wait *redis.Cmd
	_, err := c.Pipelined(ctx, func(p redis.Pipeliner) error { // WAIT counts this connection's writes
		p.Set(ctx, "acked", "v", 0)
		wait = p.Do(ctx, "WAIT", 1, 10000)
		return nil
	})
	require.NoError(t, err)
	acks, err := wait.Int64()
	require.NoError(t, err)
	require.EqualValues(t, 1, acks, "replicas that acknowledged the write")

	m := r.Failover(t)
	assert.Equal(t, "v", m.Client(t, nil).Get(ctx, "acked").Val(), "the acknowledged write on the new master")
	require.EventuallyWithT(t, func(c2 *assert.CollectT) {
		got, err := c.Get(ctx, "acked").Result()
		assert.NoError(c2, err)
		assert.Equal(c2, "v", got)
	}, eventually, 20*time.Millisecond, "GET through the failover client")
}

func TestReplicatedMasterKilled(t *testing.T) {
	t.Parallel()
	r := StartReplicated(t, 1, 3)
	ctx := t.Context()
	c := r.Client(t, nil)
	require.NoError(t, c.Set(ctx, "k", "v", 0).Err())
	r.WaitReplicated(t)
	old := r.Master(t)

	began := time.Now()
	old.Kill(t)
	m := r.WaitNewMaster(t, old)
	t.Logf("the sentinels replaced a killed master in %v", time.Since(began))
	require.NotSame(t, old, m)
	require.EventuallyWithT(t, func(c2 *assert.CollectT) {
		assert.NoError(c2, c.Set(ctx, "after", "2", 0).Err())
	}, eventually, 20*time.Millisecond, "SET through the failover client")
	direct := m.Client(t, nil)
	assert.Equal(t, "v", direct.Get(ctx, "k").Val(), "a replicated write on the new master")
	assert.Equal(t, "2", direct.Get(ctx, "after").Val(), "the failover client wrote to the new master")
}
