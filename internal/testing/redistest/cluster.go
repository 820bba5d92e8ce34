package redistest

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
)

// clusterSlots is the number of hash slots of a Redis Cluster.
const clusterSlots = 16384

// clusterTimeout bounds how long the masters may take to agree on the slot map.
const clusterTimeout = 30 * time.Second

// Cluster is a Redis Cluster of masters without replicas, each a Server. Its
// methods are safe for concurrent use.
type Cluster struct {
	// Masters are the cluster's nodes; master i serves the i-th share of the slots.
	Masters []*Server
}

// StartCluster starts masters redis-server processes in cluster mode, splits the
// hash slots evenly between them with CLUSTER ADDSLOTS, joins them with CLUSTER
// MEET and waits until every node reports the whole slot map. The nodes are
// killed when the test ends.
func StartCluster(t testing.TB, masters int) *Cluster {
	t.Helper()
	if masters < 1 {
		t.Fatalf("redistest: a cluster needs at least one master, got %d", masters)
	}
	c := &Cluster{}
	for i := 0; i < masters; i++ {
		c.Masters = append(c.Masters, start(t, clusterNode, nil, ""))
	}
	ctx, cancel := context.WithTimeout(context.Background(), clusterTimeout)
	defer cancel()
	if err := c.form(ctx); err != nil {
		t.Fatalf("redistest: forming the cluster: %v", err)
	}
	return c
}

// Addrs returns the masters' addresses.
func (c *Cluster) Addrs() []string {
	addrs := make([]string, len(c.Masters))
	for i, m := range c.Masters {
		addrs[i] = m.Addr()
	}
	return addrs
}

// Client returns a cluster client for the cluster, with opts (may be nil) and the
// masters' addresses, closed when the test ends.
func (c *Cluster) Client(t testing.TB, opts *redis.ClusterOptions) *redis.ClusterClient {
	t.Helper()
	var o redis.ClusterOptions
	if opts != nil {
		o = *opts
	}
	o.Addrs = c.Addrs()
	cl := redis.NewClusterClient(&o)
	t.Cleanup(func() { _ = cl.Close() })
	return cl
}

func (c *Cluster) form(ctx context.Context) error {
	nodes := make([]*redis.Client, len(c.Masters))
	for i, m := range c.Masters {
		nodes[i] = redis.NewClient(&redis.Options{Addr: m.Addr()})
		defer nodes[i].Close()
	}
	n := len(nodes)
	for i, node := range nodes {
		lo, hi := i*clusterSlots/n, (i+1)*clusterSlots/n
		slots := make([]int, 0, hi-lo)
		for s := lo; s < hi; s++ {
			slots = append(slots, s)
		}
		if err := node.ClusterAddSlots(ctx, slots...).Err(); err != nil {
			return fmt.Errorf("CLUSTER ADDSLOTS on %s: %w", c.Masters[i].Addr(), err)
		}
		// Distinct epochs spare the nodes the collision resolution.
		if err := node.Do(ctx, "CLUSTER", "SET-CONFIG-EPOCH", i+1).Err(); err != nil {
			return fmt.Errorf("CLUSTER SET-CONFIG-EPOCH on %s: %w", c.Masters[i].Addr(), err)
		}
	}
	for i := 1; i < n; i++ {
		if err := nodes[0].ClusterMeet(ctx, "127.0.0.1", strconv.Itoa(c.Masters[i].Port())).Err(); err != nil {
			return fmt.Errorf("CLUSTER MEET %s: %w", c.Masters[i].Addr(), err)
		}
	}
	for {
		ready := true
		var last string
		for i, node := range nodes {
			ok, why := nodeReady(ctx, node, n)
			if !ok {
				ready = false
				last = c.Masters[i].Addr() + ": " + why
				break
			}
		}
		if ready {
			return nil
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("cluster not ready: %s", last)
		case <-time.After(50 * time.Millisecond):
		}
	}
}

// nodeReady reports whether node knows all masters, reports cluster_state:ok and
// sees every slot served.
func nodeReady(ctx context.Context, node *redis.Client, masters int) (bool, string) {
	info, err := node.ClusterInfo(ctx).Result()
	if err != nil {
		return false, err.Error()
	}
	if !strings.Contains(info, "cluster_state:ok") ||
		!strings.Contains(info, "cluster_known_nodes:"+strconv.Itoa(masters)+"\r") {
		return false, "CLUSTER INFO: " + strings.ReplaceAll(info, "\r\n", " ")
	}
	slots, err := node.ClusterSlots(ctx).Result()
	if err != nil {
		return false, err.Error()
	}
	covered := 0
	for _, s := range slots {
		covered += int(s.End - s.Start + 1)
	}
	if covered != clusterSlots || len(slots) < masters {
		return false, fmt.Sprintf("CLUSTER SLOTS covers %d slots in %d ranges", covered, len(slots))
	}
	return true, ""
}
