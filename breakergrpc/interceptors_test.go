package breakergrpc_test

import (
	"context"
	"io"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"google.golang.org/genproto/googleapis/rpc/errdetails"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/credentials/insecure"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/types/known/wrapperspb"

	"github.com/breakergen/breakergen/breakergrpc"
	"github.com/breakergen/breakergen/breakertest"
	"github.com/breakergen/breakergen/runtime"
)

// codeServer starts the test server and returns its address.
func codeServer(t *testing.T) string {
	t.Helper()
	srv := startServer(t)
	return srv.addr
}

// dial connects to addr through interceptors of kit built with opts.
func dial(t *testing.T, kit *breakertest.Kit, addr string, opts ...breakergrpc.Option) *grpc.ClientConn {
	t.Helper()
	conn, err := grpc.NewClient(addr,
		grpc.WithTransportCredentials(insecure.NewCredentials()),
		grpc.WithChainUnaryInterceptor(breakergrpc.UnaryClientInterceptor(kit.Breaker, opts...)),
		grpc.WithChainStreamInterceptor(breakergrpc.StreamClientInterceptor(kit.Breaker, opts...)))
	require.NoError(t, err)
	t.Cleanup(func() { _ = conn.Close() })
	return conn
}

func call(ctx context.Context, conn *grpc.ClientConn, method, behaviour string) error {
	return conn.Invoke(ctx, method, wrapperspb.String(behaviour), new(wrapperspb.StringValue))
}

// TestDefaultJudgement judges every status code through the unary
// interceptor, around an invoker that returns that code.
func TestDefaultJudgement(t *testing.T) {
	failures := map[codes.Code]bool{}
	for _, c := range breakergrpc.DefaultFailureCodes {
		failures[c] = true
	}
	for code := codes.Canceled; code <= codes.Unauthenticated; code++ {
		t.Run(code.String(), func(t *testing.T) {
			kit := breakertest.New(t)
			ic, err := breakergrpc.New(kit.Breaker)
			require.NoError(t, err)
			invoker := func(context.Context, string, any, any, *grpc.ClientConn, ...grpc.CallOption) error {
				return status.Error(code, "answer")
			}
			err = ic.Unary()(context.Background(), "/pkg.Svc/M", nil, nil, nil, invoker)
			assert.Equal(t, code, status.Code(err), "the caller gets the status untouched")
			st := kit.Status("grpc[pkg.Svc]")
			if failures[code] {
				assert.Equal(t, 1, st.SampleSize)
				assert.Equal(t, 1.0, st.FailureRate)
			} else {
				assert.Zero(t, st.SampleSize, "%v answers the request: not recorded", code)
			}
		})
	}
}

func TestWithFailureCodes(t *testing.T) {
	kit := breakertest.New(t)
	ic, err := breakergrpc.New(kit.Breaker, breakergrpc.WithFailureCodes(codes.NotFound))
	require.NoError(t, err)
	for _, code := range []codes.Code{codes.NotFound, codes.Unavailable} {
		invoker := func(context.Context, string, any, any, *grpc.ClientConn, ...grpc.CallOption) error {
			return status.Error(code, "x")
		}
		_ = ic.Unary()(context.Background(), "/pkg.Svc/M", nil, nil, nil, invoker)
	}
	st := kit.Status("grpc[pkg.Svc]")
	assert.Equal(t, 1, st.SampleSize, "NotFound is now the failure, Unavailable not recorded")
	assert.Equal(t, 1.0, st.FailureRate)
}

func TestSkippedError(t *testing.T) {
	kit := breakertest.New(t, runtime.WithDefaults(runtime.Options{CoolDown: time.Minute}))
	conn := dial(t, kit, codeServer(t))
	kit.ForceOpen("grpc[adaptertest.A]")
	kit.Clock.Advance(15 * time.Second)

	err := call(context.Background(), conn, "/adaptertest.A/Call", "succeed")
	require.ErrorIs(t, err, runtime.ErrOpen)
	var open *runtime.OpenCircuitError
	require.ErrorAs(t, err, &open)
	assert.Equal(t, 45*time.Second, open.RetryAfter())
	st, ok := status.FromError(err)
	require.True(t, ok)
	assert.Equal(t, codes.Unavailable, st.Code())
	assert.Contains(t, err.Error(), "code = Unavailable")
	require.Len(t, st.Details(), 1)
	info, ok := st.Details()[0].(*errdetails.RetryInfo)
	require.True(t, ok)
	assert.Equal(t, 45*time.Second, info.GetRetryDelay().AsDuration())

	assert.ErrorIs(t, call(context.Background(), conn, "/adaptertest.A/Call", "succeed"), runtime.ErrOpen)
	assert.NoError(t, call(context.Background(), conn, "/adaptertest.B/Call", "succeed"), "another service")
}

