// Package fakeclock provides a clock that moves only when told, for tests of
// code protected by breakergen: give it to runtime.WithClock and every
// cool-down, window and reservation of in-memory storage follows it, so tests
// need no sleeps.
package fakeclock

import (
	"sync"
	"time"
)

// Clock is a runtime.Clock (and a func() time.Time, through Now) that stands
// still until Advance or Set moves it. It is safe for concurrent use.
type Clock struct {
	mu  sync.Mutex
	now time.Time
}

// New returns a Clock showing start.
func New(start time.Time) *Clock {
	return &Clock{now: start}
}

// Now returns the clock's time.
func (c *Clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

// Advance moves the clock forward by d (backward for a negative d).
func (c *Clock) Advance(d time.Duration) {
	c.mu.Lock()
	c.now = c.now.Add(d)
	c.mu.Unlock()
}

// Set moves the clock to t.
func (c *Clock) Set(t time.Time) {
	c.mu.Lock()
	c.now = t
	c.mu.Unlock()
}
