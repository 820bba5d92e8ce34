package redisstore

import (
	"context"
	"sync"
	"sync/atomic"

	"github.com/breakergen/breakergen/internal/hotpath/bounded"
	"github.com/breakergen/breakergen/internal/hotpath/ring"
	"github.com/breakergen/breakergen/runtime/storage"
)

// cached is what a fleet store knows of a circuit: its state as of the last
// script reply, announcement or refresh, and the counts of the shared window
// then. It is never changed once published.
type cached struct {
	state    storage.State
	lock     storage.Lock
	opened   int64 // server microseconds, 0 for never
	reserved int64 // server microseconds, 0 for none
	failures int   // the shared window's counts at at, flushed outcomes included
	samples  int
	at       int64  // server microseconds of the reading
	version  uint64 // changes with state, lock, opened or reserved
	known    bool   // read from Redis at least once
}

// fcircuit is one circuit of a fleet store, shared by its handles: the cached
// status, the outcomes counted here and not yet flushed, and the batches on
// their way to Redis.
type fcircuit struct {
	f     *fleet
	h     *handle // the first binding's scripts: its geometry counts the local outcomes
	cache atomic.Pointer[cached]
	// onTransition is the runtime's, told of the transitions a flush makes.
	onTransition atomic.Pointer[func(storage.Result)]
	// onFailure is the runtime's (through the fault-tolerant wrapper), told of
	// the failures of background flushes and refreshes, which no call returns.
	onFailure atomic.Pointer[func(storage.Failure)]
	dirty     atomic.Bool // outcomes counted since the last flush took them
	// inflight holds the counts of the batches taken and not yet acknowledged.
	inflightF, inflightN atomic.Int64
	pending              ring.Ring // local outcomes, by the epoch of their Redis bucket

	// flushing is held (a token in it) while the circuit's counts move between
	// here and Redis: by a flush from sending its batches to learning their
	// replies, and by a read of the status, so that a read never sees a batch
	// both applied in Redis and still in flight here. Waits on it honour
	// their context.
	flushing chan struct{}
	mu       sync.Mutex // guards outbox
	outbox   []*batch
	handles  int // guarded by fleet.mu
}

// batch is counts taken from a circuit's ring to be flushed, with the token that
// makes their flush count once however often it is sent.
type batch struct {
	token   string
	buckets []bucketCount
	created int64 // local monotonic nanoseconds
	f, n    int
}

func newFcircuit(f *fleet, h *handle) *fcircuit {
	c := &fcircuit{f: f, h: h, flushing: make(chan struct{}, 1)}
	c.cache.Store(&cached{})
	c.pending.Init(int64(min(h.buckets, ring.Size)), ring.ExtraLanes())
	return c
}

// epoch returns the Redis bucket the server's time is in now.
func (c *fcircuit) epoch() int64 { return c.f.clock.nowUS() / c.h.width }

// learn publishes what a reply, announcement or refresh read of the circuit at
// server time at, unless a newer reading is already known.
func (c *fcircuit) learn(st storage.Status, at int64, counts bool) {
	for {
		cur := c.cache.Load()
		if cur.known && at < cur.at {
			return
		}
		next := &cached{
			state: st.State, lock: st.Lock, opened: micros(st.OpenedAt), reserved: micros(st.ReservedAt),
			failures: cur.failures, samples: cur.samples, at: at, version: cur.version,
			// After Shutdown the hot path stays off: nothing would flush. Before
			// the server's clock is known (an announcement can come first) it
			// stays off too: the ring numbers its buckets with that clock.
			known: !c.f.stopped.Load() && c.f.clock.known.Load(),
		}
		if counts {
			next.failures, next.samples = st.Failures, st.Samples
		}
		if !cur.known || next.state != cur.state || next.lock != cur.lock || next.opened != cur.opened || next.reserved != cur.reserved {
			next.version++
		}
		if c.cache.CompareAndSwap(cur, next) {
			return
		}
	}
}

// forget marks the cache unknown, so the hot path asks until Redis answers.
func (c *fcircuit) forget() {
	for {
		cur := c.cache.Load()
		next := *cur
		next.known = false
		next.version++
		if c.cache.CompareAndSwap(cur, &next) {
			return
		}
	}
}

