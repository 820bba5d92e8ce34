// Package faultproxy is a TCP proxy for tests that injects network faults
// between a client and a real server: latency, a blackholed link, a half-open
// link that loses the server's replies, connection resets (all at once, or in
// place of a reply the server has already sent), and refused connections.
//
// A fault-injection test puts a Proxy between a go-redis client and a real
// redis-server and checks that the code under test never waits longer than its
// own deadlines, whatever the network does:
//
//	srv := redistest.Start(t)
//	p := faultproxy.Start(t, srv.Addr())
//	client := redis.NewClient(&redis.Options{Addr: p.Addr(), ReadTimeout: 200 * time.Millisecond})
//	p.HalfOpen() // the server runs commands, the client never hears back
//
// Faults act on chunks, the pieces of data one read from a socket returns, so
// they follow TCP segmentation rather than protocol messages. A request and its
// reply on an idle loopback connection are each one chunk in practice.
//
// Faults that lose replies (Blackhole, HalfOpen, ResetReplies) also lose the
// reply to a new connection's handshake, such as go-redis's HELLO, so such a
// connection fails before it sends a command. A test that needs its command
// to reach the server makes its connections before switching the fault on.
package faultproxy
