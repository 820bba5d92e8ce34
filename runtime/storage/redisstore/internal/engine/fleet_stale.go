package engine

import (
	"context"
	"errors"
	"fmt"
	"sync/atomic"
	"time"

	"github.com/breakergen/breakergen/internal/hotpath/bounded"
	"github.com/breakergen/breakergen/runtime/storage"
	"github.com/redis/go-redis/v9"
)

// ErrStale is wrapped by the storage failure a fleet store reports, once for
// the store (through one of its circuits, the error naming how many), when it
// has had no answer from Redis for longer than its staleness bound
// (WithStaleAfter): it no longer trusts what it last learnt of the fleet and
// decides from this process's own outcomes alone until Redis answers.
// It wraps storage.ErrDetached.
var ErrStale = fmt.Errorf("breakergen: redisstore: no answer from Redis within the staleness bound; deciding from this process's own outcomes: %w", storage.ErrDetached)

// link tracks a store's exchanges with Redis: when one was last answered, and
// since when one has waited without any being answered. It is safe for
// concurrent use.
type link struct {
	answeredAt atomic.Int64 // local monotonic nanoseconds of the last answer
	waiting    atomic.Int64 // when the oldest exchange sent since then was sent; 0 for none
	clock      Clock        // the local monotonic clock answers are timed by
}

// sent notes an exchange sent at now.
func (l *link) sent(now int64) { l.waiting.CompareAndSwap(0, now) }

// done notes the end of an exchange sent at now: an answer when err is nil or
// an error reply of the server (Redis answered), none otherwise.
func (l *link) done(err error) {
	var rerr redis.Error
	if err == nil || errors.As(err, &rerr) {
		l.answeredAt.Store(l.clock.Now())
		l.waiting.Store(0)
	}
}

// down reports whether an exchange waits and none was answered for longer
// than d at now: Redis may be out of reach, and what it publishes lost.
func (l *link) down(now int64, d time.Duration) bool {
	return l.waiting.Load() != 0 && now-l.answeredAt.Load() > int64(d)
}

// quiet reports whether nothing was answered for d at now.
func (l *link) quiet(now int64, d time.Duration) bool {
	return now-l.answeredAt.Load() > int64(d)
}

// stale reports whether an exchange has waited longer than d at now, with
// none answered since it was sent. An idle store is never stale: it has
// nothing waiting.
func (l *link) stale(now int64, d time.Duration) bool {
	w := l.waiting.Load()
	return w != 0 && now-w > int64(d)
}

// watchLink detaches the fleet's circuits when Redis has not answered for the
// staleness bound, and attaches them again once it has, until the fleet
// stops. A tick is a quarter of the bound, between 5 ms and 250 ms, so the
// process decides alone within a quarter more than the bound.
//
// A store whose traffic is healthy may send nothing for a bucket or more
// (its outcomes travel lazily), so the link is pinged when nothing has been
// answered for a sixth of the bound, at most once per sixth: an outage is
// reported within about a third of the bound and detaches the circuits
// within the bound, traffic or not, and the end of an outage is noticed
// within a sixth of the bound, on a connection the outage did not break.
// Once Redis answers after a sixth of the bound without answers, the
// subscriptions are renewed and every circuit read again: a slow chunk on a
// busy server is not an outage, and costs no such reading. When Redis
// answers again after an outage, every circuit is read again, spread over
// refresh intervals: announcements published meanwhile may have been lost
// with the subscription.
func (f *fleet) watchLink() {
	defer f.wg.Done()
	bound := f.s.cfg.Stale
	t := time.NewTicker(min(max(bound/4, 5*time.Millisecond), 250*time.Millisecond))
	defer t.Stop()
	var pinged int64
	wasDown := false
	for {
		select {
		case <-f.stop:
			return
		case <-t.C:
		}
		now := f.s.clock.Now()
		if f.s.link.quiet(now, bound/6) && now-pinged > int64(bound/6) {
			pinged = now
			f.ping()
		}
		now = f.s.clock.Now()
		stale := f.s.link.stale(now, bound)
		down := f.s.link.down(now, bound/6)
		switch {
		case stale && !f.detached.Load():
			f.detach(bound)
		case !stale && f.detached.Load():
			f.attach()
		case wasDown && !down:
			f.subs.renew()
			f.refreshSoon()
		}
		wasDown = down
	}
}

// ping sends PING, bounded as a chunk of a round, and reports a failure for
// the store.
func (f *fleet) ping() {
	ctx, cancel := context.WithTimeout(context.Background(), chunkTimeout)
	defer cancel()
	f.s.link.sent(f.s.clock.Now())
	_, err := bounded.Call(ctx, func(ctx context.Context) (string, error) { return f.s.client.Ping(ctx).Result() })
	f.s.link.done(err)
	if all := f.all(); err != nil && len(all) > 0 {
		f.storeFailed("Ping", err, all)
	}
}

// detach makes every circuit decide from this process's own outcomes: an
// opening of the fleet's becomes this process's, to be probed here. The store
// reports ErrStale once, for all its circuits.
func (f *fleet) detach(bound time.Duration) {
	f.detached.Store(true)
	all := f.all()
	for _, c := range all {
		c.change(func(s *cached) {
			s.detached = true
			if s.state == storage.StateOpen && !s.lopen {
				s.lopen, s.lopened, s.lreserved = true, s.opened, 0
			}
		})
	}
	if len(all) > 0 {
		f.storeFailed("Stale", fmt.Errorf("%w (nothing answered for %v)", ErrStale, bound), all)
	}
}

// attach makes every circuit trust the fleet again, and asks for a refresh of
// every one: what Redis holds now decides, and a local opening that the fleet
// has superseded ends at its next transition.
func (f *fleet) attach() {
	f.detached.Store(false)
	for _, c := range f.all() {
		c.change(func(s *cached) { s.detached = false })
	}
	f.subs.renew()
	f.refreshSoon()
}
