// Package coarse is a clock for hot paths: the wall clock in Unix nanoseconds,
// read with one atomic load, refreshed every millisecond while it is read and
// stopped when nobody reads it. Reading time.Now costs more than a whole
// closed-circuit call of the breaker on some machines (60 ns on a kvm-clock VM);
// circuit windows are cut into buckets of seconds, so a millisecond of
// staleness is far below what a decision can see.
package coarse

import (
	"sync"
	"sync/atomic"
	"time"
)

// Nanos returns the wall clock in Unix nanoseconds, at most two milliseconds
// (plus scheduling delay) stale. Its common case is one atomic load, small
// enough to be inlined. It is safe for concurrent use.
func Nanos() int64 {
	if n := global.fast.Load(); n != 0 {
		return n
	}
	return global.slow()
}

// Mono returns a monotonic clock, in nanoseconds since the package was loaded,
// as stale as Nanos: it never jumps when the wall clock is set. It is safe for
// concurrent use.
func Mono() int64 {
	if n := global.monoFast.Load(); n != 0 {
		return n
	}
	return global.slowMono()
}

// MonoNow returns the monotonic clock of Mono read exactly, for the moments that
// are worth a clock read (a reply from a server, say).
func MonoNow() int64 { return int64(time.Since(loaded)) }

// loaded is the origin of Mono; time.Since on it reads the monotonic clock.
var loaded = time.Now()

// resolution is how stale the coarse clock may be. Circuit windows are cut
// into buckets of seconds, so a millisecond is far below what a decision can see.
const resolution = time.Millisecond

// clock serves the hot path with the wall clock read at most once per
// resolution, because reading it on every call costs more than the rest of
// the call together. It ticks only while it is read: a tick that finds no reader
// since the last one stops it, and the next reader starts it again.
//
// Each tick publishes the time in nanos and clears fast; the first reader after
// the tick marks the clock as read and copies the time into fast, where every
// later reader of that tick finds it with one atomic load. A reader that copies
// just as a tick lands may leave fast one tick stale until the next tick.
type clock struct {
	fast     atomic.Int64 // the time, once read since the last tick; 0 otherwise
	nanos    atomic.Int64 // the time at the last tick; 0 while stopped
	monoFast atomic.Int64 // fast, of the monotonic clock
	mono     atomic.Int64 // nanos, of the monotonic clock
	read     atomic.Bool  // read since the last tick
	running  atomic.Bool
	once     sync.Once
	timer    *time.Timer // created stopped, once; ticks re-arm it
}

var global clock

// slow starts the clock, or marks it as read since its last tick and
// publishes the tick's time for the readers after it.
func (c *clock) slow() int64 {
	n := c.nanos.Load()
	if n == 0 {
		return c.start()
	}
	if !c.publish(n) {
		return time.Now().UnixNano()
	}
	return n
}

// slowMono is slow for the monotonic clock. While the clock is stopped, or
// starting on another goroutine, its monotonic time is the one it stopped at,
// which may be minutes old: the reader then reads the clock itself.
func (c *clock) slowMono() int64 {
	n := c.nanos.Load()
	if n == 0 {
		c.start()
		return MonoNow()
	}
	m := c.mono.Load()
	if !c.publish(n) {
		return MonoNow()
	}
	return m
}

// publish marks the clock as read and publishes the last tick's times, unless
// the clock stopped meanwhile: then it takes back what it published and
// reports false. A reading published after the clock stopped would be served
// to every later reader, and the clock never started again: frozen. The
// check after publishing closes that race with the order tick stops in.
func (c *clock) publish(n int64) bool {
	c.read.Store(true)
	m := c.mono.Load()
	c.monoFast.CompareAndSwap(0, m)
	c.fast.CompareAndSwap(0, n)
	if c.running.Load() {
		return true
	}
	c.fast.CompareAndSwap(n, 0)
	c.monoFast.CompareAndSwap(m, 0)
	return false
}

func (c *clock) start() int64 {
	t := time.Now()
	now := t.UnixNano()
	if !c.running.CompareAndSwap(false, true) {
		return now
	}
	c.read.Store(true)
	c.mono.Store(int64(t.Sub(loaded)))
	c.nanos.Store(now)
	c.once.Do(func() {
		c.timer = time.AfterFunc(time.Hour, c.tick)
		c.timer.Stop()
	})
	c.timer.Reset(resolution)
	return now
}

func (c *clock) tick() {
	c.fast.Store(0)
	c.monoFast.Store(0)
	if !c.read.Swap(false) {
		// Stop in this order: a reader that publishes checks running
		// afterwards and takes its reading back when the clock stopped, and
		// one that checked before running was cleared had published before
		// the clears that follow it.
		c.running.Store(false)
		c.nanos.Store(0)
		c.fast.Store(0)
		c.monoFast.Store(0)
		return
	}
	t := time.Now()
	c.mono.Store(int64(t.Sub(loaded)))
	c.nanos.Store(t.UnixNano())
	c.timer.Reset(resolution)
}
