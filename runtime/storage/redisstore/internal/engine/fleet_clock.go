package engine

import (
	"sync/atomic"
	"time"

	"github.com/breakergen/breakergen/internal/hotpath/coarse"
)

// serverClock estimates the Redis server's clock between scripts, from the TIME
// each script returns and the local monotonic clock: a fleet store decides
// locally on the server's time, so a client whose wall clock is an hour off, or
// is set while the process runs, decides as the others do. It is safe for
// concurrent use.
type serverClock struct {
	offset atomic.Int64 // server microseconds minus local monotonic microseconds
	back   atomic.Int64 // an offset far behind, waiting to be confirmed; 0 for none
	known  atomic.Bool
	// test is the store's test offset, added to the server's time inside every
	// script: replies are learnt without the offset they were sent with, and
	// estimates carry the offset of the moment, so tests move time at once.
	test *atomic.Int64
	// local is the process's monotonic clock the estimate runs on; real is
	// set when it is RealClock, which nowUS then reads directly: every
	// decision of the hot path reads the estimate, and a call through the
	// interface cannot be inlined.
	local Clock
	real  bool
}

// learn takes serverUS, the server's time in a reply just received to a script
// sent with the test offset sent. A reply whose offset changed while it was on
// its way (a test moved time) tells nothing and is ignored. A reply
// that says the server is behind the estimate was delayed on its way, or sent
// before a newer one: it is ignored, so the estimate never steps back for a
// slow reply. A clock set back on the server is taken when two replies in a row
// say so, each more than maxReplyDelay behind.
func (c *serverClock) learn(serverUS, sent int64) {
	if c.test.Load() != sent {
		return
	}
	offset := serverUS - sent - c.local.Now()/1000
	for {
		cur := c.offset.Load()
		if c.known.Load() && offset < cur {
			if cur-offset < maxReplyDelay.Microseconds() || !c.confirmBack(offset) {
				return
			}
		} else {
			c.back.Store(0)
		}
		if c.offset.CompareAndSwap(cur, offset) {
			c.known.Store(true)
			return
		}
	}
}

// confirmBack reports whether an earlier reply already said the server's clock
// went back to about offset; otherwise it keeps offset for the next reply to
// confirm.
func (c *serverClock) confirmBack(offset int64) bool {
	prev := c.back.Swap(offset)
	d := prev - offset
	return prev != 0 && d < maxReplyDelay.Microseconds() && d > -maxReplyDelay.Microseconds()
}

// maxReplyDelay is the delay past which a reply's time is taken as the server's
// clock set back rather than a slow reply.
const maxReplyDelay = time.Second

// nowUS returns the server's time now, in Unix microseconds, as estimated (two
// milliseconds stale at most, plus the network delay of the last reply). It is
// 0 until a reply was learnt.
func (c *serverClock) nowUS() int64 {
	if !c.known.Load() {
		return 0
	}
	var local int64
	if c.real {
		local = coarse.Mono()
	} else {
		local = c.local.Coarse()
	}
	return local/1000 + c.offset.Load() + c.test.Load()
}
