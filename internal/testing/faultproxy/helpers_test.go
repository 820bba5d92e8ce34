package faultproxy_test

import (
	"context"
	"errors"
	"io"
	"net"
	"os"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/breakergen/breakergen/internal/testing/faultproxy"
)

// bound is how long a test waits for something that should happen at once,
// before it fails rather than hang; it is no sleep, only a limit.
const bound = 10 * time.Second

// silence is how long a read waits to show that nothing arrives.
const silence = 150 * time.Millisecond

// echoServer is a TCP server on loopback that sends back what it receives and
// reports every chunk it received on got.
type echoServer struct {
	ln  net.Listener
	got chan []byte
	wg  sync.WaitGroup

	mu    sync.Mutex
	conns map[net.Conn]struct{}
}

// startEcho starts an echo server that stops when the test ends.
func startEcho(t *testing.T) *echoServer {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	e := &echoServer{ln: ln, got: make(chan []byte, 1024), conns: make(map[net.Conn]struct{})}
	e.wg.Go(e.serve)
	t.Cleanup(e.stop)
	return e
}

func (e *echoServer) addr() string { return e.ln.Addr().String() }

func (e *echoServer) serve() {
	for {
		c, err := e.ln.Accept()
		if err != nil {
			return
		}
		e.mu.Lock()
		e.conns[c] = struct{}{}
		e.mu.Unlock()
		e.wg.Go(func() { e.echo(c) })
	}
}

func (e *echoServer) echo(c net.Conn) {
	defer func() {
		e.mu.Lock()
		delete(e.conns, c)
		e.mu.Unlock()
		c.Close()
	}()
	buf := make([]byte, 64<<10)
	for {
		n, err := c.Read(buf)
		if n > 0 {
			select {
			case e.got <- append([]byte(nil), buf[:n]...):
			default: // tests that read got send little
			}
			if _, werr := c.Write(buf[:n]); werr != nil {
				return
			}
		}
		if err != nil {
			return
		}
	}
}

// stop closes the listener and every connection and waits for the server's
// goroutines.
func (e *echoServer) stop() {
	e.ln.Close()
	e.mu.Lock()
	for c := range e.conns {
		c.Close()
	}
	e.mu.Unlock()
	e.wg.Wait()
}

// received waits for the server to receive want, possibly in several chunks.
func (e *echoServer) received(t *testing.T, want string) {
	t.Helper()
	var got []byte
	timeout := time.After(bound)
	for string(got) != want {
		select {
		case b := <-e.got:
			got = append(got, b...)
		case <-timeout:
			require.FailNow(t, "echo server did not receive", "want %q, got %q", want, got)
		}
	}
}

// receivedNothing checks that the server has received nothing not yet taken
// from got.
func (e *echoServer) receivedNothing(t *testing.T) {
	t.Helper()
	select {
	case b := <-e.got:
		assert.Fail(t, "echo server received data", "%q", b)
	default:
	}
}

// dial connects to addr and closes the connection when the test ends.
func dial(t *testing.T, addr string) *net.TCPConn {
	t.Helper()
	c, err := net.Dial("tcp", addr)
	require.NoError(t, err)
	t.Cleanup(func() { c.Close() })
	return c.(*net.TCPConn)
}

// roundTrip sends msg over c and reads it back.
func roundTrip(t *testing.T, c net.Conn, msg string) {
	t.Helper()
	_, err := c.Write([]byte(msg))
	require.NoError(t, err)
	require.NoError(t, c.SetReadDeadline(time.Now().Add(bound)))
	buf := make([]byte, len(msg))
	_, err = io.ReadFull(c, buf)
	require.NoError(t, err)
	assert.Equal(t, msg, string(buf))
}

// readErr reads from c for at most d and returns the error the read ended with.
func readErr(t *testing.T, c net.Conn, d time.Duration) error {
	t.Helper()
	require.NoError(t, c.SetReadDeadline(time.Now().Add(d)))
	n, err := c.Read(make([]byte, 64))
	assert.Zero(t, n, "read data")
	return err
}

// assertSilent checks that a read on c times out: no data, no FIN, no RST.
func assertSilent(t *testing.T, c net.Conn) {
	t.Helper()
	err := readErr(t, c, silence)
	assert.ErrorIs(t, err, os.ErrDeadlineExceeded)
}

// assertReset checks that a read on c fails with a connection reset.
func assertReset(t *testing.T, c net.Conn) {
	t.Helper()
	err := readErr(t, c, bound)
	assert.ErrorIs(t, err, syscall.ECONNRESET)
}

// waitStats waits until cond holds for p's stats and fails the test otherwise.
func waitStats(t *testing.T, p *faultproxy.Proxy, cond func(faultproxy.Stats) bool) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), bound)
	defer cancel()
	require.NoError(t, p.WaitFor(ctx, cond))
}

// closedPort returns a loopback address nobody listens on.
func closedPort(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	addr := ln.Addr().String()
	require.NoError(t, ln.Close())
	return addr
}

// isRefused reports whether err is a refused connection.
func isRefused(err error) bool { return errors.Is(err, syscall.ECONNREFUSED) }
