package engine

import (
	"context"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/breakergen/breakergen/runtime/storage"
	"github.com/redis/go-redis/v9"
)

// subscriber listens to the announcements of a fleet's circuits through
// pattern subscriptions, never one per circuit: binding and dropping circuits
// (a keyed family's keys come and go by the thousand) costs Redis no command,
// at the price of hearing the announcements of circuits this process does not
// hold, which are transitions and locks only. A single server or a Sentinel
// set has one subscription to the pattern of every channel of the store's
// prefix. So has a cluster: its scripts announce with PUBLISH, which the
// cluster's bus carries to every node, rather than SPUBLISH, which would need
// a subscription per slot (measured with BenchmarkKeyedNewKey: 4.98 commands
// per new key on three masters with SSUBSCRIBE per circuit, and as few as on a
// single server with the pattern). A ring's shards share nothing, and a script
// publishes on the shard of its circuit's keys: one subscription per shard,
// and shards that come up later are subscribed at the next refresh interval.
// Announcements are lost while a subscription reconnects, so every reconnect
// asks the fleet for a refresh of every circuit. It is safe for concurrent
// use.
type subscriber struct {
	f       *fleet
	cluster *redis.ClusterClient // nil off a cluster
	ring    *redis.Ring          // nil off a ring
	pattern string               // the pattern of every channel of the store
	mu      sync.Mutex
	subs    map[string]*redis.PubSub // by shard address on a ring; "" elsewhere
	wake    chan struct{}
	running bool
	closed  bool
	renewed bool // the subscriptions were renewed: their first confirmation asks for a refresh
}

func newSubscriber(f *fleet) *subscriber {
	s := &subscriber{f: f, subs: make(map[string]*redis.PubSub), wake: make(chan struct{}, 1)}
	s.cluster, _ = f.s.client.(*redis.ClusterClient)
	s.ring, _ = f.s.client.(*redis.Ring)
	s.pattern = globber.Replace(f.s.tagStart) + "*}:c"
	return s
}

// start makes the subscriptions, the first time a circuit is bound; later
// calls change nothing. It does not wait for Redis: a goroutine of the fleet
// subscribes, so binding a circuit never blocks on the network.
func (s *subscriber) start() {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.running || s.closed {
		return
	}
	s.running = true
	s.f.wg.Add(1)
	go s.run()
	s.poke()
}

// poke wakes run; the caller holds mu.
func (s *subscriber) poke() {
	select {
	case s.wake <- struct{}{}:
	default:
	}
}

// run subscribes when woken, and on a ring every refresh interval (a shard
// may have come up), until the fleet stops.
func (s *subscriber) run() {
	defer s.f.wg.Done()
	var tick <-chan time.Time
	if s.ring != nil {
		t := time.NewTicker(s.f.s.cfg.Refresh)
		defer t.Stop()
		tick = t.C
	}
	for {
		select {
		case <-s.f.stop:
			return
		case <-s.wake:
		case <-tick:
		}
		s.subscribe()
	}
}

// subscribe subscribes every home that has no subscription yet. go-redis
// connects and subscribes on its own, and reconnects after a failure, so an
// error here only delays it. Only run calls it.
func (s *subscriber) subscribe() {
	ctx, cancel := context.WithTimeout(context.Background(), roundTimeout)
	defer cancel()
	for addr, open := range s.homes() {
		s.mu.Lock()
		if s.closed || s.subs[addr] != nil {
			s.mu.Unlock()
			continue
		}
		ps := open(ctx)
		s.subs[addr] = ps
		renewed := s.renewed
		s.mu.Unlock()
		s.f.wg.Add(1)
		go s.receive(ps, renewed)
	}
}

// homes returns, by address, a function that opens a subscription to the
// pattern at each place announcements are published: every shard that is up
// on a ring, and "" (any node of a cluster, the one server, the Sentinel
// set's master) elsewhere.
func (s *subscriber) homes() map[string]func(context.Context) *redis.PubSub {
	if s.ring == nil {
		return map[string]func(context.Context) *redis.PubSub{"": func(ctx context.Context) *redis.PubSub {
			return s.f.s.client.PSubscribe(ctx, s.pattern)
		}}
	}
	homes := make(map[string]func(context.Context) *redis.PubSub)
	for _, shard := range s.ring.GetShardClients() {
		homes[shard.Options().Addr] = func(ctx context.Context) *redis.PubSub { return shard.PSubscribe(ctx, s.pattern) }
	}
	return homes
}

// close closes every subscription; their receive loops end.
func (s *subscriber) close() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.closed = true
	for _, ps := range s.subs {
		_ = ps.Close()
	}
}