func TestPerMethodNames(t *testing.T) {
	kit := breakertest.New(t)
	addr := codeServer(t)
	conn := dial(t, kit, addr, breakergrpc.PerMethod(), breakergrpc.WithName("backend"))
	require.NoError(t, call(context.Background(), conn, "/adaptertest.A/Call", "succeed"))
	assert.Equal(t, 1, kit.Status("backend["+addr+"/adaptertest.A/Call]").SampleSize)
}

// TestStreams checks the judging of streams that the conformance suite does
// not: an abandoned stream, and a stream whose server sends one message.
func TestStreams(t *testing.T) {
	kit := breakertest.New(t)
	ic, err := breakergrpc.New(kit.Breaker)
	require.NoError(t, err)
	ctx := context.Background()
	for _, tc := range []struct {
		name    string
		desc    *grpc.StreamDesc
		recv    []error
		samples int
	}{
		{"abandoned", &grpc.StreamDesc{ServerStreams: true}, []error{nil}, 0},
		{"eof", &grpc.StreamDesc{ServerStreams: true}, []error{nil, io.EOF, io.EOF}, 1},
		{"one message", &grpc.StreamDesc{ClientStreams: true}, []error{nil}, 1},
		{"failure after messages", &grpc.StreamDesc{ServerStreams: true}, []error{nil, status.Error(codes.Internal, "x"), status.Error(codes.Internal, "x")}, 1},
	} {
		t.Run(tc.name, func(t *testing.T) {
			name := "/" + tc.name + "/M"
			fake := &fakeStream{recv: tc.recv}
			streamer := func(context.Context, *grpc.StreamDesc, *grpc.ClientConn, string, ...grpc.CallOption) (grpc.ClientStream, error) {
				return fake, nil
			}
			cs, err := ic.Stream()(ctx, tc.desc, nil, name, streamer)
			require.NoError(t, err)
			for range tc.recv {
				_ = cs.RecvMsg(nil)
			}
			assert.Equal(t, tc.samples, kit.Status("grpc["+tc.name+"]").SampleSize)
		})
	}
}

// fakeStream stands for grpc-go's client stream in TestStreams: what matters
// is the sequence of RecvMsg results the interceptor sees.
type fakeStream struct {
	grpc.ClientStream
	recv []error
}

func (f *fakeStream) RecvMsg(any) error {
	err := f.recv[0]
	f.recv = f.recv[1:]
	return err
}

// TestStreamKeptAfterItsEnd checks that an opened stream's wrapper is
// never reused: the caller may keep a stream after its end, through
// refusals (whose wrappers are recycled) and later streams of its circuit,
// and it still reads its own stream, judged once.
func TestStreamKeptAfterItsEnd(t *testing.T) {
	kit := breakertest.New(t)
	ic, err := breakergrpc.New(kit.Breaker)
	require.NoError(t, err)
	stream := ic.Stream()
	open := func(fake grpc.ClientStream) (grpc.ClientStream, error) {
		return stream(context.Background(), &grpc.StreamDesc{ServerStreams: true}, nil, "/kept/S",
			func(context.Context, *grpc.StreamDesc, *grpc.ClientConn, string, ...grpc.CallOption) (grpc.ClientStream, error) {
				return fake, nil
			})
	}
	mine := &fakeStream{recv: []error{io.EOF, io.EOF}}
	kept, err := open(mine)
	require.NoError(t, err)
	require.ErrorIs(t, kept.RecvMsg(nil), io.EOF)

	for range 50 {
		kit.ForceOpen("grpc[kept]")
		_, err := open(&fakeStream{})
		require.ErrorIs(t, err, runtime.ErrOpen)
		kit.ForceClosed("grpc[kept]")
		cs, err := open(&fakeStream{recv: []error{io.EOF}})
		require.NoError(t, err)
		require.True(t, cs != kept, "a new stream got the kept stream's wrapper")
		require.ErrorIs(t, cs.RecvMsg(nil), io.EOF)
	}
	assert.ErrorIs(t, kept.RecvMsg(nil), io.EOF, "the kept stream reads its own")
	assert.Empty(t, mine.recv, "both of its reads reached it")
}

