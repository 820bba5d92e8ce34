package engine

import (
	"context"
	"errors"
	"sync"
	"sync/atomic"
	"time"
)

// fleet is the machinery of a fleet store: its circuits, the server clock
// estimate, and the goroutines that flush, refresh, listen and watch for a
// Redis gone silent. The goroutines start with the first binding and stop with
// Shutdown. A strict store has one too, for its circuits' own verdicts, with no
// goroutine and no subscription.
type fleet struct {
	s      *Engine
	born   int64 // local monotonic nanoseconds when the store was made
	clock  serverClock
	subs   *subscriber
	strict bool
	// detached is set while Redis has not answered for longer than the
	// staleness bound: every circuit decides from this process's outcomes.
	detached atomic.Bool
	failures storeFailures // the store's own failures, one report a second per cause

	mu        sync.Mutex
	circuits  map[string]*fcircuit
	byChannel map[string]*fcircuit
	retired   map[string]*fcircuit // dropped, with outcomes still to send

	// reports and handedBack count the batches sent in report scripts, and
	// those the scripts handed back to the flush script.
	reports, handedBack atomic.Int64

	dmu     sync.Mutex             // guards dirty
	dirty   []*fcircuit            // circuits that counted outcomes since they sent them
	wmu     sync.Mutex             // guards watched
	watched map[*fcircuit]struct{} // circuits in trouble, which refresh rounds read
	// unverified are circuits assumed closed when they were bound, for the
	// flush round to read.
	unverified []*fcircuit
	started    bool

	stopped   atomic.Bool
	stop      chan struct{}
	refreshed chan struct{} // a signal to refresh every circuit at once
	wg        sync.WaitGroup
	once      sync.Once
	err       error
}

func newFleet(s *Engine) *fleet {
	f := &fleet{
		s:         s,
		born:      s.clock.Now(),
		strict:    s.cfg.Strict,
		circuits:  make(map[string]*fcircuit),
		byChannel: make(map[string]*fcircuit),
		retired:   make(map[string]*fcircuit),
		watched:   make(map[*fcircuit]struct{}),
		stop:      make(chan struct{}),
		refreshed: make(chan struct{}, 1),
	}
	f.clock.test, f.clock.local = &s.offset, s.clock
	_, f.clock.real = s.clock.(RealClock)
	f.subs = newSubscriber(f)
	return f
}

// bind returns the fleet circuit of h's name, making it, and starting the
// fleet's goroutines, on the first binding.
func (f *fleet) bind(h *handle) *fcircuit {
	f.mu.Lock()
	defer f.mu.Unlock()
	c := f.circuits[h.name]
	switch r := f.retired[h.name]; {
	case c != nil:
		h.seq = c.h.seq
	case r != nil:
		// The name is back before its retired circuit sent everything: its
		// batches go on numbering from the retired one's, which Redis knows.
		h.seq = r.h.seq
	default:
		// A circuit made again after it was dropped numbers its batches on
		// from where any earlier one of this store could have got: Redis
		// remembers the last it counted, and a lower number counts nothing.
		h.seq = newSequence(uint64((f.s.clock.Now() - f.born) / int64(time.Microsecond)))
	}
	if c == nil {
		c = newFcircuit(f, h)
		f.circuits[h.name] = c
		if !f.strict {
			f.byChannel[h.channel] = c
			f.subs.start()
			f.assumeClosed(c)
		}
	}
	c.handles++
	if !f.started && !f.stopped.Load() && !f.strict {
		f.started = true
		f.wg.Add(3)
		go f.loop(f.s.cfg.Flush, f.flushRound, nil)
		go f.loop(f.s.cfg.Refresh, f.refreshRound, f.refreshed)
		go f.watchLink()
	}
	return c
}

// unbind gives back one handle of c; the last one forgets it.
//
// The circuit's outcomes not yet sent are not sent here, on the call that
// dropped it (a keyed family evicts on the call that brings a new key): the
// circuit retires, and the flush rounds send what it holds, then forget it.
func (f *fleet) unbind(c *fcircuit) {
	f.mu.Lock()
	defer f.mu.Unlock()
	c.handles--
	if c.handles != 0 || f.circuits[c.h.name] != c {
		return
	}
	delete(f.circuits, c.h.name)
	if !f.strict {
		delete(f.byChannel, c.h.channel)
		f.retired[c.h.name] = c
		f.unwatch(c)
	}
}

// retiredOnes returns the retired circuits that hold outcomes not yet sent,
// and forgets the others.
func (f *fleet) retiredOnes() []*fcircuit {
	f.mu.Lock()
	defer f.mu.Unlock()
	out := make([]*fcircuit, 0, len(f.retired))
	for name, c := range f.retired {
		if pending([]*fcircuit{c}) {
			out = append(out, c)
		} else {
			delete(f.retired, name)
		}
	}
	return out
}

// all returns the fleet's circuits.
func (f *fleet) all() []*fcircuit {
	f.mu.Lock()
	defer f.mu.Unlock()
	out := make([]*fcircuit, 0, len(f.circuits))
	for _, c := range f.circuits {
		out = append(out, c)
	}
	return out
}

// refreshSoon asks the refresh loop for a round over every circuit at once, as
// after the subscription reconnected (announcements may have been lost).
func (f *fleet) refreshSoon() {
	select {
	case f.refreshed <- struct{}{}:
	default:
	}
}

// roundTimeout bounds one round of flushes or refreshes: a dead Redis must not
// hold the fleet's goroutines, nor Shutdown, for the client's own timeouts.
const roundTimeout = time.Second