// renew replaces every subscription with a new one on a new connection. The
// fleet calls it when Redis answers again after an outage: a connection that
// lost its packets may look alive to go-redis, which waits on it without a
// deadline, while every announcement is lost.
func (s *subscriber) renew() {
	s.mu.Lock()
	if s.closed || len(s.subs) == 0 {
		s.mu.Unlock()
		return
	}
	old := s.subs
	s.subs, s.renewed = make(map[string]*redis.PubSub), true
	s.poke()
	s.mu.Unlock()
	for _, ps := range old {
		_ = ps.Close() // its receive loop ends
	}
}

// current reports whether ps is still one of the subscriptions.
func (s *subscriber) current(ps *redis.PubSub) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, x := range s.subs {
		if x == ps {
			return true
		}
	}
	return false
}

// receive reads ps until the fleet stops or ps is renewed: announcements
// update the cache. The subscription's first confirmation asks for a refresh
// of every circuit (what was announced between their binding and the
// subscription is not missed), and so does one after an error (go-redis
// reconnected).
func (s *subscriber) receive(ps *redis.PubSub, lost bool) {
	defer s.f.wg.Done()
	confirmed := false
	for !s.f.stopped.Load() {
		msg, err := ps.Receive(context.Background())
		if err != nil {
			if s.f.stopped.Load() || !s.current(ps) {
				return
			}
			lost = true
			select {
			case <-s.f.stop:
				return
			case <-time.After(50 * time.Millisecond): // go-redis reconnects on the next Receive
			}
			continue
		}
		switch m := msg.(type) {
		case *redis.Subscription:
			if lost || !confirmed {
				lost, confirmed = false, true
				s.f.refreshSoon()
			}
		case *redis.Message:
			s.f.announced(m.Channel, m.Payload)
		}
	}
}

// announced applies an announcement of a circuit's new state; a change made
// by another process is told to the runtime, as learnt.
func (f *fleet) announced(channel, payload string) {
	f.mu.Lock()
	c := f.byChannel[channel]
	f.mu.Unlock()
	if c == nil {
		return
	}
	a, ok := parseAnnouncement(payload)
	if ok {
		c.learn(a.st, a.at, false, nil, a.actor != f.s.pid)
	}
}

// announcement is a circuit's new state, as a script announced it: at the
// server's time at, made by the process actor ("" when the payload did not
// say).
type announcement struct {
	st    storage.Status
	at    int64
	actor string
}

// parseAnnouncement parses "state lock opened reserved now actor cool ramp
// probes" (cool: the open period's cool-down in microseconds, 0 when closed;
// ramp: the closed circuit's ramp start, 0 for none; probes: the open
// period's reservations, with several probes); an announcement of an older
// store, without the last fields, parses too.
func parseAnnouncement(payload string) (announcement, bool) {
	fields := strings.Fields(payload)
	if len(fields) < 5 || len(fields) > 9 {
		return announcement{}, false
	}
	var n [5]int64
	for i, f := range fields[:5] {
		v, err := strconv.ParseInt(f, 10, 64)
		if err != nil || v < 0 {
			return announcement{}, false
		}
		n[i] = v
	}
	if n[0] > 1 || n[1] > int64(storage.LockClosed) {
		return announcement{}, false
	}
	a := announcement{st: storage.Status{
		State: storage.State(n[0]), Lock: storage.Lock(n[1]),
		OpenedAt: fromMicros(n[2]), ReservedAt: fromMicros(n[3]),
	}, at: n[4]}
	if len(fields) >= 6 {
		if !processID.MatchString(fields[5]) {
			return announcement{}, false
		}
		a.actor = fields[5]
	}
	if len(fields) >= 7 {
		cool, err := strconv.ParseInt(fields[6], 10, 64)
		if err != nil || cool < 0 || cool > maxCoolMicros {
			return announcement{}, false
		}
		a.st.CoolDown = time.Duration(cool) * time.Microsecond
	}
	if len(fields) >= 8 {
		ramp, err := strconv.ParseInt(fields[7], 10, 64)
		if err != nil || ramp < 0 {
			return announcement{}, false
		}
		a.st.ClosedAt = fromMicros(ramp)
	}
	if len(fields) == 9 {
		probes, err := strconv.ParseInt(fields[8], 10, 64)
		if err != nil || probes < 0 || probes > storage.MaxHalfOpenProbes {
			return announcement{}, false
		}
		a.st.Probes = int(probes)
	}
	return a, true
}

// processID matches a store's process id: newToken's base-36 digits.
var processID = regexp.MustCompile(`^[0-9a-z]{1,13}$`)
