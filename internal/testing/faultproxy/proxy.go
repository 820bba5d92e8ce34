package faultproxy

import (
	"errors"
	"fmt"
	"math/rand/v2"
	"net"
	"sync"
	"sync/atomic"
	"testing"
)

// Proxy forwards TCP connections from its own loopback address to a target and
// injects the faults its methods switch on. The zero value is not usable; make
// one with New or Start. A Proxy is safe for concurrent use, and every method
// but WaitFor and Close returns without waiting on a connection.
type Proxy struct {
	target string
	addr   string
	// report, when set by Start, fails the test on an error met in the
	// background, so a lost listener does not pass for a refusing proxy.
	report func(error)

	// latency is read for every chunk, so it lives outside mu.
	latency atomic.Int64

	mu        sync.Mutex
	ln        net.Listener // nil while refusing and after Close
	closed    bool
	links     map[*link]struct{}
	blackhole bool
	halfOpen  bool
	resetRate float64
	rng       *rand.Rand
	stats     Stats
	changed   chan struct{} // closed and replaced on every change of stats
	err       error

	// wg counts the accept loops and the links, so Close can wait for all of
	// the proxy's goroutines.
	wg sync.WaitGroup
}

// New starts a proxy that listens on a free 127.0.0.1 port and forwards every
// accepted connection to target, a host:port. Call Close to stop it.
func New(target string) (*Proxy, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, fmt.Errorf("faultproxy: listen: %w", err)
	}
	p := &Proxy{
		target:  target,
		addr:    ln.Addr().String(),
		ln:      ln,
		links:   make(map[*link]struct{}),
		changed: make(chan struct{}),
	}
	p.wg.Add(1)
	go p.serve(ln)
	return p, nil
}

// Start is New for a test: it fails the test when the proxy cannot listen, or
// later when the proxy meets an error in the background (see Err), and closes
// the proxy when the test ends.
func Start(t testing.TB, target string) *Proxy {
	t.Helper()
	p, err := New(target)
	if err != nil {
		t.Fatal(err)
	}
	p.mu.Lock()
	p.report = func(err error) { t.Errorf("%v", err) }
	p.mu.Unlock()
	t.Cleanup(func() {
		if err := p.Close(); err != nil {
			t.Errorf("%v", err)
		}
	})
	return p
}

// Addr returns the address clients dial, 127.0.0.1:port. It stays the same for
// the proxy's whole life, across Refuse and Heal.
func (p *Proxy) Addr() string { return p.addr }

// Close stops listening, closes every connection and waits for the proxy's
// goroutines to end, which they do at once since nothing they wait on is left
// open. Closing a closed proxy does nothing and returns nil.
func (p *Proxy) Close() error {
	p.mu.Lock()
	var err error
	if !p.closed {
		p.closed = true
		err = p.stopListening()
		for l := range p.links {
			l.close()
		}
	}
	p.mu.Unlock()
	p.wg.Wait()
	if err != nil {
		return fmt.Errorf("faultproxy: close: %w", err)
	}
	return nil
}

// Err returns the first error the proxy met outside a method's return value:
// a failed Accept, or Heal failing to listen on its port again (another
// process took it). A proxy made by Start also fails its test with it.
func (p *Proxy) Err() error {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.err
}

// fail records err for Err and reports it. p.mu must be held.
func (p *Proxy) fail(err error) {
	if p.err == nil {
		p.err = err
	}
	if p.report != nil {
		p.report(err)
	}
}

// listen starts listening on the proxy's address again, after Refuse. p.mu
// must be held.
func (p *Proxy) listen() error {
	ln, err := net.Listen("tcp", p.addr)
	if err != nil {
		return err
	}
	p.ln = ln
	p.wg.Add(1)
	go p.serve(ln)
	return nil
}

// stopListening closes the listener, if any. p.mu must be held.
func (p *Proxy) stopListening() error {
	if p.ln == nil {
		return nil
	}
	err := p.ln.Close()
	p.ln = nil
	return err
}

// serve accepts connections on ln until ln is closed.
func (p *Proxy) serve(ln net.Listener) {
	defer p.wg.Done()
	for {
		c, err := ln.Accept()
		if err != nil {
			if !errors.Is(err, net.ErrClosed) {
				p.mu.Lock()
				p.fail(fmt.Errorf("faultproxy: accept: %w", err))
				p.mu.Unlock()
			}
			return
		}
		p.admit(ln, c.(*net.TCPConn))
	}
}

// admit starts a link for a connection ln accepted, unless the proxy stopped
// listening on ln meanwhile (Refuse or Close): then the connection is reset,
// as the ones already open were.
func (p *Proxy) admit(ln net.Listener, c *net.TCPConn) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.closed || p.ln != ln {
		rst(c)
		if !p.closed {
			p.stats.Resets++
			p.notify()
		}
		return
	}
	l := newLink(p, c)
	l.blackhole.Store(p.blackhole)
	l.halfOpen.Store(p.halfOpen)
	p.links[l] = struct{}{}
	p.stats.Accepted++
	p.notify()
	p.wg.Add(1)
	go l.run()
}

// forget removes a link that has ended.
func (p *Proxy) forget(l *link) {
	p.mu.Lock()
	defer p.mu.Unlock()
	delete(p.links, l)
	p.notify()
}
