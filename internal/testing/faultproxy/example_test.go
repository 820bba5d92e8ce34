package faultproxy_test

import (
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"sync"
	"time"

	"github.com/breakergen/breakergen/internal/testing/faultproxy"
)

// A proxy in front of an echo server forwards until Blackhole makes the server
// look hung: the client's read then ends only by its own deadline.
func Example() {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		panic(err)
	}
	var wg sync.WaitGroup
	wg.Go(func() { echo(ln) })
	defer wg.Wait()
	defer ln.Close()

	p, err := faultproxy.New(ln.Addr().String())
	if err != nil {
		panic(err)
	}
	defer p.Close()

	c, err := net.Dial("tcp", p.Addr())
	if err != nil {
		panic(err)
	}
	defer c.Close()
	buf := make([]byte, 5)
	_, _ = c.Write([]byte("hello"))
	_, err = io.ReadFull(c, buf)
	fmt.Printf("forwarded: %s %v\n", buf, err)

	p.Blackhole()
	_, _ = c.Write([]byte("again"))
	_ = c.SetReadDeadline(time.Now().Add(100 * time.Millisecond))
	_, err = c.Read(buf)
	fmt.Println("blackholed, read timed out:", errors.Is(err, os.ErrDeadlineExceeded))
	// Output:
	// forwarded: hello <nil>
	// blackholed, read timed out: true
}

// echo sends back what each connection on ln sends, until ln is closed and the
// connections end.
func echo(ln net.Listener) {
	var wg sync.WaitGroup
	defer wg.Wait()
	for {
		c, err := ln.Accept()
		if err != nil {
			return
		}
		wg.Go(func() {
			defer c.Close()
			_, _ = io.Copy(c, c)
		})
	}
}
