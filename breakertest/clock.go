package breakertest

import (
	"sync"
	"time"
)

// Clock is a runtime.Clock that a test moves. A standing clock (NewClock)
// shows its start until Advance or Set moves it. A following clock
// (NewFollowingClock) shows time.Now plus whatever Advance added: inside a
// testing/synctest bubble time.Now is the bubble's fake time, which moves only
// when every goroutine of the bubble is blocked, so a time.Sleep of the
// cool-down in the test moves the breaker's time and the test's timers alike,
// without waiting. A Clock is safe for concurrent use.
type Clock struct {
	mu     sync.Mutex
	follow bool          // Now is time.Now() + offset
	now    time.Time     // a standing clock's reading
	offset time.Duration // what Advance added to a following clock
}

// DefaultStart is the instant a standing clock made by New shows first.
var DefaultStart = time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)

// NewClock returns a standing clock showing start.
func NewClock(start time.Time) *Clock {
	return &Clock{now: start}
}

// NewFollowingClock returns a clock that follows time.Now: in a
// testing/synctest bubble, the bubble's time. Make it inside the bubble.
func NewFollowingClock() *Clock {
	return &Clock{follow: true}
}

// Now returns the clock's time.
func (c *Clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.follow {
		return time.Now().Add(c.offset)
	}
	return c.now
}

// Advance moves the clock forward by d (backward for a negative d). In a
// synctest bubble, prefer time.Sleep(d): it moves the following clock and the
// bubble's timers together.
func (c *Clock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.follow {
		c.offset += d
		return
	}
	c.now = c.now.Add(d)
}

// Set moves the clock to t.
func (c *Clock) Set(t time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.follow {
		c.offset = t.Sub(time.Now())
		return
	}
	c.now = t
}
