package redisstore

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

// subscriber listens to the channels of a fleet's circuits. On a cluster each
// circuit's channel is a shard channel (SSUBSCRIBE) of its own slot, so the
// subscriber keeps one subscription per master, the one that owns the slots of
// the channels it carries; on a ring, one subscription per shard, the one that
// owns the circuit's keys (a ring shards channels as keys, by hash tag, so its
// scripts publish there). Elsewhere (a single server, a Sentinel set) one
// subscription to a pattern, every channel of the store's prefix, carries
// every circuit's announcements: binding and dropping circuits (a keyed
// family's keys come and go by the thousand) then costs Redis no command, at
// the price of hearing the announcements of circuits this process does not
// hold, which are transitions and locks only. Announcements are lost while a
// subscription reconnects, so every reconnect asks the fleet for a refresh of
// every circuit. It is safe for concurrent use.
type subscriber struct {
	f       *fleet
	cluster *redis.ClusterClient // nil on a single server, a Sentinel set or a ring
	ring    *redis.Ring          // nil but on a ring
	pattern string               // the pattern of every channel, off a cluster or ring
	mu      sync.Mutex
	subs    map[string]*redis.PubSub // by node address; "" off a cluster
	node    map[string]string        // channel -> node address
	queue   []subOp                  // subscriptions to change, in order
	wake    chan struct{}
	running bool
	closed  bool
	renewed bool // the subscriptions were renewed: their first confirmation asks for a refresh
}

// subOp is one change of the subscriptions.
type subOp struct {
	add     bool
	channel string
}

func newSubscriber(f *fleet) *subscriber {
	s := &subscriber{f: f, subs: make(map[string]*redis.PubSub), node: make(map[string]string), wake: make(chan struct{}, 1)}
	s.cluster, _ = f.s.client.(*redis.ClusterClient)
	s.ring, _ = f.s.client.(*redis.Ring)
	if s.cluster == nil && s.ring == nil {
		s.pattern = globber.Replace(f.s.tagStart) + "*}:c"
	}
	return s
}

// add subscribes to channel; remove unsubscribes. Neither waits for Redis: a
// goroutine of the fleet makes the changes in order, so binding a circuit never
// blocks on the network. With a pattern, the first add subscribes to it, and
// the others change nothing.
func (s *subscriber) add(channel string) {
	if s.pattern != "" {
		s.mu.Lock()
		first := len(s.subs) == 0 && !s.running
		s.mu.Unlock()
		if !first {
			return
		}
	}
	s.enqueue(subOp{add: true, channel: channel})
}

func (s *subscriber) remove(channel string) {
	if s.pattern == "" {
		s.enqueue(subOp{channel: channel})
	}
}

func (s *subscriber) enqueue(op subOp) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return
	}
	s.queue = append(s.queue, op)
	if !s.running {
		s.running = true
		s.f.wg.Add(1)
		go s.run()
	}
	select {
	case s.wake <- struct{}{}:
	default:
	}
}

// run makes the queued changes until the fleet stops.
func (s *subscriber) run() {
	defer s.f.wg.Done()
	for {
		select {
		case <-s.f.stop:
			return
		case <-s.wake:
		}
		s.mu.Lock()
		ops := s.queue
		s.queue = nil
		s.mu.Unlock()
		for _, op := range ops {
			if op.add {
				s.subscribe(op.channel)
			} else {
				s.unsubscribe(op.channel)
			}
		}
	}
}

// subscribe subscribes to channel. go-redis connects and subscribes on its own,
// and reconnects after a failure, so an error here only delays it. Only run
// calls it, so no other goroutine makes subscriptions meanwhile.
func (s *subscriber) subscribe(channel string) {
	ctx, cancel := context.WithTimeout(context.Background(), roundTimeout)
	defer cancel()
	addr, open := s.home(ctx, channel)
	if open == nil {
		return // no shard to subscribe on: the refresh reads the circuit
	}
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		return
	}
	s.node[channel] = addr
	ps := s.subs[addr]
	fresh := ps == nil
	if fresh {
		ps = open(ctx) // no channel yet: no connection yet
		s.subs[addr] = ps
	}
	s.mu.Unlock()
	switch {
	case s.cluster != nil:
		_ = ps.SSubscribe(ctx, channel)
	case s.pattern != "":
		_ = ps.PSubscribe(ctx, s.pattern)
	default:
		_ = ps.Subscribe(ctx, channel)
	}
	if fresh {
		// Only now: a receive before the first channel would connect to any node.
		s.mu.Lock()
		renewed := s.renewed
		s.mu.Unlock()
		s.f.wg.Add(1)
		go s.receive(ps, renewed)
	}
}

