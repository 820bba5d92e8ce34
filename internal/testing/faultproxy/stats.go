package faultproxy

import (
	"context"
	"fmt"
)

// Stats counts what a proxy has done since it started. It is a copy, safe to
// use from any goroutine.
type Stats struct {
	Accepted    int64 // connections accepted
	Active      int64 // connections open now
	BytesUp     int64 // bytes forwarded from clients to the target
	BytesDown   int64 // bytes forwarded from the target to clients
	DroppedUp   int64 // bytes read from clients and dropped (Blackhole)
	DroppedDown int64 // bytes read from the target and dropped (Blackhole, HalfOpen, ResetReplies)
	Resets      int64 // connections reset as a fault: by ResetAll, ResetReplies, Refuse, or when the target refused
}

// Stats returns the proxy's counts.
func (p *Proxy) Stats() Stats {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.snapshot()
}

// WaitFor blocks until cond holds for the proxy's Stats or ctx is done. Tests
// use it to wait for the proxy to have seen something, such as a server reply
// it dropped, without sleeping. cond is called without the proxy's lock held,
// once per change.
func (p *Proxy) WaitFor(ctx context.Context, cond func(Stats) bool) error {
	for {
		p.mu.Lock()
		s, changed := p.snapshot(), p.changed
		p.mu.Unlock()
		if cond(s) {
			return nil
		}
		select {
		case <-changed:
		case <-ctx.Done():
			return fmt.Errorf("faultproxy: waiting for stats %+v to change: %w", s, ctx.Err())
		}
	}
}

// snapshot returns the stats. p.mu must be held.
func (p *Proxy) snapshot() Stats {
	s := p.stats
	s.Active = int64(len(p.links))
	return s
}

// notify wakes WaitFor callers after a change of the stats. p.mu must be held.
func (p *Proxy) notify() {
	close(p.changed)
	p.changed = make(chan struct{})
}

// count adds n bytes forwarded (or dropped) in direction up or down.
func (p *Proxy) count(up, dropped bool, n int) {
	p.mu.Lock()
	defer p.mu.Unlock()
	switch {
	case up && dropped:
		p.stats.DroppedUp += int64(n)
	case up:
		p.stats.BytesUp += int64(n)
	case dropped:
		p.stats.DroppedDown += int64(n)
	default:
		p.stats.BytesDown += int64(n)
	}
	p.notify()
}
