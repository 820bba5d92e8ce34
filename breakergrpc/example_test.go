package breakergrpc_test

import (
	"context"
	"errors"
	"fmt"
	"net"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials/insecure"
	healthpb "google.golang.org/grpc/health/grpc_health_v1"
	"google.golang.org/grpc/status"

	"github.com/breakergen/breakergen/breakergrpc"
	"github.com/breakergen/breakergen/runtime"
)

// Example puts a connection's calls behind one circuit per service. The
// server here is down: the first failure opens the service's circuit (one
// sample is enough in this example), and the next call makes no request.
func Example() {
	l, _ := net.Listen("tcp", "127.0.0.1:0") // an address nobody will answer on
	addr := l.Addr().String()
	l.Close()

	b := runtime.MustNew(runtime.WithDefaults(runtime.Options{SampleThreshold: 1}))
	conn, err := grpc.NewClient(addr,
		grpc.WithTransportCredentials(insecure.NewCredentials()),
		grpc.WithChainUnaryInterceptor(breakergrpc.UnaryClientInterceptor(b)),
		grpc.WithChainStreamInterceptor(breakergrpc.StreamClientInterceptor(b)))
	if err != nil {
		panic(err)
	}
	defer conn.Close()
	health := healthpb.NewHealthClient(conn)
	ctx := context.Background()

	_, err = health.Check(ctx, &healthpb.HealthCheckRequest{})
	fmt.Println("first call:", status.Code(err), errors.Is(err, runtime.ErrOpen))

	_, err = health.Check(ctx, &healthpb.HealthCheckRequest{})
	fmt.Println("skipped:", status.Code(err), errors.Is(err, runtime.ErrOpen))
	var open *runtime.OpenCircuitError
	if errors.As(err, &open) {
		fmt.Println("circuit:", open.Circuit, "retry after:", open.RetryAfter().Round(time.Minute))
	}
	// Output:
	// first call: Unavailable false
	// skipped: Unavailable true
	// circuit: grpc[grpc.health.v1.Health] retry after: 5m0s
}
