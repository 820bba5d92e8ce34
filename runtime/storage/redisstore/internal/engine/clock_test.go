package engine

import (
	"sync/atomic"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
	"github.com/stretchr/testify/assert"
)

// fakeClock is a Clock that moves only when a test moves it; Coarse is as
// fresh as Now.
type fakeClock struct{ now atomic.Int64 }

func (c *fakeClock) Now() int64              { return c.now.Load() }
func (c *fakeClock) Coarse() int64           { return c.now.Load() }
func (c *fakeClock) advance(d time.Duration) { c.now.Add(int64(d)) }

// fakeEngine returns a fleet engine on a fake clock, with a client that is
// never used: nothing here sends a command.
func fakeEngine(t *testing.T, stale time.Duration) (*Engine, *fakeClock) {
	client := redis.NewClient(&redis.Options{Addr: "127.0.0.1:1"})
	t.Cleanup(func() { _ = client.Close() })
	clock := &fakeClock{}
	clock.advance(time.Hour) // far from the origin, as a process that has run a while
	cfg := Config{Prefix: "p", Buckets: 10, Flush: 100 * time.Millisecond, Refresh: time.Second,
		Stale: stale, Quorum: 2, Acks: -1, StateTTL: time.Hour}
	return New(client, cfg, clock), clock
}

// TestStaleBoundOnTheEnginesClock drives the staleness bound with the
// engine's clock alone: an exchange waiting for just the bound is not stale,
// one nanosecond more is, and an answer ends it; the link is quiet once
// nothing was answered for a sixth of the bound, when the link watcher pings.
func TestStaleBoundOnTheEnginesClock(t *testing.T) {
	const bound = 3 * time.Second
	e, clock := fakeEngine(t, bound)
	l := &e.link
	l.done(nil) // answered now
	assert.False(t, l.stale(clock.Now(), bound), "nothing waits")
	assert.False(t, l.quiet(clock.Now(), bound/6))

	l.sent(clock.Now())
	clock.advance(bound)
	assert.False(t, l.stale(clock.Now(), bound), "waited exactly the bound")
	assert.True(t, l.quiet(clock.Now(), bound/6), "nothing answered for a sixth of the bound")
	assert.True(t, l.down(clock.Now(), bound/6))
	clock.advance(time.Nanosecond)
	assert.True(t, l.stale(clock.Now(), bound), "waited past the bound")

	l.done(nil) // Redis answers: the answer is timed by the engine's clock
	assert.False(t, l.stale(clock.Now(), bound))
	assert.False(t, l.quiet(clock.Now(), bound/6))
	clock.advance(bound/6 + time.Nanosecond)
	assert.True(t, l.quiet(clock.Now(), bound/6))
	assert.False(t, l.down(clock.Now(), bound/6), "quiet, but nothing waits")
}

// TestServerClockRunsOnTheEnginesClock checks that the estimate of the
// server's time, learnt from a reply, advances with the engine's clock
// between replies, and moves with the test offset at once.
func TestServerClockRunsOnTheEnginesClock(t *testing.T) {
	e, clock := fakeEngine(t, 3*time.Second)
	sc := &e.fleet.clock
	assert.Zero(t, sc.nowUS(), "unknown before a reply")
	const server = int64(1_700_000_000_000_000) // Unix microseconds
	sc.learn(server, e.offset.Load())
	assert.Equal(t, server, sc.nowUS())

	clock.advance(2500 * time.Millisecond)
	assert.Equal(t, server+2_500_000, sc.nowUS(), "the estimate follows the local clock")

	e.Advance(time.Minute)
	assert.Equal(t, server+2_500_000+60_000_000, sc.nowUS(), "and the test offset")

	// A reply sent before the offset moved tells nothing.
	sc.learn(server, 0)
	assert.Equal(t, server+2_500_000+60_000_000, sc.nowUS())
}

