package redistest

import (
	"context"
	"fmt"
	"net"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
)

// replicationTimeout bounds each wait of a Replicated set: for the sentinels to
// find every member, for a failover, for a replica to catch up. A failover
// takes a second or two; a loaded machine may take many times that.
const replicationTimeout = 30 * time.Second

// memberConf is the configuration of every master and replica. A replica that
// cannot continue from its offset (a new one, a restarted one, a demoted master
// that took writes the new master never saw) needs a full synchronisation; with
// no delay it starts at once rather than after the 5 s Redis waits by default
// for more replicas to share it.
const memberConf = "repl-diskless-sync-delay 0\n"

// Replicated is a master, its replicas and the sentinels that watch them, each
// a Server. Which server is the master changes with failovers, so Master asks
// the sentinels. Any member may be killed and restarted with its Kill and
// Restart: a restarted replica comes back as a replica of the master the
// sentinels last gave it (they rewrite its configuration file, as in
// production), and a restarted master comes back as a master, empty: its
// replicas copy the empty data set if the sentinels still name it, and the
// sentinels turn it into a replica 8 to 10 s later if they have failed over
// meanwhile. Its methods are safe for concurrent use; those that take a
// testing.TB must be called from the test's goroutine.
type Replicated struct {
	// MasterName is the name the sentinels know the master by.
	MasterName string

	servers   []*Server // the first master, then the replicas
	sentinels []*Sentinel
	// admin holds a client per server and watch one per sentinel; both are
	// made before StartReplicated returns and never change.
	admin map[*Server]*redis.Client
	watch []*redis.SentinelClient
}

// StartReplicated starts a master, replicas replicas of it (replicaof) and
// sentinels sentinels that monitor it under the name "breakergen" with a
// quorum of a majority (sentinels/2+1), a down-after of 1 s and a failover
// timeout of 3 s. It waits until every sentinel knows every replica and every
// other sentinel, and every replica has synchronised. Everything is killed
// when the test ends. sentinels must be at least 1.
func StartReplicated(t testing.TB, replicas, sentinels int) *Replicated {
	t.Helper()
	if replicas < 0 || sentinels < 1 {
		t.Fatalf("redistest: a replicated set needs replicas >= 0 and sentinels >= 1, got %d and %d", replicas, sentinels)
	}
	r := &Replicated{MasterName: "breakergen", admin: make(map[*Server]*redis.Client)}
	master := start(t, member, nil, memberConf)
	r.add(t, master)
	for range replicas {
		r.add(t, start(t, member, nil, memberConf+fmt.Sprintf("replicaof 127.0.0.1 %d\n", master.Port())))
	}
	conf := sentinelConf(r.MasterName, master.Port(), sentinels/2+1)
	for range sentinels {
		s := &Sentinel{Server: start(t, sentinel, nil, conf), MasterName: r.MasterName}
		c := redis.NewSentinelClient(adminOptions(s.Addr()))
		t.Cleanup(func() { _ = c.Close() })
		r.sentinels = append(r.sentinels, s)
		r.watch = append(r.watch, c)
	}
	r.poll(t, "the sentinels find every member", r.ready)
	r.WaitReplicated(t)
	return r
}

// adminOptions are the options of the rig's own clients: no retries, since
// every wait polls, and short timeouts, so a killed server is seen at once.
func adminOptions(addr string) *redis.Options {
	return &redis.Options{
		Addr: addr, MaxRetries: -1, PoolSize: 2,
		DialTimeout: time.Second, ReadTimeout: 2 * time.Second, WriteTimeout: 2 * time.Second,
	}
}

// add makes s a member, with a client of its own.
func (r *Replicated) add(t testing.TB, s *Server) {
	c := redis.NewClient(adminOptions(s.Addr()))
	t.Cleanup(func() { _ = c.Close() })
	r.servers = append(r.servers, s)
	r.admin[s] = c
}

// Servers returns every master and replica, running or not, in the order they
// were started: the first master first.
func (r *Replicated) Servers() []*Server { return append([]*Server(nil), r.servers...) }

// Sentinels returns the sentinels, running or not.
func (r *Replicated) Sentinels() []*Sentinel { return append([]*Sentinel(nil), r.sentinels...) }

// SentinelAddrs returns the sentinels' addresses.
func (r *Replicated) SentinelAddrs() []string {
	addrs := make([]string, len(r.sentinels))
	for i, s := range r.sentinels {
		addrs[i] = s.Addr()
	}
	return addrs
}

