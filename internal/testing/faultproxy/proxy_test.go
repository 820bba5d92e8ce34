package faultproxy_test

import (
	"bytes"
	"errors"
	"io"
	"math/rand/v2"
	"net"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"

	"github.com/breakergen/breakergen/internal/testing/faultproxy"
)

func TestTransparent(t *testing.T) {
	echo := startEcho(t)
	p := faultproxy.Start(t, echo.addr())
	c := dial(t, p.Addr())

	// More than the proxy's queues and the sockets' buffers hold, written
	// while it is read back, so forwarding must stream both ways.
	payload := make([]byte, 4<<20)
	_, _ = rand.NewChaCha8([32]byte{1}).Read(payload)
	var wg sync.WaitGroup
	wg.Go(func() {
		_, err := c.Write(payload)
		assert.NoError(t, err)
		// A half-close travels through the proxy: the echo server sees EOF
		// and closes, and the client then sees EOF after all the data.
		assert.NoError(t, c.CloseWrite())
	})
	require.NoError(t, c.SetReadDeadline(time.Now().Add(bound)))
	got, err := io.ReadAll(c)
	wg.Wait()
	require.NoError(t, err)
	assert.True(t, bytes.Equal(payload, got), "got %d bytes back, want the %d sent", len(got), len(payload))
	waitStats(t, p, func(s faultproxy.Stats) bool { return s.Active == 0 })
}

func TestStats(t *testing.T) {
	echo := startEcho(t)
	p := faultproxy.Start(t, echo.addr())
	c1, c2 := dial(t, p.Addr()), dial(t, p.Addr())
	roundTrip(t, c1, "abc")
	roundTrip(t, c2, "defg")

	want := faultproxy.Stats{Accepted: 2, Active: 2, BytesUp: 7, BytesDown: 7}
	// The client may read a reply before the proxy has counted it.
	waitStats(t, p, func(s faultproxy.Stats) bool { return s.BytesDown == 7 })
	assert.Equal(t, want, p.Stats())

	require.NoError(t, c1.Close())
	waitStats(t, p, func(s faultproxy.Stats) bool { return s.Active == 1 })
	want.Active = 1
	assert.Equal(t, want, p.Stats())
}

func TestRefuseHeal(t *testing.T) {
	echo := startEcho(t)
	p := faultproxy.Start(t, echo.addr())
	addr := p.Addr()
	open := dial(t, p.Addr())
	roundTrip(t, open, "before")

	p.Refuse()
	p.Refuse() // refusing twice changes nothing
	assertReset(t, open)
	_, err := net.Dial("tcp", addr)
	assert.True(t, isRefused(err), "dial while refusing: %v, want connection refused", err)
	assert.Equal(t, int64(1), p.Stats().Resets)

	p.Heal()
	assert.Equal(t, addr, p.Addr())
	roundTrip(t, dial(t, addr), "after")
	assert.NoError(t, p.Err())
}

func TestClose(t *testing.T) {
	// Registered first, so it runs after the echo server's cleanup.
	t.Cleanup(func() { goleak.VerifyNone(t) })
	echo := startEcho(t)
	p, err := faultproxy.New(echo.addr())
	require.NoError(t, err)
	c := dial(t, p.Addr())
	roundTrip(t, c, "hello")
	p.SetLatency(time.Hour) // a delayed chunk must not hold Close up
	_, err = c.Write([]byte("delayed"))
	require.NoError(t, err)
	waitStats(t, p, func(s faultproxy.Stats) bool { return s.Accepted == 1 })

	require.NoError(t, p.Close())
	require.NoError(t, p.Close(), "second Close")
	// A FIN, or a RST when the proxy had not read all the client sent.
	err = readErr(t, c, bound)
	assert.True(t, errors.Is(err, io.EOF) || errors.Is(err, syscall.ECONNRESET),
		"client of a closed proxy: %v, want EOF or connection reset", err)
	_, err = net.Dial("tcp", p.Addr())
	assert.True(t, isRefused(err), "dial a closed proxy: %v", err)
	assert.Zero(t, p.Stats().Active)

	// Faults on a closed proxy do nothing; in particular Heal does not
	// listen again.
	p.Blackhole()
	p.HalfOpen()
	p.ResetAll()
	p.ResetReplies(1, 1)
	p.Refuse()
	p.Heal()
	_, err = net.Dial("tcp", p.Addr())
	assert.True(t, isRefused(err), "dial a closed proxy after Heal: %v", err)
}

func TestTargetRefuses(t *testing.T) {
	p := faultproxy.Start(t, closedPort(t))
	// The RST may come before the client's connect returns.
	c, err := net.Dial("tcp", p.Addr())
	if err == nil {
		defer c.Close()
		err = readErr(t, c, bound)
	}
	assert.ErrorIs(t, err, syscall.ECONNRESET)
	waitStats(t, p, func(s faultproxy.Stats) bool { return s.Active == 0 })
	assert.Equal(t, int64(1), p.Stats().Resets)
}

// TestConcurrentUse switches faults while clients send, for the race detector,
// and checks that Close still leaves nothing running.
func TestConcurrentUse(t *testing.T) {
	echo := startEcho(t)
	p := faultproxy.Start(t, echo.addr())
	faults := []func(){
		func() { p.SetLatency(time.Millisecond) },
		p.Blackhole, p.HalfOpen, p.ResetAll, p.Refuse, p.Heal,
		func() { p.ResetReplies(0.5, 3) },
		func() { _ = p.Stats() },
	}
	var wg sync.WaitGroup
	for range 4 {
		wg.Go(func() {
			for i := range 10 {
				c, err := net.Dial("tcp", p.Addr())
				if err != nil {
					continue // refused
				}
				_ = c.SetDeadline(time.Now().Add(20 * time.Millisecond))
				_, _ = c.Write([]byte{byte(i)})
				_, _ = c.Read(make([]byte, 1))
				c.Close()
			}
		})
	}
	wg.Go(func() {
		for i := range 200 {
			faults[i%len(faults)]()
		}
	})
	wg.Wait()
	p.Heal()
	roundTrip(t, dial(t, p.Addr()), "still works")
	assert.NoError(t, p.Err())
}