// home returns the address of the node whose subscription carries channel,
// and a function that opens a subscription there. On a cluster it is the
// master that owns channel's slot, or "" when it cannot tell (the subscription
// then lands on go-redis's choice, and the refresh repairs what it misses). On
// a ring it is the shard that owns channel's hash tag, and open is nil when no
// shard is up. Elsewhere it is "", the one server.
func (s *subscriber) home(ctx context.Context, channel string) (string, func(context.Context) *redis.PubSub) {
	switch {
	case s.cluster != nil:
		open := func(ctx context.Context) *redis.PubSub { return s.cluster.SSubscribe(ctx) }
		node, err := s.cluster.MasterForKey(ctx, channel)
		if err != nil {
			return "", open
		}
		return node.Options().Addr, open
	case s.ring != nil:
		shard, err := s.ring.GetShardClientForKey(channel)
		if err != nil {
			return "", nil
		}
		return shard.Options().Addr, func(ctx context.Context) *redis.PubSub { return shard.Subscribe(ctx) }
	}
	return "", func(ctx context.Context) *redis.PubSub { return s.f.s.client.Subscribe(ctx) }
}

// unsubscribe unsubscribes from channel.
func (s *subscriber) unsubscribe(channel string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	ps := s.subs[s.node[channel]]
	delete(s.node, channel)
	if ps == nil || s.closed {
		return
	}
	ctx, cancel := context.WithTimeout(context.Background(), roundTimeout)
	defer cancel()
	if s.cluster != nil {
		_ = ps.SUnsubscribe(ctx, channel)
	} else {
		_ = ps.Unsubscribe(ctx, channel)
	}
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
	var ops []subOp
	if s.pattern != "" {
		ops = append(ops, subOp{add: true})
	} else {
		for ch := range s.node {
			ops = append(ops, subOp{add: true, channel: ch})
		}
	}
	s.subs, s.node, s.renewed = make(map[string]*redis.PubSub), make(map[string]string), true
	s.mu.Unlock()
	for _, ps := range old {
		_ = ps.Close() // its receive loop ends
	}
	for _, op := range ops {
		s.enqueue(op)
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
// update the cache, and a subscription confirmed after an error (go-redis
// reconnected), or a renewed one, asks for a refresh of every circuit. A
// circuit is read once more when its subscription is first confirmed (the
// store's pattern: every circuit bound by then), so what was announced
// between its binding and the subscription is not missed.
func (s *subscriber) receive(ps *redis.PubSub, lost bool) {
	defer s.f.wg.Done()
	patterned := false
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
			switch {
			case lost:
				lost = false
				s.f.refreshSoon()
			case m.Kind == "psubscribe" && !patterned:
				patterned = true
				s.f.refreshSoon()
			case m.Kind == "subscribe" || m.Kind == "ssubscribe":
				s.f.readSoon(m.Channel)
			}
		case *redis.Message:
			s.f.announced(m.Channel, m.Payload)
		}
	}
}

// readSoon makes the next refresh round read the circuit of channel.
func (f *fleet) readSoon(channel string) {
	f.mu.Lock()
	c := f.byChannel[channel]
	f.mu.Unlock()
	if c != nil {
		c.nextRead.Store(0)
		f.watchAll(c)
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

// parseAnnouncement parses "state lock opened reserved now actor"; an
// announcement of an older store, without the actor, parses too.
func parseAnnouncement(payload string) (announcement, bool) {
	fields := strings.Fields(payload)
	if len(fields) != 5 && len(fields) != 6 {
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
	if len(fields) == 6 {
		if !processID.MatchString(fields[5]) {
			return announcement{}, false
		}
		a.actor = fields[5]
	}
	return a, true
}

// processID matches a store's process id: newToken's base-36 digits.
var processID = regexp.MustCompile(`^[0-9a-z]{1,13}$`)