// Client returns a failover client that finds the master through every
// sentinel, with opts (may be nil), closed when the test ends.
func (r *Replicated) Client(t testing.TB, opts *redis.FailoverOptions) *redis.Client {
	t.Helper()
	var o redis.FailoverOptions
	if opts != nil {
		o = *opts
	}
	o.MasterName = r.MasterName
	o.SentinelAddrs = r.SentinelAddrs()
	c := redis.NewFailoverClient(&o)
	t.Cleanup(func() { _ = c.Close() })
	return c
}

// Master returns the master that every running sentinel names, waiting while
// they disagree (during a failover). It may be a killed server the sentinels
// have not yet found down.
func (r *Replicated) Master(t testing.TB) *Server {
	t.Helper()
	return r.waitMaster(t, nil)
}

// WaitNewMaster waits until every running sentinel names a master other than
// old, and returns it: after old was killed, the sentinels find it down
// within about a second and elect a replica a second or two later.
func (r *Replicated) WaitNewMaster(t testing.TB, old *Server) *Server {
	t.Helper()
	return r.waitMaster(t, old)
}

// Replicas returns every server that is not the master, running or not.
func (r *Replicated) Replicas(t testing.TB) []*Server {
	t.Helper()
	m := r.Master(t)
	var replicas []*Server
	for _, s := range r.servers {
		if s != m {
			replicas = append(replicas, s)
		}
	}
	return replicas
}

// Failover has a sentinel fail the master over (SENTINEL FAILOVER, with no
// agreement needed) and returns the new master once every running sentinel
// names it. If the old master still runs, Failover then makes it a replica of
// the new one, as the sentinels would 8 to 10 s later, and waits until it has
// synchronised: in production, the old master takes writes from clients that
// have not followed the failover until then, and loses them. To see that
// window, send SENTINEL FAILOVER yourself and use WaitNewMaster.
func (r *Replicated) Failover(t testing.TB) *Server {
	t.Helper()
	old := r.Master(t)
	r.poll(t, "SENTINEL FAILOVER "+r.MasterName, r.failover)
	m := r.WaitNewMaster(t, old)
	if old.Running() {
		r.demote(t, old, m)
	}
	return m
}

// WaitReplicated waits until every running replica replicates the master the
// sentinels name, with its link up, and has processed all that the master had
// sent when WaitReplicated was called.
func (r *Replicated) WaitReplicated(t testing.TB) {
	t.Helper()
	m := r.Master(t)
	var target int64
	r.poll(t, "reading the replication offset of "+m.Addr(), func(ctx context.Context) (bool, string) {
		info, err := r.info(ctx, m)
		if err != nil {
			return false, err.Error()
		}
		target, err = strconv.ParseInt(info["master_repl_offset"], 10, 64)
		return err == nil, fmt.Sprintf("master_repl_offset: %v", err)
	})
	for _, s := range r.servers {
		if s == m || !s.Running() {
			continue
		}
		r.poll(t, "replica "+s.Addr()+" catching up with "+m.Addr(), func(ctx context.Context) (bool, string) {
			return r.replicating(ctx, s, m, target)
		})
	}
}

// waitMaster waits until every running sentinel names one master, not not.
func (r *Replicated) waitMaster(t testing.TB, not *Server) *Server {
	t.Helper()
	var m *Server
	r.poll(t, "the sentinels agreeing on a new master", func(ctx context.Context) (bool, string) {
		addr, why := r.masterAddr(ctx)
		if addr == "" {
			return false, why
		}
		m = r.server(addr)
		switch {
		case m == nil:
			return false, "the sentinels name " + addr + ", no member of the set"
		case m == not:
			return false, "the sentinels still name " + addr
		}
		return true, ""
	})
	return m
}

// masterAddr returns the master's address if every running sentinel names the
// same, or why not.
func (r *Replicated) masterAddr(ctx context.Context) (addr, why string) {
	for i, s := range r.sentinels {
		if !s.Running() {
			continue
		}
		a, err := r.watch[i].GetMasterAddrByName(ctx, r.MasterName).Result()
		if err != nil || len(a) != 2 {
			return "", fmt.Sprintf("sentinel %s: master %v, %v", s.Addr(), a, err)
		}
		got := net.JoinHostPort(a[0], a[1])
		if addr != "" && got != addr {
			return "", fmt.Sprintf("the sentinels name %s and %s", addr, got)
		}
		addr = got
	}
	if addr == "" {
		return "", "no sentinel is running"
	}
	return addr, ""
}

// server returns the member at addr, or nil.
func (r *Replicated) server(addr string) *Server {
	for _, s := range r.servers {
		if s.Addr() == addr {
			return s
		}
	}
	return nil
}

