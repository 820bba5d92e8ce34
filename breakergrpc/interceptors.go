package breakergrpc

import (
	"context"
	"fmt"

	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	"github.com/breakergen/breakergen/runtime"
)

// Interceptors holds a unary and a stream client interceptor that share
// their configuration and circuits. Build them with New. Interceptors are
// safe for concurrent use.
type Interceptors struct {
	cfg config
	cs  *circuits
}

// New returns the interceptors running calls through circuits of b,
// configured by opts. It returns an error wrapping runtime.ErrInvalid when b
// is nil or an option is invalid.
func New(b *runtime.Breaker, opts ...Option) (*Interceptors, error) {
	cfg, err := build(b, opts)
	if err != nil {
		return nil, err
	}
	i := &Interceptors{cfg: cfg}
	i.cs = &circuits{b: b, cfg: &i.cfg}
	return i, nil
}

// UnaryClientInterceptor returns the unary interceptor of New(b, opts...),
// for grpc.WithChainUnaryInterceptor. It panics with New's error, as a Must
// form does: it is made where a connection is dialled, in start-up code, and
// a misconfigured breaker must not reach production silently.
func UnaryClientInterceptor(b *runtime.Breaker, opts ...Option) grpc.UnaryClientInterceptor {
	return mustNew(b, opts).Unary()
}

// StreamClientInterceptor returns the stream interceptor of New(b, opts...),
// for grpc.WithChainStreamInterceptor. It panics with New's error, as
// UnaryClientInterceptor does.
func StreamClientInterceptor(b *runtime.Breaker, opts ...Option) grpc.StreamClientInterceptor {
	return mustNew(b, opts).Stream()
}

func mustNew(b *runtime.Breaker, opts []Option) *Interceptors {
	i, err := New(b, opts...)
	if err != nil {
		panic(err)
	}
	return i
}

// Unary returns the unary client interceptor.
func (i *Interceptors) Unary() grpc.UnaryClientInterceptor { return i.unary }

// Stream returns the stream client interceptor.
func (i *Interceptors) Stream() grpc.StreamClientInterceptor { return i.stream }

// Circuit returns the circuit of a call of the full method
// ("/package.Service/Method") on cc, making it if need be.
func (i *Interceptors) Circuit(cc *grpc.ClientConn, method string) *runtime.Circuit {
	return i.cs.lookup(cc, method).c
}

func (i *Interceptors) unary(ctx context.Context, method string, req, reply any, cc *grpc.ClientConn, invoker grpc.UnaryInvoker, opts ...grpc.CallOption) error {
	c := i.cs.lookup(cc, method)
	a, err := c.c.Allow(ctx)
	if err != nil {
		return c.skip(err)
	}
	defer a.RecordPanic()
	err = invoker(ctx, method, req, reply, cc, opts...)
	i.record(ctx, &a, err)
	return err
}

// notRecorded is what the interceptors give Done for an outcome they leave
// out: nothing is recorded, and a probe's reservation is released.
var notRecorded = fmt.Errorf("breakergrpc: %w", runtime.ErrNotRecorded)

// record gives the attempt the outcome of a call made with ctx.
func (i *Interceptors) record(ctx context.Context, a *runtime.Attempt, err error) {
	switch {
	case err == nil:
		a.Done(ctx, nil)
	case ctx.Err() == context.Canceled: //nolint:errorlint // Err returns the sentinel itself
		a.Done(ctx, notRecorded) // the caller gave up
	case i.failure(status.Code(err)):
		a.Done(ctx, err)
	default:
		a.Done(ctx, notRecorded) // an answer about the request
	}
}

// failure reports whether code is a failure of the server.
func (i *Interceptors) failure(code codes.Code) bool {
	return code <= maxCode && i.cfg.failures[code]
}
