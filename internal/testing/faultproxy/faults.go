package faultproxy

import (
	"fmt"
	"math/rand/v2"
	"time"
)

// SetLatency delays every chunk of data, in both directions, by d before it is
// forwarded; 0 forwards at once. A chunk's delay is fixed when it is read, so
// chunks already on their way keep theirs. Chunks are delayed in a pipeline,
// not one after the other, and keep their order within a connection.
func (p *Proxy) SetLatency(d time.Duration) {
	p.latency.Store(int64(max(d, 0)))
}

// Blackhole stops all forwarding: from now on data is read and dropped in both
// directions, on open connections and new ones. Connections stay open and new
// ones are accepted but never reach the target, so clients see a server that
// hangs: no reply, no FIN, no RST. A blackholed connection ends only when its
// client closes it, or with ResetAll, Refuse or Close.
func (p *Proxy) Blackhole() {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.blackhole = true
	for l := range p.links {
		l.blackhole.Store(true)
	}
}

// HalfOpen drops the target's replies but still forwards what clients send, on
// open connections and new ones: the server runs every command and the client
// never hears back, as over a link that lost one direction. The target's FIN
// is dropped too, so the client learns of nothing before its own deadline. A
// half-open connection ends when its client closes it and the target follows.
func (p *Proxy) HalfOpen() {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.halfOpen = true
	for l := range p.links {
		l.halfOpen.Store(true)
	}
}

// ResetAll resets every open connection at once: both the client's and the
// target's side are closed with a TCP RST. New connections are accepted and
// forwarded as before.
func (p *Proxy) ResetAll() {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.resetLinks()
}

// ResetReplies makes each chunk the target sends, with probability rate, not
// reach the client: the connection is reset (TCP RST) instead. The target has
// run the request by then, so this models a lost reply, which makes a client
// that retries run the request twice. It applies to open connections and new
// ones; chunks that Blackhole or HalfOpen drop take no draw. The draws come
// from a PRNG seeded with seed, so a run that sends the same chunks sees the
// same resets. A rate of 0 turns this off; 1 resets on every reply.
func (p *Proxy) ResetReplies(rate float64, seed int64) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.resetRate = min(max(rate, 0), 1)
	p.rng = rand.New(rand.NewPCG(uint64(seed), 0))
}

// Refuse stops listening, so new connections are refused (ECONNREFUSED), and
// resets every open connection. Heal listens on the same port again.
func (p *Proxy) Refuse() {
	p.mu.Lock()
	defer p.mu.Unlock()
	if err := p.stopListening(); err != nil {
		p.fail(fmt.Errorf("faultproxy: refuse: %w", err))
	}
	p.resetLinks()
}

// Heal makes the proxy transparent again: no latency, no blackhole, no
// half-open link, no resets, and it listens again if it was refusing. Chunks
// already delayed keep their delay. Connections that Blackhole or HalfOpen
// already poisoned stay poisoned: their client has lost data or replies and
// can only time out on them, as after a real network fault, so healing them
// would hand it a stream out of step with its requests. New connections are
// clean. When the port cannot be listened on again, the proxy keeps refusing
// and reports the error through Err.
func (p *Proxy) Heal() {
	p.latency.Store(0)
	p.mu.Lock()
	defer p.mu.Unlock()
	p.blackhole, p.halfOpen = false, false
	p.resetRate = 0
	if p.ln != nil || p.closed {
		return
	}
	if err := p.listen(); err != nil {
		p.fail(fmt.Errorf("faultproxy: heal: listening on %s again: %w", p.addr, err))
	}
}

// resetLink resets l and counts it. The count changes under the lock the RST
// is sent under, so a client that saw the RST sees it counted.
func (p *Proxy) resetLink(l *link) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if l.reset() {
		p.stats.Resets++
		p.notify()
	}
}

// resetLinks resets every open link. p.mu must be held.
func (p *Proxy) resetLinks() {
	for l := range p.links {
		if l.reset() {
			p.stats.Resets++
		}
	}
	p.notify()
}

// resetReply reports whether the next reply chunk is to be replaced by a reset.
func (p *Proxy) resetReply() bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.resetRate == 0 {
		return false
	}
	return p.rng.Float64() < p.resetRate
}
