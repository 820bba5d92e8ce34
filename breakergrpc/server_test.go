package breakergrpc_test

import (
	"context"
	"fmt"
	"net"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/types/known/wrapperspb"

	"github.com/breakergen/breakergen/adaptertest"
)

// The test server serves two services, adaptertest.A and adaptertest.B, each
// with a unary method Call and a server-streaming method Stream, described by
// hand (no generated code): the request is a StringValue naming the
// behaviour, and the answer is the StringValue "answer" (three of them on a
// stream, which may then fail).
var services = [2]string{"adaptertest.A", "adaptertest.B"}

// testServer is a real gRPC server on a loopback port.
type testServer struct {
	addr   string
	hits   [2]atomic.Int64
	gates  [2]adaptertest.Gate
	active sync.WaitGroup // handlers running
	nrun   atomic.Int64
}

func startServer(t testing.TB) *testServer {
	s := &testServer{}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	s.addr = l.Addr().String()
	srv := grpc.NewServer(grpc.ChainUnaryInterceptor(recoverUnary), grpc.ChainStreamInterceptor(recoverStream))
	for i, name := range services {
		srv.RegisterService(s.desc(i, name), s)
	}
	go func() { _ = srv.Serve(l) }()
	t.Cleanup(srv.Stop)
	return s
}

func (s *testServer) desc(target int, name string) *grpc.ServiceDesc {
	return &grpc.ServiceDesc{
		ServiceName: name,
		HandlerType: (*any)(nil),
		Methods: []grpc.MethodDesc{{MethodName: "Call", Handler: func(srv any, ctx context.Context, dec func(any) error, ic grpc.UnaryServerInterceptor) (any, error) {
			in := new(wrapperspb.StringValue)
			if err := dec(in); err != nil {
				return nil, err
			}
			h := func(ctx context.Context, req any) (any, error) {
				return s.answer(ctx, target, req.(*wrapperspb.StringValue).GetValue())
			}
			if ic == nil {
				return h(ctx, in)
			}
			return ic(ctx, in, &grpc.UnaryServerInfo{Server: srv, FullMethod: "/" + name + "/Call"}, h)
		}}},
		Streams: []grpc.StreamDesc{{StreamName: "Stream", ServerStreams: true, Handler: func(_ any, ss grpc.ServerStream) error {
			in := new(wrapperspb.StringValue)
			if err := ss.RecvMsg(in); err != nil {
				return err
			}
			return s.stream(ss, target, in.GetValue())
		}}},
	}
}

// answer runs one behaviour for target.
func (s *testServer) answer(ctx context.Context, target int, behaviour string) (*wrapperspb.StringValue, error) {
	s.active.Add(1)
	s.nrun.Add(1)
	defer func() { s.nrun.Add(-1); s.active.Done() }()
	s.hits[target].Add(1)
	switch behaviour {
	case adaptertest.NotFound.String():
		return nil, status.Error(codes.NotFound, "no such thing")
	case adaptertest.Fail.String():
		return nil, status.Error(codes.Unavailable, "the backend is down")
	case adaptertest.Hang.String():
		if !s.gates[target].Hold(ctx) {
			return nil, status.FromContextError(ctx.Err()).Err()
		}
	case adaptertest.Panic.String():
		panic("adaptertest: the handler panics")
	}
	return wrapperspb.String("answer"), nil
}

// stream sends three answers after the behaviour's, so a failure comes after
// messages the client received.
func (s *testServer) stream(ss grpc.ServerStream, target int, behaviour string) error {
	if err := ss.SendMsg(wrapperspb.String("answer")); err != nil {
		return err
	}
	out, err := s.answer(ss.Context(), target, behaviour)
	if err != nil {
		return err
	}
	for range 2 {
		if err := ss.SendMsg(out); err != nil {
			return err
		}
	}
	return nil
}

// running returns how many handlers run, once they settled: a handler whose
// client cancelled ends a moment after the client's call returned.
func (s *testServer) running() int {
	done := make(chan struct{})
	go func() { s.active.Wait(); close(done) }()
	select {
	case <-done:
	case <-time.After(5 * time.Second):
	}
	return int(s.nrun.Load())
}

// recoverUnary turns a handler's panic into codes.Internal, as servers'
// recovery middleware does (grpc-go itself would crash the process).
func recoverUnary(ctx context.Context, req any, _ *grpc.UnaryServerInfo, h grpc.UnaryHandler) (_ any, err error) {
	defer func() {
		if r := recover(); r != nil {
			err = status.Error(codes.Internal, fmt.Sprint("panic: ", r))
		}
	}()
	return h(ctx, req)
}

func recoverStream(srv any, ss grpc.ServerStream, _ *grpc.StreamServerInfo, h grpc.StreamHandler) (err error) {
	defer func() {
		if r := recover(); r != nil {
			err = status.Error(codes.Internal, fmt.Sprint("panic: ", r))
		}
	}()
	return h(srv, ss)
}
