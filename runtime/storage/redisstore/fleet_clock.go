package redisstore

import (
	"sync/atomic"

	"github.com/breakergen/breakergen/internal/coarse"
)

// serverClock estimates the Redis server's clock between scripts, from the TIME
// each script returns and the local monotonic clock: a fleet store decides
// locally on the server's time, so a client whose wall clock is an hour off, or
// is set while the process runs, decides as the others do. It is safe for
// concurrent use.
type serverClock struct {
	offset atomic.Int64 // server microseconds minus local monotonic microseconds
	known  atomic.Bool
}

// learn takes serverUS, the server's time in a reply just received.
func (c *serverClock) learn(serverUS int64) {
	c.offset.Store(serverUS - coarse.MonoNow()/1000)
	c.known.Store(true)
}

// nowUS returns the server's time now, in Unix microseconds, as estimated (two
// milliseconds stale at most, plus the network delay of the last reply). It is
// 0 until a reply was learnt.
func (c *serverClock) nowUS() int64 {
	if !c.known.Load() {
		return 0
	}
	return coarse.Mono()/1000 + c.offset.Load()
}

// shift moves the estimate by us microseconds (tests move the server's time).
func (c *serverClock) shift(us int64) { c.offset.Add(us) }
