package coarse

import (
	"testing"

	"github.com/stretchr/testify/assert"
)

// TestNoReadingPublishedAfterStop replays the race that froze the clock: a
// reader loads the last tick's time, the tick that finds no reader stops the
// clock, and only then does the reader publish what it loaded. The reading
// must not stay published, or every later reader would get it and none would
// start the clock again.
func TestNoReadingPublishedAfterStop(t *testing.T) {
	var c clock
	c.running.Store(true)
	c.nanos.Store(1_000)
	c.mono.Store(500)

	n := c.nanos.Load() // the reader, before the tick
	c.tick()            // no reader since the last tick: the clock stops
	assert.False(t, c.publish(n), "a reading published after the clock stopped")
	assert.Zero(t, c.fast.Load(), "the wall reading left published")
	assert.Zero(t, c.monoFast.Load(), "the monotonic reading left published")
	assert.False(t, c.running.Load())
}