// TestStreamAllocations pins the stream interceptor's allocations: one for
// an opened stream (its wrapper), none for a refused one. Its Breaker has no
// listener, whose events would allocate.
func TestStreamAllocations(t *testing.T) {
	ic, err := breakergrpc.New(runtime.MustNew())
	require.NoError(t, err)
	stream := ic.Stream()
	ctx, desc := context.Background(), &grpc.StreamDesc{ServerStreams: true}
	streamer := func(context.Context, *grpc.StreamDesc, *grpc.ClientConn, string, ...grpc.CallOption) (grpc.ClientStream, error) {
		return endedStream{}, nil
	}
	var err1, err2 error
	opened := testing.AllocsPerRun(100, func() {
		var cs grpc.ClientStream
		if cs, err1 = stream(ctx, desc, nil, "/allocs/S", streamer); err1 == nil {
			err2 = cs.RecvMsg(nil)
		}
	})
	require.NoError(t, err1)
	require.ErrorIs(t, err2, io.EOF)
	assert.Equal(t, 1.0, opened, "the wrapper of the stream")

	require.NoError(t, ic.Circuit(nil, "/allocs/S").LockOpen(ctx))
	refused := testing.AllocsPerRun(100, func() { _, err1 = stream(ctx, desc, nil, "/allocs/S", streamer) })
	require.ErrorIs(t, err1, runtime.ErrOpen)
	if !raceEnabled { // the race detector's sync.Pool drops a quarter of what it is given
		assert.Zero(t, refused, "refused streams recycle their wrappers")
	}
}

func TestStreamOpeningFailure(t *testing.T) {
	kit := breakertest.New(t)
	ic, err := breakergrpc.New(kit.Breaker)
	require.NoError(t, err)
	streamer := func(context.Context, *grpc.StreamDesc, *grpc.ClientConn, string, ...grpc.CallOption) (grpc.ClientStream, error) {
		return nil, status.Error(codes.Unavailable, "connection refused")
	}
	_, err = ic.Stream()(context.Background(), &grpc.StreamDesc{ServerStreams: true}, nil, "/s/M", streamer)
	require.Error(t, err)
	assert.Equal(t, 1.0, kit.Status("grpc[s]").FailureRate)

	kit.ForceOpen("grpc[s]")
	_, err = ic.Stream()(context.Background(), &grpc.StreamDesc{ServerStreams: true}, nil, "/s/M", streamer)
	require.ErrorIs(t, err, runtime.ErrOpen)
	assert.Equal(t, codes.Unavailable, status.Code(err))
}

func TestPanickingInvokerIsAFailure(t *testing.T) {
	kit := breakertest.New(t)
	ic, err := breakergrpc.New(kit.Breaker)
	require.NoError(t, err)
	invoker := func(context.Context, string, any, any, *grpc.ClientConn, ...grpc.CallOption) error { panic("boom") }
	assert.Panics(t, func() { _ = ic.Unary()(context.Background(), "/p/M", nil, nil, nil, invoker) })
	streamer := func(context.Context, *grpc.StreamDesc, *grpc.ClientConn, string, ...grpc.CallOption) (grpc.ClientStream, error) {
		panic("boom")
	}
	assert.Panics(t, func() { _, _ = ic.Stream()(context.Background(), nil, nil, "/p/S", streamer) })
	st := kit.Status("grpc[p]")
	assert.Equal(t, 2, st.SampleSize)
	assert.Equal(t, 1.0, st.FailureRate)
}

func TestInvalidOptions(t *testing.T) {
	kit := breakertest.New(t)
	for _, opts := range [][]breakergrpc.Option{
		{breakergrpc.WithName("")},
		{breakergrpc.WithFailureCodes(codes.OK)},
		{breakergrpc.WithFailureCodes(codes.Code(99))},
		{breakergrpc.WithOptions(runtime.Options{SampleThreshold: -1})},
		{nil},
	} {
		_, err := breakergrpc.New(kit.Breaker, opts...)
		assert.ErrorIs(t, err, runtime.ErrInvalid)
	}
	_, err := breakergrpc.New(nil)
	assert.ErrorIs(t, err, runtime.ErrInvalid)
	assert.Panics(t, func() { breakergrpc.UnaryClientInterceptor(nil) })
	assert.Panics(t, func() { breakergrpc.StreamClientInterceptor(kit.Breaker, breakergrpc.WithName("")) })

	ic, err := breakergrpc.New(kit.Breaker, breakergrpc.WithOptions(runtime.Options{CoolDown: 3 * time.Second}))
	require.NoError(t, err)
	assert.Equal(t, 3*time.Second, ic.Circuit(nil, "/x.Y/Z").Options().CoolDown)
	assert.Equal(t, "grpc[x.Y]", ic.Circuit(nil, "/x.Y/Z").Name())
	assert.Equal(t, "grpc[odd]", ic.Circuit(nil, "odd").Name())
}
