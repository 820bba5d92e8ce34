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
	conf := fmt.Sprintf("sentinel monitor %s 127.0.0.1 %d 1\n"+
		"sentinel down-after-milliseconds %s 1000\n", name, master.Port(), name)
	s := &Sentinel{Server: start(t, sentinel, nil, conf), MasterName: name}
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
