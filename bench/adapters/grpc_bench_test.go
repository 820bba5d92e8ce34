package adapters

import (
	"context"
	"testing"

	"github.com/failsafe-go/failsafe-go/circuitbreaker"
	"github.com/failsafe-go/failsafe-go/failsafegrpc"
	"google.golang.org/grpc"

	"github.com/breakergen/breakergen/breakergrpc"
	"github.com/breakergen/breakergen/runtime"
)

// BenchmarkGRPCUnary is a unary call on a closed circuit through each
// adapter's interceptor, around an invoker that returns at once.
func BenchmarkGRPCUnary(b *testing.B) {
	ctx := context.Background()
	invoker := func(context.Context, string, any, any, *grpc.ClientConn, ...grpc.CallOption) error { return nil }
	bare := func(ctx context.Context, method string, req, reply any, cc *grpc.ClientConn, invoker grpc.UnaryInvoker, opts ...grpc.CallOption) error {
		return invoker(ctx, method, req, reply, cc, opts...)
	}
	for _, row := range []struct {
		name string
		ic   grpc.UnaryClientInterceptor
	}{
		{"bare", bare},
		{"breakergrpc", breakergrpc.UnaryClientInterceptor(runtime.MustNew())},
		{"failsafegrpc", failsafegrpc.NewUnaryClientInterceptor[any](circuitbreaker.NewWithDefaults[any]())},
	} {
		b.Run(row.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if err := row.ic(ctx, "/pkg.Svc/M", nil, nil, nil, invoker); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// BenchmarkGRPCUnarySkipped is a call each adapter's open circuit refuses.
func BenchmarkGRPCUnarySkipped(b *testing.B) {
	ctx := context.Background()
	invoker := func(context.Context, string, any, any, *grpc.ClientConn, ...grpc.CallOption) error { return nil }
	ic, err := breakergrpc.New(runtime.MustNew())
	if err != nil {
		b.Fatal(err)
	}
	if err := ic.Circuit(nil, "/pkg.Svc/M").LockOpen(ctx); err != nil {
		b.Fatal(err)
	}
	cb := circuitbreaker.NewWithDefaults[any]()
	cb.Open()
	for _, row := range []struct {
		name string
		ic   grpc.UnaryClientInterceptor
	}{
		{"breakergrpc", ic.Unary()},
		{"failsafegrpc", failsafegrpc.NewUnaryClientInterceptor[any](cb)},
	} {
		b.Run(row.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if err := row.ic(ctx, "/pkg.Svc/M", nil, nil, nil, invoker); err == nil {
					b.Fatal("not refused")
				}
			}
		})
	}
}
