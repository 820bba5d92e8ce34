// Command service is one service that calls three dependencies, each through
// a breakergen adapter on one Breaker: an inventory over gRPC
// (breakergrpc's interceptors), a cache in Redis (breakerredis's hook) and a
// pricing API over HTTP (breakerhttp's transport), with the status page
// (breakerhttp.StatusHandler) on an admin listener.
//
// It starts the dependencies itself on loopback: a gRPC health server for the
// inventory, an HTTP server for pricing, and a redis-server from PATH (or the
// one -redis names). Then it plays a script: quotes succeed, the pricing API
// starts failing and its circuit opens, quotes answer 503 with Retry-After
// without calling it, the status page shows the open circuit, and once the
// cool-down has passed (on a clock the script moves) one probe closes it.
package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"os"
)

func main() {
	redisAddr := flag.String("redis", "", "address of a Redis server to use; empty: start redis-server from PATH")
	flag.Parse()
	if err := run(context.Background(), os.Stdout, *redisAddr); err != nil {
		fmt.Fprintln(os.Stderr, "service:", err)
		os.Exit(1)
	}
}

// run starts the dependencies and the service and plays the script.
func run(ctx context.Context, w io.Writer, redisAddr string) error {
	deps, err := startDependencies(ctx, redisAddr)
	if err != nil {
		return err
	}
	defer deps.stop()
	svc, err := newService(deps)
	if err != nil {
		return err
	}
	defer svc.close()
	return script(ctx, w, svc, deps)
}
