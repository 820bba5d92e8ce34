package breakergrpc_test

import (
	"context"
	"errors"
	"io"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/credentials/insecure"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/types/known/wrapperspb"

	"github.com/breakergen/breakergen/adaptertest"
	"github.com/breakergen/breakergen/breakergrpc"
	"github.com/breakergen/breakergen/runtime"
)

// skippedIsUnavailable checks gRPC's own "unavailable" on a skipped call.
func skippedIsUnavailable(t *testing.T, err error) {
	assert.Equal(t, codes.Unavailable, status.Code(err))
	var skipped *breakergrpc.SkippedError
	assert.ErrorAs(t, err, &skipped)
}

// TestConformance runs the adapters' shared suite against the interceptors
// and a real gRPC server on loopback: unary calls and server streams with
// circuits per service (the two services are the two targets), and unary
// calls with circuits per method.
func TestConformance(t *testing.T) {
	srv := startServer(t)
	for _, mode := range []struct {
		name   string
		stream bool
		opts   []breakergrpc.Option
	}{
		{"unary", false, nil},
		{"stream", true, nil},
		{"unary-per-method", false, []breakergrpc.Option{breakergrpc.PerMethod()}},
	} {
		t.Run(mode.name, func(t *testing.T) {
			adaptertest.Run(t, adaptertest.Harness{
				Name:    "breakergrpc " + mode.name,
				Skipped: skippedIsUnavailable,
				Setup: func(t *testing.T, b *runtime.Breaker) adaptertest.Fixture {
					return newGRPCFixture(t, b, srv, mode.stream, mode.opts)
				},
			})
		})
	}
}

type grpcFixture struct {
	srv    *testServer
	conn   *grpc.ClientConn
	ic     *breakergrpc.Interceptors
	stream bool
	start  [2]int64
}

func newGRPCFixture(t *testing.T, b *runtime.Breaker, srv *testServer, stream bool, opts []breakergrpc.Option) *grpcFixture {
	ic, err := breakergrpc.New(b, opts...)
	require.NoError(t, err)
	conn, err := grpc.NewClient(srv.addr,
		grpc.WithTransportCredentials(insecure.NewCredentials()),
		grpc.WithChainUnaryInterceptor(ic.Unary()),
		grpc.WithChainStreamInterceptor(ic.Stream()))
	require.NoError(t, err)
	t.Cleanup(func() { _ = conn.Close() })
	f := &grpcFixture{srv: srv, conn: conn, ic: ic, stream: stream}
	for i := range f.start {
		f.start[i] = srv.hits[i].Load()
	}
	return f
}

func (f *grpcFixture) method(target int) string {
	if f.stream {
		return "/" + services[target] + "/Stream"
	}
	return "/" + services[target] + "/Call"
}

func (f *grpcFixture) Call(ctx context.Context, target int, b adaptertest.Behavior) error {
	in := wrapperspb.String(b.String())
	if !f.stream {
		out := new(wrapperspb.StringValue)
		err := f.conn.Invoke(ctx, f.method(target), in, out)
		if err == nil && out.GetValue() != "answer" {
			return errors.New("the answer did not reach the caller untouched")
		}
		return err
	}
	cs, err := f.conn.NewStream(ctx, &grpc.StreamDesc{ServerStreams: true}, f.method(target))
	if err != nil {
		return err
	}
	if err := cs.SendMsg(in); err != nil {
		return err
	}
	if err := cs.CloseSend(); err != nil {
		return err
	}
	for n := 0; ; n++ {
		out := new(wrapperspb.StringValue)
		switch err := cs.RecvMsg(out); {
		case errors.Is(err, io.EOF) && n == 3:
			return nil
		case errors.Is(err, io.EOF):
			return errors.New("the stream ended early")
		case err != nil:
			return err
		}
	}
}

func (f *grpcFixture) Circuit(target int) string {
	return f.ic.Circuit(f.conn, f.method(target)).Name()
}

func (f *grpcFixture) Hits(_ testing.TB, target int) int {
	return int(f.srv.hits[target].Load() - f.start[target])
}

func (f *grpcFixture) AwaitHeld(t testing.TB, target, n int) { f.srv.gates[target].AwaitHeld(t, n) }

func (f *grpcFixture) Release(_ testing.TB, target int) { f.srv.gates[target].Release() }

func (f *grpcFixture) Open(testing.TB) int { return f.srv.running() }