// TestReportTouchOnTheEnginesClock checks that a report writes the process's
// report time half a window after it last did, and not sooner, as the
// engine's clock moves the estimate of the server's time.
func TestReportTouchOnTheEnginesClock(t *testing.T) {
	e, clock := fakeEngine(t, 3*time.Second)
	e.fleet.clock.learn(1_700_000_000_000_000, e.offset.Load())
	const width, buckets = 100_000, 10 // a one-second window, in microseconds
	c := &fcircuit{f: e.fleet, h: &handle{s: e, name: "c", width: width, buckets: buckets}}
	half := time.Duration(width*buckets/2) * time.Microsecond

	assert.True(t, c.touchDue(), "never touched")
	assert.False(t, c.touchDue(), "just touched")
	clock.advance(half - time.Microsecond)
	assert.False(t, c.touchDue(), "a microsecond short of half a window")
	clock.advance(time.Microsecond)
	assert.True(t, c.touchDue(), "half a window later")
	assert.False(t, c.touchDue())
}

// TestLazyReportsWaitForClosedBuckets checks, on the engine's clock, when a
// circuit far below its threshold sends its outcomes: once two buckets have
// closed (and its turn in the next has come), and once one has when its own
// failure rate is between a quarter and half the threshold.
func TestLazyReportsWaitForClosedBuckets(t *testing.T) {
	tests := []struct {
		name     string
		failures int // of 100 calls, in the first bucket
		span     int64
	}{
		{"1% failures waits for two buckets", 1, 2},
		{"no failures waits for two buckets", 0, 2},
		{"20% failures waits for one bucket", 20, 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e, clock := fakeEngine(t, 3*time.Second)
			const width = 100_000 // microseconds: a one-second window of ten buckets
			// The server's clock at the start of a bucket.
			e.fleet.clock.learn(1_700_000_000_000_000, e.offset.Load())
			c := newFcircuit(e.fleet, &handle{s: e, name: "c", width: width, buckets: 10, rate: 0.5})
			c.reported.Store(true)
			c.cache.Store(&cached{known: true})
			for i := range 100 {
				c.count(i >= tt.failures)
			}
			first := c.epoch()
			assert.Equal(t, tt.span, c.lazySpan(tt.failures, 100))
			// Past the latest turn of every bucket: a quarter of it.
			due := func(buckets int64) bool {
				clock.advance(time.Duration(buckets*width) * time.Microsecond)
				return c.due(c.epoch())
			}
			clock.advance(time.Duration(width/4) * time.Microsecond)
			assert.False(t, c.due(c.epoch()), "the bucket has not closed")
			assert.Equal(t, tt.span == 1, due(1), "one bucket closed")
			if tt.span == 2 {
				assert.True(t, due(1), "two buckets closed")
			}
			assert.Equal(t, first, c.since.Load())
		})
	}
}

// TestCountsReadOnceAWindowFarBelow checks, on the engine's clock, when a
// report reads the shared counts again: once they are half a window old for
// a circuit that reports every bucket, a whole window far below the
// threshold (its reports wait two buckets).
func TestCountsReadOnceAWindowFarBelow(t *testing.T) {
	e, clock := fakeEngine(t, 3*time.Second)
	e.fleet.clock.learn(1_700_000_000_000_000, e.offset.Load())
	const width, buckets = 100_000, 10 // a one-second window, in microseconds
	c := &fcircuit{f: e.fleet, h: &handle{s: e, name: "c", width: width, buckets: buckets}}
	c.cache.Store(&cached{known: true, countsAt: c.f.clock.nowUS()})
	half := time.Duration(width*buckets/2) * time.Microsecond

	clock.advance(half)
	assert.False(t, c.countsOld(1), "exactly half a window old")
	clock.advance(time.Microsecond)
	assert.True(t, c.countsOld(1), "past half a window, reporting every bucket")
	assert.False(t, c.countsOld(2), "past half a window, far below the threshold")
	clock.advance(half)
	assert.True(t, c.countsOld(2), "past a window, far below the threshold")
}