// markDirty notes that the ring holds outcomes to flush.
func (c *fcircuit) markDirty() {
	if !c.dirty.Load() {
		c.dirty.Store(true)
	}
}

// local returns the counts known here: the shared window's, the batches in
// flight and the ring's.
//
// It holds mu, as taking a batch and settling one do, so that an outcome moving
// from the ring to a batch, or a batch leaving once its counts are learnt, is
// counted at least once: never missed by a threshold check. (A batch may be
// counted twice, in the cache and in flight, for a moment; that only makes a
// failure go to Redis, whose script decides on the exact counts.)
func (c *fcircuit) local(e int64) (failures, samples int) {
	c.mu.Lock()
	defer c.mu.Unlock()
	s := c.cache.Load()
	f, n := c.pending.Counts(e)
	return s.failures + int(c.inflightF.Load()) + f, s.samples + int(c.inflightN.Load()) + n
}

// take moves the ring's outcomes into a new batch in the outbox, when no batch
// is waiting already: a batch that failed is sent again as it was, with its
// token, before anything new is taken. It needs the server's clock, which
// numbers the buckets; not the cached status, which Shutdown forgets while
// the ring still holds outcomes to send.
func (c *fcircuit) take(now int64) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if len(c.outbox) > 0 || !c.f.clock.known.Load() || !c.dirty.Swap(false) {
		return
	}
	if b := c.newBatch(c.epoch(), now); b != nil {
		c.outbox = append(c.outbox, b)
	}
}

// newBatch takes the ring's outcomes of the window ending with bucket e into a
// batch counted in flight, or returns nil when there are none. The caller holds
// mu.
func (c *fcircuit) newBatch(e, now int64) *batch {
	taken := c.pending.Take(e)
	if len(taken) == 0 {
		return nil
	}
	b := &batch{token: newToken(), created: now}
	for _, t := range taken {
		b.buckets = append(b.buckets, bucketCount{epoch: t.Epoch, successes: t.Successes, failures: t.Failures})
		b.f += t.Failures
		b.n += t.Successes + t.Failures
	}
	c.inflightF.Add(int64(b.f))
	c.inflightN.Add(int64(b.n))
	return b
}

// settle removes b from the outbox: it was acknowledged, or dropped.
func (c *fcircuit) settle(b *batch) {
	c.mu.Lock()
	defer c.mu.Unlock()
	for i, x := range c.outbox {
		if x == b {
			c.outbox = append(c.outbox[:i], c.outbox[i+1:]...)
			c.inflightF.Add(-int64(b.f))
			c.inflightN.Add(-int64(b.n))
			return
		}
	}
}

// batches returns the outbox, dropping the batches too old to send: older than
// the window they were counted for, or than the time their token is
// remembered, past which a replay could count them twice (they are then lost:
// at most once).
func (c *fcircuit) batches(now int64) []*batch {
	c.mu.Lock()
	limit := min(c.h.width*int64(c.h.buckets)*1000, int64(tokenRetention)/2)
	var keep, dropped []*batch
	for _, b := range c.outbox {
		if now-b.created > limit {
			dropped = append(dropped, b)
		} else {
			keep = append(keep, b)
		}
	}
	c.mu.Unlock()
	for _, b := range dropped {
		c.settle(b)
	}
	return keep
}

// clear forgets the local outcomes and batches, for a Reset.
func (c *fcircuit) clear() {
	c.mu.Lock()
	defer c.mu.Unlock()
	for _, b := range c.outbox {
		c.inflightF.Add(-int64(b.f))
		c.inflightN.Add(-int64(b.n))
	}
	c.outbox = nil
	c.pending.Clear()
	c.dirty.Store(false)
}

// failed tells the runtime of a background flush or refresh of c that failed.
func (c *fcircuit) failed(op string, err error) {
	if fn := c.onFailure.Load(); fn != nil {
		(*fn)(storage.Failure{Op: op, Circuit: c.h.name, Err: err})
	}
}

// lock takes the circuit's flushing token, or fails when ctx is done first.
func (c *fcircuit) lock(ctx context.Context) error {
	select {
	case c.flushing <- struct{}{}:
		return nil
	case <-ctx.Done():
		return bounded.Err(ctx)
	}
}

func (c *fcircuit) unlock() { <-c.flushing }
