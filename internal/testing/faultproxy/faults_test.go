package faultproxy_test

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/breakergen/breakergen/internal/testing/faultproxy"
)

func TestLatency(t *testing.T) {
	const d = 100 * time.Millisecond
	echo := startEcho(t)
	p := faultproxy.Start(t, echo.addr())
	c := dial(t, p.Addr())
	roundTrip(t, c, "warm") // the dial to the target is not part of the latency

	p.SetLatency(d)
	start := time.Now()
	roundTrip(t, c, "slow")
	elapsed := time.Since(start)
	assert.GreaterOrEqual(t, elapsed, 2*d, "a round trip crosses the proxy twice")
	assert.Less(t, elapsed, 2*d+2*time.Second)

	// Chunks sent one after the other are delayed in a pipeline, in order.
	start = time.Now()
	for _, s := range []string{"a", "b", "c", "d", "e"} {
		_, err := c.Write([]byte(s))
		require.NoError(t, err)
	}
	roundTripRead(t, c, "abcde")
	elapsed = time.Since(start)
	assert.GreaterOrEqual(t, elapsed, 2*d)
	assert.Less(t, elapsed, 2*d+2*time.Second)

	p.SetLatency(0)
	start = time.Now()
	roundTrip(t, c, "fast")
	assert.Less(t, time.Since(start), 2*d)
}

// roundTripRead reads want from c.
func roundTripRead(t *testing.T, c interface{ Read([]byte) (int, error) }, want string) {
	t.Helper()
	var got []byte
	buf := make([]byte, 64)
	for len(got) < len(want) {
		n, err := c.Read(buf)
		require.NoError(t, err)
		got = append(got, buf[:n]...)
	}
	assert.Equal(t, want, string(got))
}

func TestBlackhole(t *testing.T) {
	echo := startEcho(t)
	p := faultproxy.Start(t, echo.addr())
	old := dial(t, p.Addr())
	roundTrip(t, old, "hello")
	echo.received(t, "hello")

	p.Blackhole()
	_, err := old.Write([]byte("lost"))
	require.NoError(t, err)
	assertSilent(t, old)
	fresh := dial(t, p.Addr()) // accepted, held silent
	_, err = fresh.Write([]byte("gone"))
	require.NoError(t, err)
	assertSilent(t, fresh)
	waitStats(t, p, func(s faultproxy.Stats) bool { return s.DroppedUp == 8 })
	echo.receivedNothing(t)
	assert.Equal(t, int64(2), p.Stats().Active)

	// Heal leaves poisoned connections poisoned and makes new ones clean.
	p.Heal()
	_, err = old.Write([]byte("still lost"))
	require.NoError(t, err)
	assertSilent(t, old)
	roundTrip(t, dial(t, p.Addr()), "healed")
	echo.received(t, "healed")
}

func TestHalfOpen(t *testing.T) {
	echo := startEcho(t)
	p := faultproxy.Start(t, echo.addr())
	c := dial(t, p.Addr())
	roundTrip(t, c, "hello")
	echo.received(t, "hello")

	p.HalfOpen()
	_, err := c.Write([]byte("ping"))
	require.NoError(t, err)
	echo.received(t, "ping")
	waitStats(t, p, func(s faultproxy.Stats) bool { return s.DroppedDown == 4 })
	assertSilent(t, c)

	fresh := dial(t, p.Addr())
	_, err = fresh.Write([]byte("new"))
	require.NoError(t, err)
	echo.received(t, "new")
	assertSilent(t, fresh)

	// Heal leaves both poisoned; a new connection gets replies again.
	p.Heal()
	roundTrip(t, dial(t, p.Addr()), "healed")
	_, err = c.Write([]byte("still"))
	require.NoError(t, err)
	echo.received(t, "healed"+"still")
	assertSilent(t, c)

	// The target's FIN is kept from a poisoned client too: it keeps waiting.
	echo.stop()
	assertSilent(t, fresh)
}

func TestResetAll(t *testing.T) {
	echo := startEcho(t)
	p := faultproxy.Start(t, echo.addr())
	c1, c2 := dial(t, p.Addr()), dial(t, p.Addr())
	roundTrip(t, c1, "one")
	roundTrip(t, c2, "two")

	p.ResetAll()
	assertReset(t, c1)
	assertReset(t, c2)
	assert.Equal(t, int64(2), p.Stats().Resets)
	waitStats(t, p, func(s faultproxy.Stats) bool { return s.Active == 0 })

	roundTrip(t, dial(t, p.Addr()), "new connections are fine")
	assert.Equal(t, int64(2), p.Stats().Resets)
}

func TestResetReplies(t *testing.T) {
	t.Run("rate=1", func(t *testing.T) {
		echo := startEcho(t)
		p := faultproxy.Start(t, echo.addr())
		p.ResetReplies(1, 42)
		for i := range 3 {
			c := dial(t, p.Addr())
			_, err := c.Write([]byte("x"))
			require.NoError(t, err)
			echo.received(t, "x") // the server ran the request
			assertReset(t, c)
			assert.Equal(t, int64(i+1), p.Stats().Resets)
		}
	})
	t.Run("rate=0", func(t *testing.T) {
		echo := startEcho(t)
		p := faultproxy.Start(t, echo.addr())
		p.ResetReplies(0, 42)
		c := dial(t, p.Addr())
		for range 20 {
			roundTrip(t, c, "x")
		}
		assert.Zero(t, p.Stats().Resets)
	})
	t.Run("seeded", func(t *testing.T) {
		first := resetPattern(t, 0.5, 42)
		assert.Equal(t, first, resetPattern(t, 0.5, 42), "same seed, same resets")
		assert.Contains(t, first, "R")
		assert.Contains(t, first, ".")
	})
}

// resetPattern sends one single-byte request on each of 16 fresh connections
// through a proxy with ResetReplies(rate, seed) and returns the outcomes: R for
// a reset, . for a reply. A single byte cannot be split into two chunks.
func resetPattern(t *testing.T, rate float64, seed int64) string {
	t.Helper()
	echo := startEcho(t)
	p := faultproxy.Start(t, echo.addr())
	p.ResetReplies(rate, seed)
	var pattern []byte
	for range 16 {
		c := dial(t, p.Addr())
		_, err := c.Write([]byte("x"))
		require.NoError(t, err)
		require.NoError(t, c.SetReadDeadline(time.Now().Add(bound)))
		if _, err := c.Read(make([]byte, 1)); err != nil {
			pattern = append(pattern, 'R')
		} else {
			pattern = append(pattern, '.')
		}
		require.NoError(t, c.Close())
	}
	return string(pattern)
}
