package breakergrpc_test

import (
	"context"
	"io"
	"testing"

	"github.com/stretchr/testify/require"
	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials/insecure"
	"google.golang.org/protobuf/types/known/wrapperspb"

	"github.com/breakergen/breakergen/breakergrpc"
	"github.com/breakergen/breakergen/runtime"
)

// BenchmarkUnaryOverhead measures what the unary interceptor adds to a call
// on a closed circuit, around an invoker that returns at once, against that
// invoker alone; and a call the open circuit refuses.
func BenchmarkUnaryOverhead(b *testing.B) {
	ctx := context.Background()
	invoker := func(context.Context, string, any, any, *grpc.ClientConn, ...grpc.CallOption) error { return nil }
	b.Run("bare", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			_ = invoker(ctx, "/pkg.Svc/M", nil, nil, nil)
		}
	})
	for _, mode := range []struct {
		name string
		opts []breakergrpc.Option
	}{{"per-service", nil}, {"per-method", []breakergrpc.Option{breakergrpc.PerMethod()}}} {
		b.Run(mode.name, func(b *testing.B) {
			unary := breakergrpc.UnaryClientInterceptor(runtime.MustNew(), mode.opts...)
			b.ReportAllocs()
			for b.Loop() {
				_ = unary(ctx, "/pkg.Svc/M", nil, nil, nil, invoker)
			}
		})
	}
	b.Run("skipped", func(b *testing.B) {
		brk := runtime.MustNew()
		ic, err := breakergrpc.New(brk)
		require.NoError(b, err)
		require.NoError(b, ic.Circuit(nil, "/pkg.Svc/M").LockOpen(ctx))
		unary := ic.Unary()
		b.ReportAllocs()
		for b.Loop() {
			_ = unary(ctx, "/pkg.Svc/M", nil, nil, nil, invoker)
		}
	})
}

// BenchmarkStreamOverhead measures the stream interceptor: opening a stream
// and reading it to its end, around a streamer that returns at once (the
// stream's wrapper is its one allocation); and a stream the open circuit
// refuses.
func BenchmarkStreamOverhead(b *testing.B) {
	ctx := context.Background()
	desc := &grpc.StreamDesc{ServerStreams: true}
	streamer := func(context.Context, *grpc.StreamDesc, *grpc.ClientConn, string, ...grpc.CallOption) (grpc.ClientStream, error) {
		return endedStream{}, nil
	}
	run := func(b *testing.B, open grpc.Streamer) {
		b.ReportAllocs()
		for b.Loop() {
			cs, _ := open(ctx, desc, nil, "/pkg.Svc/S")
			_ = cs.RecvMsg(nil)
		}
	}
	b.Run("bare", func(b *testing.B) { run(b, streamer) })
	b.Run("breakergrpc", func(b *testing.B) {
		stream := breakergrpc.StreamClientInterceptor(runtime.MustNew())
		run(b, func(ctx context.Context, desc *grpc.StreamDesc, cc *grpc.ClientConn, method string, opts ...grpc.CallOption) (grpc.ClientStream, error) {
			return stream(ctx, desc, cc, method, streamer, opts...)
		})
	})
	b.Run("skipped", func(b *testing.B) {
		ic, err := breakergrpc.New(runtime.MustNew())
		require.NoError(b, err)
		require.NoError(b, ic.Circuit(nil, "/pkg.Svc/S").LockOpen(ctx))
		stream := ic.Stream()
		b.ReportAllocs()
		for b.Loop() {
			_, _ = stream(ctx, desc, nil, "/pkg.Svc/S", streamer)
		}
	})
}

// endedStream is a stream that has ended.
type endedStream struct{ grpc.ClientStream }

func (endedStream) RecvMsg(any) error { return errEOF }

// BenchmarkLoopback runs unary calls against the test server on loopback,
// bare and through the interceptor.
func BenchmarkLoopback(b *testing.B) {
	srv := startServer(b)
	ctx := context.Background()
	for _, wrapped := range []bool{false, true} {
		name := "bare"
		opts := []grpc.DialOption{grpc.WithTransportCredentials(insecure.NewCredentials())}
		if wrapped {
			name = "breakergrpc"
			opts = append(opts, grpc.WithChainUnaryInterceptor(breakergrpc.UnaryClientInterceptor(runtime.MustNew())))
		}
		b.Run(name, func(b *testing.B) {
			conn, err := grpc.NewClient(srv.addr, opts...)
			require.NoError(b, err)
			defer conn.Close()
			in, out := wrapperspb.String("succeed"), new(wrapperspb.StringValue)
			b.ReportAllocs()
			for b.Loop() {
				if err := conn.Invoke(ctx, "/adaptertest.A/Call", in, out); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// BenchmarkLoopbackStream opens a server stream of the test server on
// loopback, sends its request and reads it to its end, bare and through the
// interceptor: grpc-go's own allocations, and the interceptor's one.
func BenchmarkLoopbackStream(b *testing.B) {
	srv := startServer(b)
	ctx := context.Background()
	desc := &grpc.StreamDesc{ServerStreams: true}
	for _, wrapped := range []bool{false, true} {
		name := "bare"
		opts := []grpc.DialOption{grpc.WithTransportCredentials(insecure.NewCredentials())}
		if wrapped {
			name = "breakergrpc"
			opts = append(opts, grpc.WithChainStreamInterceptor(breakergrpc.StreamClientInterceptor(runtime.MustNew())))
		}
		b.Run(name, func(b *testing.B) {
			conn, err := grpc.NewClient(srv.addr, opts...)
			require.NoError(b, err)
			defer conn.Close()
			in, out := wrapperspb.String("succeed"), new(wrapperspb.StringValue)
			b.ReportAllocs()
			for b.Loop() {
				cs, err := conn.NewStream(ctx, desc, "/adaptertest.A/Stream")
				if err != nil {
					b.Fatal(err)
				}
				if err := cs.SendMsg(in); err != nil {
					b.Fatal(err)
				}
				if err := cs.CloseSend(); err != nil {
					b.Fatal(err)
				}
				for err == nil {
					err = cs.RecvMsg(out)
				}
				if err != io.EOF { //nolint:errorlint // RecvMsg returns io.EOF itself
					b.Fatal(err)
				}
			}
		})
	}
}

var errEOF = io.EOF
