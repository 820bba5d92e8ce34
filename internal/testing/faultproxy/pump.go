package faultproxy

import (
	"errors"
	"io"
	"net"
	"time"
)

// A chunk is the data one read returned, or, as the last chunk of a
// direction, the error that ended the reading (io.EOF for a FIN).
type chunk struct {
	data []byte
	err  error
	due  time.Time // when it may be forwarded
}

// bufSize is the most one read takes from a socket.
const bufSize = 32 << 10

// read reads src into q until src ends. Each chunk is stamped with the time it
// may be forwarded, so the latency runs while later chunks are read.
func (l *link) read(src *net.TCPConn, q chan<- chunk) {
	buf := make([]byte, bufSize)
	for {
		n, err := src.Read(buf)
		c := chunk{err: err, due: time.Now().Add(time.Duration(l.p.latency.Load()))}
		if n > 0 {
			c.data = append([]byte(nil), buf[:n]...)
		}
		select {
		case q <- c:
		case <-l.ctx.Done():
			return
		}
		if err != nil {
			return
		}
	}
}

// write forwards the chunks of q to dst when they are due, unless the link's
// faults drop them. dst is the target when up is true, the client otherwise;
// it is nil on a link blackholed from the start.
func (l *link) write(dst *net.TCPConn, q <-chan chunk, up bool) {
	for {
		var c chunk
		select {
		case c = <-q:
		case <-l.ctx.Done():
			return
		}
		if !l.wait(c.due) {
			return
		}
		if len(c.data) > 0 && !l.forward(dst, c.data, up) {
			return
		}
		if c.err != nil {
			l.finish(dst, c.err, up)
			return
		}
	}
}

// forward writes data to dst, drops it, or resets the link in its place. It
// reports whether the link goes on.
func (l *link) forward(dst *net.TCPConn, data []byte, up bool) bool {
	if l.drops(dst, up) {
		l.p.count(up, true, len(data))
		return true
	}
	if !up && l.p.resetReply() {
		l.p.count(up, true, len(data))
		l.p.resetLink(l)
		return false
	}
	// Counted before the write, so whoever has seen the data sees it counted.
	l.p.count(up, false, len(data))
	if n, err := dst.Write(data); err != nil {
		l.p.count(up, false, n-len(data))
		l.close()
		return false
	}
	return true
}

// finish passes on the end of one direction. A FIN is forwarded as a FIN, so
// a client may half-close; any other error ends the link. On a poisoned link
// nothing reaches the client: the end of a blackholed client ends the link,
// as there is nothing left to hold, while the end of the target is kept from
// the client.
func (l *link) finish(dst *net.TCPConn, err error, up bool) {
	switch {
	case l.drops(dst, up):
		if up {
			l.close()
		}
	case !errors.Is(err, io.EOF):
		l.close()
	default:
		if dst.CloseWrite() != nil {
			l.close()
		}
	}
}

// drops reports whether the link's faults drop data sent towards dst.
func (l *link) drops(dst *net.TCPConn, up bool) bool {
	if dst == nil || l.blackhole.Load() {
		return true
	}
	return !up && l.halfOpen.Load()
}

// wait waits until due, and reports false when the link ends first.
func (l *link) wait(due time.Time) bool {
	d := time.Until(due)
	if d <= 0 {
		return true
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return true
	case <-l.ctx.Done():
		return false
	}
}
