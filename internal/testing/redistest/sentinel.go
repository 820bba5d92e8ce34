package redistest

import (
	"context"
	"fmt"
	"net"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
)

// Sentinel is a redis-server in sentinel mode that monitors one master. Its
// methods are safe for concurrent use.
type Sentinel struct {
	*Server
	// MasterName is the name the sentinel knows the master by.
	MasterName string
}

// StartSentinel starts a sentinel on a free loopback port that monitors master
// under name, with a quorum of one, and waits until it reports the master's
// address. It is killed when the test ends.
func StartSentinel(t testing.TB, master *Server, name string) *Sentinel {
	t.Helper()
	s := &Sentinel{Server: start(t, sentinel, nil, sentinelConf(name, master.Port(), 1)), MasterName: name}
	c := redis.NewSentinelClient(&redis.Options{Addr: s.Addr()})
	defer c.Close()
	ctx, cancel := context.WithTimeout(context.Background(), startTimeout)
	defer cancel()
	for {
		addr, err := c.GetMasterAddrByName(ctx, name).Result()
		if err == nil && len(addr) == 2 && net.JoinHostPort(addr[0], addr[1]) == master.Addr() {
			return s
		}
		select {
		case <-ctx.Done():
			t.Fatalf("redistest: sentinel on %s does not report master %s at %s: %v %v",
				s.Addr(), name, master.Addr(), addr, err)
		case <-time.After(20 * time.Millisecond):
		}
	}
}

// Client returns a failover client that finds the master through the sentinel,
// with opts (may be nil), closed when the test ends.
func (s *Sentinel) Client(t testing.TB, opts *redis.FailoverOptions) *redis.Client {
	t.Helper()
	var o redis.FailoverOptions
	if opts != nil {
		o = *opts
	}
	o.MasterName = s.MasterName
	o.SentinelAddrs = []string{s.Addr()}
	c := redis.NewFailoverClient(&o)
	t.Cleanup(func() { _ = c.Close() })
	return c
}

// Sentinel timing. A master is down after downAfter without an answer; a
// failover that has not promoted a replica within failoverTimeout is aborted,
// and retried after twice that. Both are short so that a test's failover takes
// a second or two, and not so short that a loaded machine's pauses look like a
// dead master.
const (
	downAfter       = time.Second
	failoverTimeout = 3 * time.Second
)

// sentinelConf is the configuration of a sentinel that monitors the master on
// port under name with quorum, and reconfigures every replica at once after a
// failover.
func sentinelConf(name string, port, quorum int) string {
	return fmt.Sprintf("sentinel monitor %[1]s 127.0.0.1 %[2]d %[3]d\n"+
		"sentinel down-after-milliseconds %[1]s %[4]d\n"+
		"sentinel failover-timeout %[1]s %[5]d\n"+
		"sentinel parallel-syncs %[1]s 16\n",
		name, port, quorum, downAfter.Milliseconds(), failoverTimeout.Milliseconds())
}