// loop runs round every interval, and when signal fires, until the fleet
// stops. A round that fails waits twice as long before the next, up to a
// second more, so that a dead Redis is not hammered.
func (f *fleet) loop(interval time.Duration, round func(ctx context.Context, all bool) error, signal <-chan struct{}) {
	defer f.wg.Done()
	t := time.NewTicker(interval)
	defer t.Stop()
	var backoff time.Duration
	next := time.Time{}
	for {
		all := false
		select {
		case <-f.stop:
			return
		case <-t.C:
		case <-signal:
			all, next = true, time.Time{}
		}
		if time.Now().Before(next) {
			continue
		}
		ctx, cancel := context.WithTimeout(context.Background(), roundTimeout)
		err := round(ctx, all)
		cancel()
		if err == nil {
			backoff = 0
			continue
		}
		backoff = min(max(2*backoff, interval), time.Second)
		next = time.Now().Add(backoff)
	}
}

// shutdown flushes what every circuit counted, stops the goroutines and the
// subscriptions, and waits for them, within ctx. Later calls return the first
// call's result.
func (f *fleet) shutdown(ctx context.Context) error {
	f.once.Do(func() {
		f.mu.Lock()
		f.stopped.Store(true)
		f.mu.Unlock()
		close(f.stop)
		var errs []error
		errs = append(errs, f.drain(ctx, append(f.all(), f.retiredOnes()...)))
		for _, c := range f.all() {
			c.forget() // the hot path asks from now on: nothing would flush its counts
		}
		f.subs.close()
		done := make(chan struct{})
		go func() {
			f.wg.Wait()
			close(done)
		}()
		select {
		case <-done:
		case <-ctx.Done():
			errs = append(errs, ctx.Err())
		}
		f.err = errors.Join(errs...)
	})
	return f.err
}

// drain flushes cs until nothing they counted is left, in up to drainAttempts
// flushes, each bounded by roundTimeout and all by ctx. A circuit whose earlier
// batch waits to be sent again sends it first and takes what its ring counted
// since only in the next flush; a flush that fails, as on a connection a
// network fault left dead in the client's pool, is tried again on another.
// It returns the last flush's error.
func (f *fleet) drain(ctx context.Context, cs []*fcircuit) error {
	var err error
	for range drainAttempts {
		round, cancel := context.WithTimeout(ctx, roundTimeout)
		err = f.flush(round, cs)
		cancel()
		if (err == nil && !pending(cs)) || ctx.Err() != nil {
			break
		}
	}
	return err
}

// drainAttempts bounds the flushes of a drain, so that Shutdown with a context
// that has no deadline returns within seconds when Redis is gone.
const drainAttempts = 4

// pending reports whether any of cs holds outcomes not yet sent.
func pending(cs []*fcircuit) bool {
	for _, c := range cs {
		c.mu.Lock()
		waiting := len(c.outbox) > 0
		c.mu.Unlock()
		if waiting || c.dirty.Load() {
			return true
		}
	}
	return false
}

// assumeClosed lets a circuit bound while the store knows the server's clock
// decide its calls at once, as closed, unless the store is cut off or
// stopped: a new circuit (a keyed family's new key) costs its call no round
// trip. The next flush round reads it (verify), and an opening or a lock Redis
// holds for it takes over from then on: a call or two of a new key may run
// while the fleet holds its circuit open. The caller holds f.mu.
func (f *fleet) assumeClosed(c *fcircuit) {
	if !f.clock.known.Load() || f.stopped.Load() {
		return
	}
	c.cache.Store(&cached{known: true, detached: f.detached.Load(), version: 1})
	f.unverified = append(f.unverified, c)
}

// verify reads the circuits assumed closed when they were bound; those whose
// read failed are read at the next round.
func (f *fleet) verify(ctx context.Context) error {
	f.mu.Lock()
	cs := f.unverified
	f.unverified = nil
	f.mu.Unlock()
	if len(cs) == 0 {
		return nil
	}
	sent := f.s.offset.Load()
	replies, err := f.pipeline(ctx, "Refresh", cs, func(i int) call { return cs[i].h.statusCall("Refresh") })
	var again []*fcircuit
	for i, r := range replies {
		a, err := cs[i].h.answer("Refresh", r.v, r.err)
		if err != nil {
			again = append(again, cs[i])
			continue
		}
		at := micros(a.res.Status.CurrentTime)
		f.clock.learn(at, sent)
		cs[i].learn(a.res.Status, at, true, &a, false) // what it was, not a change it saw
	}
	f.mu.Lock()
	f.unverified = append(f.unverified, again...)
	f.mu.Unlock()
	return err
}

// forgetAll forgets what every circuit holds (its outcomes not sent, its
// local verdict) and knew of Redis, for Clear: every circuit reads as never
// written again.
func (f *fleet) forgetAll() {
	f.mu.Lock()
	cs := make([]*fcircuit, 0, len(f.circuits)+len(f.retired))
	for _, c := range f.circuits {
		cs = append(cs, c)
	}
	for _, c := range f.retired {
		cs = append(cs, c)
	}
	f.mu.Unlock()
	known := f.clock.known.Load() && !f.stopped.Load() && !f.strict
	for _, c := range cs {
		c.clear()
		c.lost.Store(0)
		c.change(func(s *cached) { *s = cached{known: known, at: s.at, version: s.version, detached: s.detached} })
	}
}
