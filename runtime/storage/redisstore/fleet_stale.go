package redisstore

import (
	"errors"
	"fmt"
	"sync/atomic"
	"time"

	"github.com/breakergen/breakergen/internal/hotpath/coarse"
	"github.com/breakergen/breakergen/runtime/storage"
	"github.com/redis/go-redis/v9"
)

// ErrStale is wrapped by the storage failure a fleet store reports, once per
// circuit, when it has had no answer from Redis for longer than its staleness
// bound (WithStaleAfter): it no longer trusts what it last learnt of the fleet
// and decides from this process's own outcomes alone until Redis answers.
// It wraps storage.ErrDetached.
var ErrStale = fmt.Errorf("breakergen: redisstore: no answer from Redis within the staleness bound; deciding from this process's own outcomes: %w", storage.ErrDetached)

// link tracks a store's exchanges with Redis: when one was last answered, and
// since when one has waited without any being answered. It is safe for
// concurrent use.
type link struct {
	answeredAt atomic.Int64 // local monotonic nanoseconds of the last answer
	waiting    atomic.Int64 // when the oldest exchange sent since then was sent; 0 for none
}

// sent notes an exchange sent at now.
func (l *link) sent(now int64) { l.waiting.CompareAndSwap(0, now) }

// done notes the end of an exchange sent at now: an answer when err is nil or
// an error reply of the server (Redis answered), none otherwise.
func (l *link) done(err error) {
	var rerr redis.Error
	if err == nil || errors.As(err, &rerr) {
		l.answeredAt.Store(coarse.MonoNow())
		l.waiting.Store(0)
	}
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
func (f *fleet) watchLink() {
	defer f.wg.Done()
	bound := f.s.cfg.staleAfter()
	t := time.NewTicker(min(max(bound/4, 5*time.Millisecond), 250*time.Millisecond))
	defer t.Stop()
	for {
		select {
		case <-f.stop:
			return
		case <-t.C:
		}
		stale := f.s.link.stale(coarse.MonoNow(), bound)
		switch {
		case stale && !f.detached.Load():
			f.detach(bound)
		case !stale && f.detached.Load():
			f.attach()
		}
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
	f.refreshSoon()
}
