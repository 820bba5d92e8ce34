package faultproxy

import (
	"context"
	"net"
	"sync"
	"sync/atomic"
)

// A link is one client connection and, unless it was blackholed from the
// start, its connection to the target.
type link struct {
	p      *Proxy
	client *net.TCPConn
	// ctx is cancelled when the link ends, to stop its dial and its delays.
	ctx    context.Context
	cancel context.CancelFunc

	// blackhole and halfOpen are the faults this link was poisoned with. They
	// are never cleared: see Heal.
	blackhole atomic.Bool
	halfOpen  atomic.Bool

	mu     sync.Mutex
	server *net.TCPConn // nil until dialled
	ended  bool
}

func newLink(p *Proxy, client *net.TCPConn) *link {
	ctx, cancel := context.WithCancel(context.Background())
	return &link{p: p, client: client, ctx: ctx, cancel: cancel}
}

// queueLen bounds the chunks in flight in one direction, so a slow reader
// slows its writer as TCP would.
const queueLen = 16

// run dials the target and forwards in both directions until the link ends.
// A link blackholed from the start never dials: its client only gets silence.
func (l *link) run() {
	defer l.p.wg.Done()
	defer l.p.forget(l)
	var server *net.TCPConn
	if !l.blackhole.Load() {
		var ok bool
		if server, ok = l.dial(); !ok {
			return
		}
	}
	var wg sync.WaitGroup
	up := make(chan chunk, queueLen)
	wg.Go(func() { l.read(l.client, up) })
	wg.Go(func() { l.write(server, up, true) })
	if server != nil {
		down := make(chan chunk, queueLen)
		wg.Go(func() { l.read(server, down) })
		wg.Go(func() { l.write(l.client, down, false) })
	}
	wg.Wait()
	l.close()
}

// dial connects to the target. When the target refuses, the client is reset,
// which is what it would see without the proxy. It reports false when the
// link has ended.
func (l *link) dial() (*net.TCPConn, bool) {
	var d net.Dialer
	c, err := d.DialContext(l.ctx, "tcp", l.p.target)
	if err != nil {
		l.p.resetLink(l)
		return nil, false
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.ended {
		c.Close()
		return nil, false
	}
	l.server = c.(*net.TCPConn)
	return l.server, true
}

// close ends the link, closing both connections normally. It reports whether
// the link was still open.
func (l *link) close() bool { return l.end(false) }

// reset ends the link, closing both connections with a TCP RST. It reports
// whether the link was still open.
func (l *link) reset() bool { return l.end(true) }

func (l *link) end(withRST bool) bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.ended {
		return false
	}
	l.ended = true
	l.cancel()
	for _, c := range []*net.TCPConn{l.client, l.server} {
		switch {
		case c == nil:
		case withRST:
			rst(c)
		default:
			c.Close()
		}
	}
	return true
}

// rst closes c with a TCP RST rather than a FIN: with a zero linger the kernel
// drops unsent data and resets the connection.
func rst(c *net.TCPConn) {
	_ = c.SetLinger(0)
	_ = c.Close()
}