// ready reports whether every sentinel knows the master, every replica with
// its link up, and every other sentinel.
func (r *Replicated) ready(ctx context.Context) (bool, string) {
	for i, s := range r.sentinels {
		m, err := r.watch[i].Master(ctx, r.MasterName).Result()
		if err != nil {
			return false, fmt.Sprintf("sentinel %s: %v", s.Addr(), err)
		}
		if m["flags"] != "master" || m["num-slaves"] != strconv.Itoa(len(r.servers)-1) ||
			m["num-other-sentinels"] != strconv.Itoa(len(r.sentinels)-1) {
			return false, fmt.Sprintf("sentinel %s: flags %s, %s replicas, %s other sentinels",
				s.Addr(), m["flags"], m["num-slaves"], m["num-other-sentinels"])
		}
		replicas, err := r.watch[i].Replicas(ctx, r.MasterName).Result()
		if err != nil {
			return false, fmt.Sprintf("sentinel %s: %v", s.Addr(), err)
		}
		for _, rep := range replicas {
			if rep["flags"] != "slave" || rep["master-link-status"] != "ok" {
				return false, fmt.Sprintf("sentinel %s: replica %s: flags %s, link %s",
					s.Addr(), rep["name"], rep["flags"], rep["master-link-status"])
			}
		}
	}
	return true, ""
}

// failover asks the first running sentinel to fail over. It refuses with
// -NOGOOD while it knows no replica fit to promote (one whose link has just
// come up, say), which is retried; -INPROG means a failover is already under
// way, which will move the master as well.
func (r *Replicated) failover(ctx context.Context) (bool, string) {
	for i, s := range r.sentinels {
		if !s.Running() {
			continue
		}
		err := r.watch[i].Failover(ctx, r.MasterName).Err()
		if err == nil || strings.HasPrefix(err.Error(), "INPROG") {
			return true, ""
		}
		return false, fmt.Sprintf("sentinel %s: %v", s.Addr(), err)
	}
	return false, "no sentinel is running"
}

// demote makes old a replica of m, rewriting its configuration as the
// sentinels do so that a restart keeps the role, and waits until it has
// synchronised.
func (r *Replicated) demote(t testing.TB, old, m *Server) {
	t.Helper()
	r.poll(t, "making "+old.Addr()+" a replica of "+m.Addr(), func(ctx context.Context) (bool, string) {
		_, err := r.admin[old].TxPipelined(ctx, func(p redis.Pipeliner) error {
			p.ReplicaOf(ctx, "127.0.0.1", strconv.Itoa(m.Port()))
			p.ConfigRewrite(ctx)
			return nil
		})
		return err == nil, fmt.Sprintf("REPLICAOF: %v", err)
	})
	r.poll(t, "the old master "+old.Addr()+" synchronising with "+m.Addr(), func(ctx context.Context) (bool, string) {
		return r.replicating(ctx, old, m, 0)
	})
}

// replicating reports whether s is a replica of m with its link up, that has
// processed m's stream up to offset, or why not.
func (r *Replicated) replicating(ctx context.Context, s, m *Server, offset int64) (bool, string) {
	info, err := r.info(ctx, s)
	if err != nil {
		return false, err.Error()
	}
	got, _ := strconv.ParseInt(info["slave_repl_offset"], 10, 64)
	if info["role"] != "slave" || info["master_port"] != strconv.Itoa(m.Port()) ||
		info["master_link_status"] != "up" || info["master_sync_in_progress"] != "0" || got < offset {
		return false, fmt.Sprintf("role %s, master port %s, link %s, sync in progress %s, offset %d of %d",
			info["role"], info["master_port"], info["master_link_status"], info["master_sync_in_progress"], got, offset)
	}
	return true, ""
}

// info returns the fields of s's INFO replication.
func (r *Replicated) info(ctx context.Context, s *Server) (map[string]string, error) {
	text, err := r.admin[s].Info(ctx, "replication").Result()
	if err != nil {
		return nil, fmt.Errorf("INFO replication on %s: %w", s.Addr(), err)
	}
	fields := make(map[string]string)
	for line := range strings.SplitSeq(text, "\r\n") {
		if k, v, ok := strings.Cut(line, ":"); ok {
			fields[k] = v
		}
	}
	return fields, nil
}

// poll calls cond until it reports true, failing the test with cond's last
// reason when replicationTimeout passes.
func (r *Replicated) poll(t testing.TB, what string, cond func(context.Context) (bool, string)) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), replicationTimeout)
	defer cancel()
	for {
		ok, why := cond(ctx)
		if ok {
			return
		}
		select {
		case <-ctx.Done():
			t.Fatalf("redistest: %s: not done within %v: %s", what, replicationTimeout, why)
			return
		case <-time.After(20 * time.Millisecond):
		}
	}
}
